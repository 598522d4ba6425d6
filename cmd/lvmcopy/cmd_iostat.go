package main

import (
	"github.com/urfave/cli/v2"
)

func newIostatCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "iostat",
		Usage: "Show I/O statistics of block devices, logical volumes by name",
		Action: func(c *cli.Context) error {
			return usagef("iostat: not built yet")
		},
	}
}
