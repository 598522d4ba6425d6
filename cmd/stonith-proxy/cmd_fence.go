package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/fence"
	"github.com/urfave/cli/v2"
)

type fenceOptions struct {
	client fence.ClientConfig
	node   string
	action fence.Action
}

func newFenceCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "fence",
		Usage:     "On a cluster node: ask the proxy to power a node off, on, through a cycle, or for its status",
		ArgsUsage: " ",
		Description: describe(`
Connects to the proxy over ssh (its host key checked against known_hosts),
sends "ACTION NODE TOKEN" to the forced command, prints what the proxy says,
and exits with the proxy's exit code. The token is read from --token-file
(mode 0600) and travels only inside the ssh channel.

EXAMPLES:
   stonith-proxy fence --proxy stonith@198.51.100.9 --identity /etc/ietkit/id_fence \
       --token-file /etc/ietkit/fence.token --node node1 --action off`),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "proxy", Usage: "[USER@]HOST[:PORT] of the proxy (user stonith by default) (required)"},
			&cli.StringFlag{Name: "identity", Aliases: []string{"i"}, Usage: "private key the proxy's authorized_keys names (required)"},
			&cli.StringFlag{Name: "token-file", Usage: "file holding this node's token, mode 0600 (required)"},
			&cli.StringFlag{Name: "known-hosts", Usage: "known_hosts file with the proxy's key (default ~/.ssh/known_hosts)"},
			&cli.StringFlag{Name: "node", Usage: "the node to act on (required)"},
			&cli.StringFlag{Name: "action", Value: "off", Usage: "off, on, reboot or status"},
			&cli.DurationFlag{Name: "connect-timeout", Value: 10 * time.Second, Usage: "bound on the ssh connection and login"},
		},
		OnUsageError: subcommandUsage("fence"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			o := fenceOptions{
				client: fence.ClientConfig{Proxy: c.String("proxy"), Identity: c.String("identity"), TokenFile: c.String("token-file"),
					KnownHosts: c.String("known-hosts"), ConnectTimeout: c.Duration("connect-timeout"), Logger: g.log},
				node: c.String("node"),
			}
			var missing []string
			for _, f := range []string{"proxy", "identity", "token-file", "node"} {
				if c.String(f) == "" {
					missing = append(missing, "--"+f)
				}
			}
			if len(missing) > 0 {
				return usagef("fence: %s required", strings.Join(missing, ", "))
			}
			a, err := fence.ParseAction(c.String("action"))
			if err != nil {
				return usagef("fence: --action: %v", err)
			}
			o.action = a
			return runFence(c.Context, g, o)
		},
	}
}

func runFence(ctx context.Context, g *globals, o fenceOptions) error {
	reply, err := fence.Ask(ctx, o.client, o.action, o.node)
	fmt.Fprint(g.stdout, reply.Stdout)
	fmt.Fprint(g.stderr, reply.Stderr)
	if err != nil {
		return err
	}
	if reply.Code != fence.ExitOK {
		return exitStatus(reply.Code)
	}
	return nil
}
