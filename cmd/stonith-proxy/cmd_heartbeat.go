package main

import (
	"github.com/ietkit/ietkit/pkg/fence"
	"github.com/urfave/cli/v2"
)

func newHeartbeatCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "heartbeat-plugin",
		Usage:     "Heartbeat's external STONITH plugin interface (see etc/ha.d/)",
		ArgsUsage: "OPERATION [HOST]",
		Description: describe(`
Answers heartbeat's (cluster-glue's) external STONITH plugin calls:
gethosts, on, off, reset HOST, status, getconfignames, getinfo-devid,
getinfo-devname, getinfo-devdescr, getinfo-devurl, getinfo-xml. The
configuration comes in environment variables, as heartbeat passes it:
hostlist, proxy, identity, token_file, known_hosts. Drop
etc/ha.d/ietkit-proxy into heartbeat's external plugin directory and
configure "stonith external/ietkit-proxy".

EXAMPLES:
   hostlist=node1 proxy=stonith@proxy identity=/etc/ietkit/id_fence \
   token_file=/etc/ietkit/fence.token stonith-proxy heartbeat-plugin reset node1`),
		OnUsageError: subcommandUsage("heartbeat-plugin"),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 || len(args) > 2 {
				return usagef("heartbeat-plugin: want OPERATION [HOST]")
			}
			host := ""
			if len(args) == 2 {
				host = args[1]
			}
			code := fence.RunHeartbeatPlugin(c.Context, args[0], host, g.getenv, fence.Ask, g.stdout, g.stderr)
			if code != fence.ExitOK {
				return exitStatus(code)
			}
			return nil
		},
	}
}
