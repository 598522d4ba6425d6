package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/ietkit/ietkit/pkg/snapdrivers/all"
	"github.com/urfave/cli/v2"
)

type globals struct {
	stdout, stderr io.Writer
	now            func() time.Time
}

// DefaultConfigDir holds the service files, NAME.conf.
const defaultConfigDir = "/etc/ietkit/snapsync"

func newApp(g *globals) *cli.App {
	return &cli.App{
		Name:  "snapsync",
		Usage: "Resync, break and check array snapshot and clone sets described in a service file",
		Description: `A service file (/etc/ietkit/snapsync/NAME.conf, INI) has one section per sync
resource, run in file order: [sync#1] with type = necism, ibmdsflash,
symclone or gdsproxy, the driver's keywords, sync_min_delay and
sync_max_delay (minutes), an optional precheck and timezone.

resync and update refuse, changing nothing, when any selected resource's
copy is younger than sync_min_delay (unless --force) or its precheck says the
copy is in use; then they run the resources in order and stop at the first
failure. Every vendor command and its output is logged on stderr.

EXAMPLES:
   snapsync -s oradb print-plan resync
   snapsync -s oradb resync
   snapsync -s oradb resync --force --rid sync#2
   snapsync -s oradb status --json

` + exitStatusHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "service", Aliases: []string{"s"}, Usage: "the service NAME: its file is --config-dir/NAME.conf"},
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "the service file (instead of -s); the service is named after it"},
			&cli.StringFlag{Name: "config-dir", Value: defaultConfigDir, Usage: "where -s looks for NAME.conf"},
			&cli.StringFlag{Name: "state-dir", Value: snapdrivers.DefaultStateDir, Usage: "where the last success of each resource is recorded"},
			&cli.StringFlag{Name: "path", EnvVars: []string{"SNAPSYNC_PATH"}, Usage: "directories (colon-separated) searched first for the vendor commands"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
			&cli.StringFlag{Name: "log-file", Usage: "also append the log to this file"},
		},
		Writer:          g.stdout,
		ErrWriter:       g.stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usagef("%v (see snapsync --help)", err)
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown command %q (see snapsync --help)", c.Args().First())
			}
			cli.ShowAppHelp(c)
			return usagef("no command given")
		},
		Commands: []*cli.Command{
			newRunCommand(g, snapdrivers.ActionResync, "Refresh the copies from their sources"),
			newRunCommand(g, snapdrivers.ActionUpdate, "Refresh the copies (the scheduled form of resync)"),
			newRunCommand(g, snapdrivers.ActionBreak, "Make the copies independent, usable devices (Symmetrix activate, GDS part)"),
			newStatusCommand(g), newPrintPlanCommand(g),
		},
	}
}

func subcommandUsage(name string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return usagef("%s: %v (see snapsync %s --help)", name, err, name)
	}
}

func describe(text string) string {
	return fmt.Sprintf("%s\n\n%s", strings.TrimSpace(text), exitStatusHelp)
}

func ridFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "rid", Usage: "only this resource (repeatable, e.g. --rid sync#1)"}
}

// openService loads the service the global flags name, with its log.
func (g *globals) openService(c *cli.Context) (*snapdrivers.Service, func(), error) {
	root := c // flag lookups go up the lineage to the global flags
	name, path := root.String("service"), root.String("config")
	switch {
	case name != "" && path != "":
		return nil, nil, usagef("give -s NAME or --config FILE, not both")
	case path != "":
		name = strings.TrimSuffix(filepath.Base(path), ".conf")
	case name != "":
		if strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
			return nil, nil, usagef("-s %q: a service name, not a path (use --config for a file)", name)
		}
		path = filepath.Join(root.String("config-dir"), name+".conf")
	default:
		return nil, nil, usagef("which service? give -s NAME or --config FILE")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(root.String("log-level"))); err != nil {
		return nil, nil, usagef("--log-level %q: want debug, info, warn or error", root.String("log-level"))
	}
	logw := g.stderr
	closeLog := func() {}
	if lf := root.String("log-file"); lf != "" {
		f, err := os.OpenFile(lf, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, nil, usagef("--log-file: %v", err)
		}
		logw = io.MultiWriter(g.stderr, f)
		closeLog = func() { f.Close() }
	}
	var dirs []string
	if p := root.String("path"); p != "" {
		dirs = filepath.SplitList(p)
	}
	runner := snapdrivers.PathRunner{Dirs: dirs, Runner: remote.Local{}}
	svc, err := snapdrivers.LoadService(name, path, snapdrivers.LoadOptions{
		Factory: all.New, Runner: runner, StateDir: root.String("state-dir"),
		Log: slog.New(snapdrivers.NewLineHandler(logw, name, level)), Now: g.now,
	})
	if err != nil {
		closeLog()
		return nil, nil, &usageError{err.Error()}
	}
	return svc, closeLog, nil
}
