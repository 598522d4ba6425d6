package main

import (
	"github.com/urfave/cli/v2"
)

// Flag constructors: a new flag per call, so that no parse state is shared.

func sourceFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "source", Aliases: []string{"s"}, Usage: usage + " (required)"}
}

func targetFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "target", Aliases: []string{"t"}, Usage: usage + " (required)"}
}

func toolsConfFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Value: "/etc/lvm/lvm_tools.conf", EnvVars: []string{"LVM_TOOLS_CONF"},
		Usage: "lvm_tools.conf (snapshot size policy, ENABLE_MD5, ENABLE_RAW, MIN_TRANSFER_RATE, SSH_*); missing: defaults"}
}

// copyFlags are the flags of anything that copies.
func copyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "gzip", Aliases: []string{"z"}, Usage: "compress the target with gzip (parallel; plain gunzip reads it); the target must be a file"},
		&cli.StringFlag{Name: "compress", Usage: "compress the target: gzip or zstd"},
		&cli.BoolFlag{Name: "verify", Usage: "compare the source's checksum, taken as it is read, with the target's (also ENABLE_MD5=1)"},
		&cli.StringFlag{Name: "hash", Value: "md5", Usage: "checksum for --verify: md5 (as md5sum), xxh3 or blake3 (faster)"},
		&cli.BoolFlag{Name: "direct", Usage: "read block-device sources unbuffered (O_DIRECT), sparing the page cache (also ENABLE_RAW=1)"},
		&cli.BoolFlag{Name: "buffered", Usage: "write the target through the page cache (by default an uncompressed target is written unbuffered, O_DIRECT, where its filesystem allows)"},
		&cli.BoolFlag{Name: "sparse", Usage: "turn zero blocks into holes (file targets without compression)"},
		&cli.Float64Flag{Name: "min-rate", Usage: "warn when the rate stays below this many MB/s for 30 s (also MIN_TRANSFER_RATE)"},
		&cli.BoolFlag{Name: "min-rate-fail", Usage: "abort instead of warning when the rate stays below --min-rate"},
		&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON"},
	}
}

// sshFlags reach other hosts.
func sshFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ssh-user", EnvVars: []string{"LVMCOPY_SSH_USER"}, Usage: "user on remote hosts (or user@ in the endpoint, or SSH_USER)"},
		&cli.IntFlag{Name: "ssh-port", EnvVars: []string{"LVMCOPY_SSH_PORT"}, Usage: "ssh port (or [host]:port in the endpoint, or SSH_PORT; default 22)"},
		&cli.StringSliceFlag{Name: "identity", Aliases: []string{"i"}, Usage: "private key file (mode 0600; default the usual ~/.ssh keys, and the ssh agent)"},
		&cli.StringFlag{Name: "known-hosts", Usage: "known_hosts file (default ~/.ssh/known_hosts)"},
		&cli.BoolFlag{Name: "accept-new-host-key", Usage: "trust a host whose key is not known yet, and record it; a changed key is always refused"},
		&cli.StringFlag{Name: "remote-lvmcopy", Value: "lvmcopy", Usage: "lvmcopy on the remote host, whose agent carries and verifies the data (without it: dd)"},
	}
}

func logLevelFlag() cli.Flag {
	return &cli.StringFlag{Name: "log-level", Value: "info", EnvVars: []string{"LVMCOPY_LOG_LEVEL"}, Usage: "debug, info, warn or error (logs go to stderr)"}
}
