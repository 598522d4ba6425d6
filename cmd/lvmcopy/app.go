package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/urfave/cli/v2"
)

type globals struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

func newApp(g *globals) *cli.App {
	return &cli.App{
		Name:  "lvmcopy",
		Usage: "Copy logical volumes, devices and files, locally or over ssh; take LVM snapshots",
		Description: `lvmcopy reads its source once, streaming it to the target in large blocks,
optionally compressed and checksum-verified, locally or to and from another
host over ssh. It snapshots logical volumes and copies the snapshot, removing
it on every way out.

` + lvm.SpecHelp + `

EXAMPLES:
   lvmcopy copy -s lvm:/dev/vg0/lv_data -t file:/srv/backup/lv_data.img.gz -z --verify
   lvmcopy snap copy -s lvm:/dev/vg0/lv_data -t lvm:backup01:/dev/vg_bk/lv_data_bk
   lvmcopy backup -c /etc/iscsi-target/target.conf
   lvmcopy iostat -r

Installed as lvm_copy, lvm_snap_create, lvm_snap_remove, lvm_snap_copy and
lvm_iostat, it takes those tools' options.

` + exitStatusHelp,
		Flags:           []cli.Flag{logLevelFlag()},
		Writer:          g.stdout,
		ErrWriter:       g.stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usagef("%v (see lvmcopy --help)", err)
		},
		Before: g.setup,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown command %q (see lvmcopy --help)", c.Args().First())
			}
			cli.ShowAppHelp(c)
			return usagef("no command given")
		},
		Commands: []*cli.Command{newCopyCommand(g), newSnapCommand(g), newBackupCommand(g), newIostatCommand(g), newAgentCommand(g)},
	}
}

func (g *globals) setup(c *cli.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", c.String("log-level"))
	}
	g.log = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

func subcommandUsage(name string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return usagef("%s: %v (see lvmcopy %s --help)", name, err, name)
	}
}

func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s takes no operands, got %q", c.Command.FullName(), strings.Join(c.Args().Slice(), " "))
	}
	return nil
}

func describe(text string) string {
	return fmt.Sprintf("%s\n\n%s", strings.TrimSpace(text), exitStatusHelp)
}
