package main

import (
	"github.com/urfave/cli/v2"
)

// Flag constructors: each call returns a new flag, so that no parse state
// is shared between runs.

func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "/etc/iscsi-target/target.conf",
		Usage: "target.conf to apply", EnvVars: []string{"IETKIT_CONFIG"}}
}

func rootFlag() cli.Flag {
	return &cli.StringFlag{Name: "root", Value: "/", EnvVars: []string{"IETKIT_ROOT"},
		Usage: "prefix of every system path iet-update reads or writes itself (proc/net/iet, etc/iet, var/lib/ietkit, run); never of LUN paths"}
}

func backendFlag() cli.Flag {
	return &cli.StringFlag{Name: "backend", Value: "auto", EnvVars: []string{"IETKIT_BACKEND"},
		Usage: "target daemon: iet, tgt, or auto (iet when proc/net/iet exists, else tgt when tgtd answers)"}
}

func tgtadmFlag() cli.Flag {
	return &cli.StringFlag{Name: "tgtadm", Value: "tgtadm", EnvVars: []string{"IETKIT_TGTADM"}, Usage: "tgtadm program"}
}

func tgtControlPortFlag() cli.Flag {
	return &cli.IntFlag{Name: "tgt-control-port", Value: 0, EnvVars: []string{"IETKIT_TGT_CONTROL_PORT"},
		Usage: "control port of the tgtd to manage (tgtd -C / tgtadm -C), for a tgtd of its own beside the system one"}
}

func ietadmFlag() cli.Flag {
	return &cli.StringFlag{Name: "ietadm", Value: "ietadm", EnvVars: []string{"IETKIT_IETADM"}, Usage: "ietadm program"}
}

func ietDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "iet-dir", Value: "etc/iet", Usage: "directory of ietd.conf and initiators.allow|deny, under --root (IET before 1.4.18: etc)"}
}

func stateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", Value: "var/lib/ietkit", Usage: "directory of ietkit's records and block journal, under --root"}
}

func portFlag() cli.Flag {
	return &cli.IntFlag{Name: "iscsi-port", Value: 3260, Usage: "TCP port whose traffic is blocked during a LUN re-add"}
}

func chainFlag() cli.Flag {
	return &cli.StringFlag{Name: "block-chain", Value: "IETKIT-BLOCK", Usage: "iptables chain holding the blocks"}
}

func waitFlag() cli.Flag {
	return &cli.BoolFlag{Name: "wait", Usage: "wait for another run holding the host lock instead of failing"}
}

func logLevelFlag() cli.Flag {
	return &cli.StringFlag{Name: "log-level", Value: "info", EnvVars: []string{"IETKIT_LOG_LEVEL"}, Usage: "debug, info, warn or error (logs go to stderr)"}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON for scripts"}
}

func pruneFlag() cli.Flag {
	return &cli.BoolFlag{Name: "prune", Usage: "delete LUNs and targets the config no longer names"}
}

func forceFlag() cli.Flag {
	return &cli.BoolFlag{Name: "force", Usage: "let --prune and LUN path changes go ahead despite open sessions (they are closed)"}
}
