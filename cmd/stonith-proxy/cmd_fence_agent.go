package main

import (
	"github.com/ietkit/ietkit/pkg/fence"
	"github.com/urfave/cli/v2"
)

func newFenceAgentCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:            "fence-agent",
		Usage:           "Pacemaker fence agent (also installed as fence_ietkit_proxy)",
		ArgsUsage:       "[--name=value ...]",
		SkipFlagParsing: true,
		Description: describe(`
A fence agent in the fence-agents format. Without arguments it reads
name=value lines on stdin, as pacemaker-fenced sends them; otherwise it takes
them as flags (--action=off --plug=node1 ..., -o ACTION, -n NODE). Actions:
on, off, reboot, status, monitor, list, metadata, validate-all. Parameters:
see "fence_ietkit_proxy -o metadata".

EXAMPLES:
   printf 'action=status\nplug=node1\nproxy=stonith@proxy\nidentity=/etc/ietkit/id_fence\ntoken_file=/etc/ietkit/fence.token\n' | fence_ietkit_proxy
   pcs stonith create fence-node1 fence_ietkit_proxy plug=node1 proxy=stonith@proxy \
       identity=/etc/ietkit/id_fence token_file=/etc/ietkit/fence.token pcmk_host_list=node1`),
		Action: func(c *cli.Context) error {
			var o fence.AgentOptions
			var err error
			if c.NArg() == 0 {
				o, err = fence.ParseAgentStdin(g.stdin)
			} else {
				o, err = fence.ParseAgentArgs(c.Args().Slice())
			}
			if err != nil {
				return usagef("fence-agent: %v", err)
			}
			o.Client.Logger = g.log
			if code := fence.RunAgent(c.Context, o, fence.Ask, g.stdout, g.stderr); code != fence.ExitOK {
				return exitStatus(code)
			}
			return nil
		},
	}
}
