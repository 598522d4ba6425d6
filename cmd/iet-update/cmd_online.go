package main

import (
	"github.com/urfave/cli/v2"
)

func newOnlineCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "online",
		Usage:     "Apply target.conf to the files and the running target",
		ArgsUsage: " ",
		Description: describe(`
Lifts blocks left by a killed run, then prints the plan and applies it: the
files first (ietd.conf, initiators.allow, initiators.deny; the previous ones
kept as .bak), then the running target. A LUN whose device changed size is
re-added so that initiators see the new size; its target's initiators are
blocked (iptables DROP: they stall and retry) and their sessions closed
meanwhile, and unblocked on every way out, SIGINT and SIGTERM included.
Stops at the first failure and says what was done and what was not.

EXAMPLES:
   iet-update online
   iet-update --config /etc/iscsi-target/target.conf online --prune
   iet-update online --prune --force    # also delete targets in use`),
		Flags:        []cli.Flag{pruneFlag(), forceFlag()},
		OnUsageError: subcommandUsage("online"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runUpdate(c.Context, g, updateOptions{online: true, prune: c.Bool("prune"), force: c.Bool("force")})
		},
	}
}

func newOfflineCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "offline",
		Usage:     "Write ietd.conf and initiators.allow|deny only; leave the running target alone",
		ArgsUsage: " ",
		Description: describe(`
For when ietd is not running (a first install, or a node about to start it):
renders the files from target.conf and writes those that changed.

EXAMPLES:
   iet-update offline
   iet-update --root /mnt/node2 offline`),
		OnUsageError: subcommandUsage("offline"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runUpdate(c.Context, g, updateOptions{})
		},
	}
}
