package main

import (
	"context"
	"fmt"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/urfave/cli/v2"
)

type runOptions struct {
	action snapdrivers.Action
	run    snapdrivers.RunOptions
}

func newRunCommand(g *globals, action snapdrivers.Action, usage string) *cli.Command {
	var flags []cli.Flag
	desc := ""
	switch action {
	case snapdrivers.ActionBreak:
		flags = []cli.Flag{ridFlag()}
		desc = `Runs each selected resource's break in order (Symmetrix: activate and wait for
the copied state; GDS: check the proxy is joined and valid, then part it) and
stops at the first failure. NEC and IBM copies have no break.`
	default:
		flags = []cli.Flag{ridFlag(), &cli.BoolFlag{Name: "force", Usage: "go on although the last sync is younger than sync_min_delay"}}
		desc = `First checks every selected resource: its copy must be older than
sync_min_delay (the array's time where it reports one, and the last success
recorded here), unless --force, and its precheck must show the copy unused.
If any refuses, nothing runs. Then runs the resources in order, stops at the
first failure, and records each success once all its commands succeeded.`
	}
	name := string(action)
	return &cli.Command{
		Name:         name,
		Usage:        usage,
		ArgsUsage:    " ",
		Description:  describe(desc + "\n\nEXAMPLES:\n   snapsync -s oradb " + name + "\n   snapsync -s oradb " + name + " --rid sync#2"),
		Flags:        flags,
		OnUsageError: subcommandUsage(name),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("%s takes no operands", name)
			}
			svc, closeLog, err := g.openService(c)
			if err != nil {
				return err
			}
			defer closeLog()
			o := runOptions{action: action, run: snapdrivers.RunOptions{RIDs: c.StringSlice("rid")}}
			if action != snapdrivers.ActionBreak {
				o.run.Force = c.Bool("force")
			}
			return runAction(c.Context, g, svc, o)
		},
	}
}

func runAction(ctx context.Context, g *globals, svc *snapdrivers.Service, o runOptions) error {
	outcomes, err := svc.Run(ctx, o.action, o.run)
	for _, oc := range outcomes {
		if oc.Err != nil {
			fmt.Fprintf(g.stdout, "%s: %s: %s\n", oc.RID, oc.Result, oneLine(oc.Err))
		} else {
			fmt.Fprintf(g.stdout, "%s: %s\n", oc.RID, oc.Result)
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", svc.Name, o.action, err)
	}
	return nil
}
