package main

import (
	"fmt"
	"os"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
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
			// Larger pipe buffers between sshd and the agent let each side
			// move more per wakeup; where they are not pipes, nothing happens.
			for _, f := range []any{g.stdin, g.stdout} {
				if f, ok := f.(*os.File); ok {
					unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, 1<<20)
				}
			}
			return lvm.ServeAgent(c.Context, g.stdin, g.stdout, &lvm.LVM{Runner: remote.Local{}, Logger: g.log})
		},
	}
}
