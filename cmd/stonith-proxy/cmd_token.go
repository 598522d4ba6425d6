package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ietkit/ietkit/pkg/fence"
	"github.com/urfave/cli/v2"
)

func newTokenCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "Make a caller's token and the hash the proxy's configuration holds",
		Subcommands: []*cli.Command{
			{
				Name:      "new",
				Usage:     "Write a new random token to a file (mode 0600) and print its hash",
				ArgsUsage: " ",
				Description: describe(`
Writes a random 256-bit token to --out (which must not exist yet), for the
cluster node's --token-file, and prints the token= value for the caller's
line in the proxy's configuration.

EXAMPLES:
   stonith-proxy token new --out /etc/ietkit/fence.token`),
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Usage: "the token file to create (required)"},
					&cli.BoolFlag{Name: "bcrypt", Usage: "print a bcrypt hash instead of sha256"},
				},
				OnUsageError: subcommandUsage("token new"),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					if c.String("out") == "" {
						return usagef("token new: --out is required")
					}
					return runTokenNew(c.Context, g, c.String("out"), c.Bool("bcrypt"))
				},
			},
			{
				Name:      "hash",
				Usage:     "Read a token on stdin and print the token= value for the proxy's configuration",
				ArgsUsage: " ",
				Description: describe(`
The token is read from stdin, so that it appears in no process list.

EXAMPLES:
   stonith-proxy token hash < /etc/ietkit/fence.token`),
				Flags:        []cli.Flag{&cli.BoolFlag{Name: "bcrypt", Usage: "a bcrypt hash (for a token a person chose) instead of sha256"}},
				OnUsageError: subcommandUsage("token hash"),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					line, err := bufio.NewReader(g.stdin).ReadString('\n')
					if err != nil && line == "" {
						return fmt.Errorf("token hash: read stdin: %w", err)
					}
					h, err := fence.HashToken(strings.TrimRight(line, "\r\n"), c.Bool("bcrypt"))
					if err != nil {
						return usagef("token hash: %v", err)
					}
					fmt.Fprintf(g.stdout, "token=%s\n", h)
					return nil
				},
			},
		},
	}
}

func runTokenNew(_ context.Context, g *globals, out string, slow bool) error {
	tok, err := fence.NewToken()
	if err != nil {
		return err
	}
	h, err := fence.HashToken(tok, slow)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("token new: %w", err)
	}
	if _, err := fmt.Fprintln(f, tok); err != nil {
		f.Close()
		os.Remove(out)
		return fmt.Errorf("token new: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(out)
		return fmt.Errorf("token new: %w", err)
	}
	fmt.Fprintf(g.stdout, "token=%s\n", h)
	return nil
}
