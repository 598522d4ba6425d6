package main

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// globals hold what every command shares, filled in by Before.
type globals struct {
	stdout, stderr io.Writer
	log            *slog.Logger

	config   string
	root     string
	backend  string
	ietadm   string
	tgtadm   string
	tgtPort  int
	ietDir   string
	stateDir string
	port     int
	chain    string
	wait     bool
}

const exitStatusHelp = `EXIT STATUS:
   0    done, or nothing to do
   1    runtime error, or something asked for was refused (see the output)
   2    usage or config error: nothing was changed
   3    plan --detailed-exitcode: the plan has changes
   130  interrupted (SIGINT/SIGTERM); initiators were unblocked on the way out`

func newApp(g *globals) *cli.App {
	return &cli.App{
		Name:  "iet-update",
		Usage: "Keep the running iSCSI target, ietd.conf and initiators.allow|deny in line with target.conf",
		Description: `iet-update reads target.conf, compares it with the running target and
prints or applies a plan: add targets, options, CHAP users and LUNs; re-add a
LUN whose device grew so that initiators see its new size, blocking their
traffic with iptables (DROP) meanwhile; with --prune, delete what the file no
longer names. It writes ietd.conf, initiators.allow and initiators.deny
atomically, keeping the previous ones as .bak.

EXAMPLES:
   iet-update plan                       # what would change
   iet-update online                     # apply to files and the running target
   iet-update offline                    # write the files only (ietd not running)
   iet-update status                     # targets, LUN sizes, sessions, blocks
   iet-update unblock                    # lift a block left by a killed run

` + exitStatusHelp,
		Flags: []cli.Flag{configFlag(), rootFlag(), backendFlag(), ietadmFlag(), tgtadmFlag(), tgtControlPortFlag(),
			ietDirFlag(), stateDirFlag(), portFlag(), chainFlag(), waitFlag(), logLevelFlag()},
		Writer:          g.stdout,
		ErrWriter:       g.stderr,
		HideHelpCommand: true,
		// A returned error is handled by exitCode in run; urfave/cli must
		// never call os.Exit itself, or deferred unblocks would not run.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usagef("%v (see iet-update --help)", err)
		},
		Before: func(c *cli.Context) error { return g.setup(c) },
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown command %q (see iet-update --help)", c.Args().First())
			}
			cli.ShowAppHelp(c)
			return usagef("no command given")
		},
		Commands: []*cli.Command{
			newPlanCommand(g), newOnlineCommand(g), newOfflineCommand(g), newStatusCommand(g),
			newUnblockCommand(g), newImportLegacyCommand(g),
		},
	}
}

func (g *globals) setup(c *cli.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", c.String("log-level"))
	}
	g.log = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	g.config = c.String("config")
	g.root = c.String("root")
	g.backend = c.String("backend")
	g.ietadm = c.String("ietadm")
	g.tgtadm = c.String("tgtadm")
	g.tgtPort = c.Int("tgt-control-port")
	g.port = c.Int("iscsi-port")
	g.chain = c.String("block-chain")
	g.wait = c.Bool("wait")
	for name, p := range map[string]string{"iet-dir": c.String("iet-dir"), "state-dir": c.String("state-dir")} {
		if filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
			return usagef("--%s %q must be relative: it is taken under --root", name, p)
		}
	}
	g.ietDir = c.String("iet-dir")
	g.stateDir = c.String("state-dir")
	switch g.backend {
	case "iet", "tgt", "auto":
	default:
		return usagef("--backend %q: want iet, tgt or auto", g.backend)
	}
	if g.tgtPort < 0 || g.tgtPort > 65535 {
		return usagef("--tgt-control-port %d: want 0 to 65535", g.tgtPort)
	}
	if g.port < 1 || g.port > 65535 {
		return usagef("--iscsi-port %d: want 1 to 65535", g.port)
	}
	return nil
}

// subcommandUsage routes a subcommand's flag errors to a usage error.
func subcommandUsage(name string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return usagef("%s: %v (see iet-update %s --help)", name, err, name)
	}
}

// noArgs refuses operands where a command takes none.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s takes no operands, got %q", c.Command.Name, strings.Join(c.Args().Slice(), " "))
	}
	return nil
}

func describe(text string) string {
	return fmt.Sprintf("%s\n\n%s", strings.TrimSpace(text), exitStatusHelp)
}
