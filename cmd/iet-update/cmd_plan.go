package main

import (
	"context"
	"fmt"

	"github.com/ietkit/ietkit/pkg/portblock"
	"github.com/urfave/cli/v2"
)

type planOptions struct {
	updateOptions
	json     bool
	detailed bool
}

func newPlanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "Print what online would change, and change nothing",
		ArgsUsage: " ",
		Description: describe(`
Prints the actions online would take, in order, with what it would refuse
and why. Reads the running target, the devices and the files; writes nothing.

EXAMPLES:
   iet-update plan
   iet-update plan --prune --json
   iet-update plan --detailed-exitcode || echo "changes pending"`),
		Flags: []cli.Flag{jsonFlag(), pruneFlag(), forceFlag(),
			&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 3 when the plan has changes"},
			&cli.BoolFlag{Name: "offline", Usage: "plan the files only, as offline would"}},
		OnUsageError: subcommandUsage("plan"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runPlan(c.Context, g, planOptions{
				updateOptions: updateOptions{online: !c.Bool("offline"), prune: c.Bool("prune"), force: c.Bool("force")},
				json:          c.Bool("json"), detailed: c.Bool("detailed-exitcode"),
			})
		},
	}
}

func runPlan(ctx context.Context, g *globals, opts planOptions) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	p, in, b, err := g.prepare(ctx, cfg, opts.updateOptions)
	if err != nil {
		return err
	}
	if pending, err := portblock.ReadJournal(g.paths().Journal()); err == nil && len(pending) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d initiator block(s) left by an earlier run; the next online, offline or unblock run lifts them", len(pending)))
	}
	name := ""
	if b != nil {
		name = b.Name()
	}
	if opts.json {
		if err := printPlanJSON(g.stdout, p, g.config, name); err != nil {
			return err
		}
	} else {
		printPlan(g.stdout, p, in, g.config, name)
	}
	if opts.detailed && !p.Empty() {
		return errChanges
	}
	return nil
}
