package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/portblock"
	"github.com/ietkit/ietkit/pkg/targetconf"
	"github.com/urfave/cli/v2"
)

type statusOptions struct{ json bool }

func newStatusCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "Show targets, LUN sizes (served and on disk), sessions and blocked initiators",
		ArgsUsage: " ",
		Description: describe(`
A LUN whose device is larger or smaller than what initiators see is marked
stale: iet-update online re-adds it. Targets the config does not name are
marked. Works without a config, or with a broken one.

EXAMPLES:
   iet-update status
   iet-update status --json | jq '.targets[].luns[] | select(.stale)'`),
		Flags:        []cli.Flag{jsonFlag()},
		OnUsageError: subcommandUsage("status"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runStatus(c.Context, g, statusOptions{json: c.Bool("json")})
		},
	}
}

type statusOutput struct {
	ietd.Report
	Blocks []portblock.Block `json:"blocks"`
	// BlocksChecked is false when iptables could not be asked whether the
	// journaled blocks' rules exist.
	BlocksChecked bool `json:"blocks_checked"`
}

func runStatus(ctx context.Context, g *globals, opts statusOptions) error {
	cfg, err := targetconf.Load(g.config)
	if err != nil {
		g.log.Warn("status without the config, which cannot be used", "config", g.config, "err", oneLine(err))
		cfg = nil
	}
	b, err := g.openBackend(ctx)
	if err != nil {
		return err
	}
	s, err := b.State(ctx)
	if err != nil {
		return err
	}
	rec, err := ietd.LoadRecords(g.paths().Records())
	if err != nil {
		return err
	}
	out := statusOutput{Report: ietd.Status(s, rec, cfg, sizer), Blocks: []portblock.Block{}}
	if out.Blocks, err = portblock.ReadJournal(g.paths().Journal()); err != nil {
		return err
	}
	if len(out.Blocks) > 0 {
		if bl, err := g.blocker(); err == nil {
			if listed, err := bl.List(ctx); err == nil {
				out.Blocks, out.BlocksChecked = listed, true
			}
		}
	} else {
		out.BlocksChecked = true
	}
	if opts.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	printStatus(g.stdout, out, cfg != nil)
	return nil
}

func printStatus(w io.Writer, out statusOutput, haveConfig bool) {
	if len(out.Targets) == 0 {
		fmt.Fprintln(w, "No targets.")
	}
	for _, t := range out.Targets {
		note := ""
		if haveConfig && !t.InConfig {
			note = ", not in the config"
		}
		fmt.Fprintf(w, "Target %s (tid %d%s)\n", t.IQN, t.TID, note)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, l := range t.LUNs {
			served := ietd.HumanSize(l.Served)
			if l.ServedFrom == "unknown" {
				served = "unknown"
			} else if l.ServedFrom == "records" {
				served += " (recorded)"
			}
			dev := ietd.HumanSize(l.Device)
			if l.DeviceErr != "" {
				dev = "error: " + l.DeviceErr
			}
			flag := ""
			if l.Stale {
				flag = "STALE: iet-update online re-adds it"
			}
			if l.State != 0 {
				flag = strings.TrimSpace("being deleted " + flag)
			}
			fmt.Fprintf(tw, "  lun %d\t%s\t%s %s\tserves %s\tdevice %s\t%s\n", l.Number, orNone(l.Path), l.IOType, l.IOMode, served, dev, flag)
		}
		tw.Flush()
		for _, s := range t.Sessions {
			var conns []string
			for _, c := range s.Conns {
				conns = append(conns, fmt.Sprintf("%s (cid %d, %s)", c.IP, c.CID, c.State))
			}
			if len(conns) == 0 {
				conns = []string{"no connection"}
			}
			fmt.Fprintf(w, "  session %d %s: %s\n", s.SID, s.Initiator, strings.Join(conns, ", "))
		}
	}
	if len(out.Blocks) == 0 {
		fmt.Fprintln(w, "Blocked initiators: none")
		return
	}
	fmt.Fprintln(w, "Blocked initiators (iet-update unblock lifts them):")
	for _, b := range out.Blocks {
		rule := "rule present"
		if !out.BlocksChecked {
			rule = "rule not checked"
		} else if !b.Active {
			rule = "journaled, rule absent"
		}
		fmt.Fprintf(w, "  %s port %d since %s by process %d (%s; %s)\n", b.Prefix, b.Port, b.Since.Local().Format(time.DateTime), b.PID, b.Reason, rule)
	}
}
