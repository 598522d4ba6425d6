package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/urfave/cli/v2"
)

func newStatusCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "Show each resource's status: up, warn, down or n/a, and why",
		ArgsUsage: " ",
		Description: describe(`
up: the last sync is younger than sync_max_delay and the pairs are as expected;
warn: older, or (NEC, IBM) pairs in an unexpected state or missing; down
(Symmetrix, GDS): pairs in an unexpected state or missing; n/a: never synced.
The last sync is the array's time where it reports one (the oldest across
pairs), else the last success recorded here. Only queries are run.

EXAMPLES:
   snapsync -s oradb status
   snapsync -s oradb status --json`),
		Flags:        []cli.Flag{ridFlag(), &cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		OnUsageError: subcommandUsage("status"),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("status takes no operands")
			}
			svc, closeLog, err := g.openService(c)
			if err != nil {
				return err
			}
			defer closeLog()
			return runStatus(c.Context, g, svc, c.StringSlice("rid"), c.Bool("json"))
		},
	}
}

func runStatus(ctx context.Context, g *globals, svc *snapdrivers.Service, rids []string, asJSON bool) error {
	st, err := svc.Status(ctx, rids)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"service": svc.Name, "resources": st})
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tTYPE\tSTATE\tLAST SYNC\tWHY")
	for _, s := range st {
		last := "-"
		if !s.LastSync.IsZero() {
			last = s.LastSync.Format("2006-01-02 15:04:05 MST")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.RID, s.Kind, s.State, last, strings.Join(s.Reasons, "; "))
	}
	return tw.Flush()
}
