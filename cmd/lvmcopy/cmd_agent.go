package main

import (
	"fmt"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/urfave/cli/v2"
)

func newAgentCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "agent",
		Usage:     "Serve one copy on stdin and stdout (run by lvmcopy on the other host over ssh)",
		ArgsUsage: " ",
		Hidden:    false,
		Description: describe(`
The remote side of a copy: lvmcopy on another host starts it over ssh and
speaks lvmcopy's framed protocol with it on stdin and stdout, carrying the
data, its size, the checksum this side computes as it writes or reads, and
errors. Not for people.`),
		Flags:        []cli.Flag{&cli.BoolFlag{Name: "probe", Usage: "print the protocol version and exit"}},
		OnUsageError: subcommandUsage("agent"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			if c.Bool("probe") {
				_, err := fmt.Fprint(g.stdout, lvm.AgentProbeReply())
				return err
			}
			return lvm.ServeAgent(c.Context, g.stdin, g.stdout, &lvm.LVM{Runner: remote.Local{}, Logger: g.log})
		},
	}
}
