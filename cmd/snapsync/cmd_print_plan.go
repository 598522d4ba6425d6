package main

import (
	"fmt"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/urfave/cli/v2"
)

func newPrintPlanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "print-plan",
		Usage:     "Print the vendor commands an action would run, in order; runs nothing",
		ArgsUsage: "[resync|update|break]",
		Description: describe(`
Lines marked (check) are queries run to decide or to wait.

EXAMPLES:
   snapsync -s oradb print-plan
   snapsync -s oradb print-plan break --rid sync#1`),
		Flags:        []cli.Flag{ridFlag()},
		OnUsageError: subcommandUsage("print-plan"),
		Action: func(c *cli.Context) error {
			action := snapdrivers.ActionResync
			switch c.NArg() {
			case 0:
			case 1:
				action = snapdrivers.Action(c.Args().First())
				if action != snapdrivers.ActionResync && action != snapdrivers.ActionUpdate && action != snapdrivers.ActionBreak {
					return usagef("print-plan %q: want resync, update or break", c.Args().First())
				}
			default:
				return usagef("print-plan takes one action")
			}
			svc, closeLog, err := g.openService(c)
			if err != nil {
				return err
			}
			defer closeLog()
			plans, res, err := svc.Plan(action, c.StringSlice("rid"))
			if err != nil {
				return err
			}
			for _, r := range res {
				fmt.Fprintf(g.stdout, "%s (%s) %s:\n", r.RID, r.Kind, action)
				for _, s := range plans[r.RID] {
					fmt.Fprintf(g.stdout, "   %s\n", s)
				}
			}
			return nil
		},
	}
}
