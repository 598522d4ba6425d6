package main

import (
	"context"

	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
	"github.com/urfave/cli/v2"
)

type importLegacyOptions struct {
	common, targets string
}

func newImportLegacyCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "import-legacy",
		Usage:     "Convert an iscsitarget-tools common.conf and target.conf to the declarative target.conf",
		ArgsUsage: " ",
		Description: describe(`
Evaluates the old shell configuration with bash, with stand-ins for its
target, lun and option functions, and prints the equivalent declarative file
on stdout. The lun_callback functions are not run (they would write files);
describe backups with a backup line instead. Problems are reported at the
line of the old file that caused them.

EXAMPLES:
   iet-update import-legacy --common /etc/iscsi-target/common.conf \
       --targets /etc/iscsi-target/target.conf > target.conf.new`),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "common", Value: "/etc/iscsi-target/common.conf", Usage: "the old common.conf"},
			&cli.StringFlag{Name: "targets", Value: "/etc/iscsi-target/target.conf", Usage: "the old target.conf"},
		},
		OnUsageError: subcommandUsage("import-legacy"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runImportLegacy(c.Context, g, importLegacyOptions{common: c.String("common"), targets: c.String("targets")})
		},
	}
}

func runImportLegacy(ctx context.Context, g *globals, opts importLegacyOptions) error {
	out, _, err := targetconf.ImportLegacy(ctx, remote.Local{}, opts.common, opts.targets)
	if err != nil {
		if targetconf.IsConfigError(err) {
			return err
		}
		return usagef("%v", err)
	}
	_, err = g.stdout.Write(out)
	return err
}
