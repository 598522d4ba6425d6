package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v2"
)

type globals struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	log            *slog.Logger
}

func (g *globals) getenv(name string) string {
	v, _ := g.lookupEnv(name)
	return v
}

func newApp(g *globals) *cli.App {
	return &cli.App{
		Name:  "stonith-proxy",
		Usage: "Power a failed storage node off through its rack PDUs, via an ssh forced command on a proxy host",
		Description: `The cluster nodes hold no PDU credentials: a small proxy host does, and its
authorized_keys lets each node's key run only "stonith-proxy serve", which
powers off only the node that line names, and only for the node's token.

EXAMPLES:
   # on the proxy host, in ~stonith/.ssh/authorized_keys (one line):
   from="198.51.100.2",restrict,command="/usr/local/bin/stonith-proxy serve --node node1" ssh-ed25519 AAAA... node2
   # on node2:
   stonith-proxy fence --proxy stonith@proxy --identity /etc/ietkit/id_fence \
       --token-file /etc/ietkit/fence.token --node node1 --action off

` + exitStatusHelp,
		Flags:           []cli.Flag{&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "debug, info, warn or error"}},
		Writer:          g.stdout,
		ErrWriter:       g.stderr,
		Reader:          g.stdin,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usagef("%v (see stonith-proxy --help)", err)
		},
		Before: g.setup,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown command %q (see stonith-proxy --help)", c.Args().First())
			}
			cli.ShowAppHelp(c)
			return usagef("no command given")
		},
		Commands: []*cli.Command{
			newServeCommand(g), newFenceCommand(g), newHeartbeatCommand(g), newFenceAgentCommand(g),
			newPlanCommand(g), newTokenCommand(g),
		},
	}
}

func (g *globals) setup(c *cli.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", c.String("log-level"))
	}
	g.log = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

func subcommandUsage(name string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return usagef("%s: %v (see stonith-proxy %s --help)", name, err, name)
	}
}

func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s takes no operands, got %q", c.Command.FullName(), strings.Join(c.Args().Slice(), " "))
	}
	return nil
}

func describe(text string) string {
	return fmt.Sprintf("%s\n\n%s", strings.TrimSpace(text), exitStatusHelp)
}

func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "/etc/ietkit/stonith-proxy.conf",
		Usage: "the proxy's configuration (owned by root or this user, mode 0600)"}
}
