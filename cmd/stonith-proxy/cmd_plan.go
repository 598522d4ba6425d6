package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/ietkit/ietkit/pkg/fence"
	"github.com/urfave/cli/v2"
)

type planOptions struct {
	config, node string
	action       fence.Action
}

func newPlanCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "On the proxy host: check the configuration and print the SNMP sets an action would send",
		ArgsUsage: " ",
		Description: describe(`
Reads the configuration (refusing it unless it is mode 0600 and owned by
root or this user), and prints, for --node and --action, every SNMP set in
order (PDU, address, OID, value) and the read-back that confirms it. Sends
nothing. Without --node it checks the configuration and lists the nodes and
callers.

EXAMPLES:
   stonith-proxy plan --node node1 --action reboot`),
		Flags: []cli.Flag{
			configFlag(),
			&cli.StringFlag{Name: "node", Usage: "the node to plan for"},
			&cli.StringFlag{Name: "action", Value: "off", Usage: "off, on, reboot or status"},
		},
		OnUsageError: subcommandUsage("plan"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			a, err := fence.ParseAction(c.String("action"))
			if err != nil {
				return usagef("plan: --action: %v", err)
			}
			return runPlan(c.Context, g, planOptions{config: c.String("config"), node: c.String("node"), action: a})
		},
	}
}

func runPlan(_ context.Context, g *globals, o planOptions) error {
	cfg, err := fence.LoadConfig(o.config)
	if err != nil {
		return err
	}
	if o.node == "" {
		fmt.Fprintf(g.stdout, "%s: %d PDUs, %d nodes, %d callers\n", o.config, len(cfg.PDUs), len(cfg.Nodes), len(cfg.Callers))
		for _, n := range slices.Sorted(maps.Keys(cfg.Nodes)) {
			fmt.Fprintf(g.stdout, "node %s: outlets %v\n", n, cfg.Nodes[n].Outlets)
		}
		for _, n := range slices.Sorted(maps.Keys(cfg.Callers)) {
			fmt.Fprintf(g.stdout, "caller %s: may fence %v\n", n, cfg.Callers[n].MayFence)
		}
		return nil
	}
	steps, err := cfg.Plan(o.node, o.action)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "%s %s:\n", o.action, o.node)
	if o.action == fence.ActionStatus {
		for _, r := range cfg.Nodes[o.node].Outlets {
			pc := cfg.PDUs[r.PDU]
			fmt.Fprintf(g.stdout, "  get %s %s outlet %d: %s\n", pc.Name, pc.Address, r.Outlet, pc.StateOID(r.Outlet))
		}
	}
	for _, s := range steps {
		fmt.Fprintf(g.stdout, "  %s\n", s)
	}
	return nil
}
