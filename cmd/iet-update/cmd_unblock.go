package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"
)

func newUnblockCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "unblock",
		Usage:     "Lift every initiator block left in the journal",
		ArgsUsage: " ",
		Description: describe(`
A run killed in the middle of a LUN re-add (SIGKILL, power loss) leaves its
initiators blocked; the next run lifts the block first thing, and so does
this command. It takes the host lock: while another run holds it, that run
will unblock on its own way out (use --wait to wait for it).

EXAMPLES:
   iet-update unblock
   iet-update --wait unblock`),
		OnUsageError: subcommandUsage("unblock"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runUnblock(c.Context, g)
		},
	}
}

func runUnblock(ctx context.Context, g *globals) error {
	lock, err := g.lock(ctx)
	if err != nil {
		return err
	}
	defer lock.Release()
	b, err := g.blocker()
	if err != nil {
		return err
	}
	healed, err := b.Heal(ctx)
	for _, h := range healed {
		fmt.Fprintf(g.stdout, "Unblocked %s (blocked by process %d: %s).\n", h.Prefix, h.PID, h.Reason)
	}
	if err != nil {
		return err
	}
	if len(healed) == 0 {
		fmt.Fprintln(g.stdout, "No initiator was blocked.")
	}
	return nil
}
