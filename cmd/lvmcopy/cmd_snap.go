package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/urfave/cli/v2"
)

func newSnapCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:  "snap",
		Usage: "Create, remove or copy LVM snapshots",
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "Snapshot a logical volume as LV_SUFFIX",
				ArgsUsage: " ",
				Description: describe(`
The snapshot's size is -n, or lvm_tools.conf's share of the origin:
DEFAULT_SNAP_SPACE_SM percent below 100 GB, DEFAULT_SNAP_SPACE_XL from 100 GB.

EXAMPLES:
   lvmcopy snap create -s lvm:/dev/vg0/lv_data
   lvm_snap_create -s lvm:/dev/vg0/lv_data -t nightly -n 20G`),
				Flags: append([]cli.Flag{sourceFlag("the origin, lvm:[HOST:]/dev/VG/LV"),
					&cli.StringFlag{Name: "target", Aliases: []string{"t"}, Usage: "snapshot name suffix (default DEFAULT_SNAP_SUFFIX, snap)"},
					&cli.StringFlag{Name: "size", Aliases: []string{"n"}, Usage: "snapshot size: bytes with a unit (500M, 20G; a bare number is MiB, as lvcreate -L) or a percentage of the origin (10%)"},
					toolsConfFlag()}, sshFlags()...),
				OnUsageError: subcommandUsage("snap create"),
				Action:       func(c *cli.Context) error { return runSnapCreate(c, g) },
			},
			{
				Name:      "remove",
				Usage:     "Remove a snapshot, refusing anything that is not one",
				ArgsUsage: " ",
				Description: describe(`
Refuses an origin (removing it would remove its snapshots too) and any plain
logical volume.

EXAMPLES:
   lvmcopy snap remove -s lvm:/dev/vg0/lv_data_snap`),
				Flags:        append([]cli.Flag{sourceFlag("the snapshot, lvm:[HOST:]/dev/VG/LV")}, sshFlags()...),
				OnUsageError: subcommandUsage("snap remove"),
				Action:       func(c *cli.Context) error { return runSnapRemove(c, g) },
			},
			{
				Name:      "copy",
				Usage:     "Snapshot a logical volume, copy the snapshot, remove it",
				ArgsUsage: " ",
				Description: describe(`
The snapshot is removed on every way out: success, failure, SIGINT and
SIGTERM. A snapshot that overflowed during the copy fails it: the copy would
not be the volume as it was.

` + lvm.SpecHelp + `

EXAMPLES:
   lvmcopy snap copy -s lvm:/dev/vg0/lv_data -t lvm:/dev/vg_bk/lv_data_bk --verify
   lvm_snap_copy -s lvm:/dev/vg0/lv_data -t file:backup01:/srv/lv_data.img.gz -z`),
				Flags: append(append([]cli.Flag{sourceFlag("the origin, lvm:[HOST:]/dev/VG/LV"), targetFlag("target endpoint"),
					&cli.StringFlag{Name: "snap-suffix", Usage: "snapshot name suffix (default DEFAULT_SNAP_SUFFIX)"},
					&cli.StringFlag{Name: "snap-size", Usage: "snapshot size, as snap create -n"},
					toolsConfFlag()}, copyFlags()...), sshFlags()...),
				OnUsageError: subcommandUsage("snap copy"),
				Action:       func(c *cli.Context) error { return runSnapCopy(c, g) },
			},
		},
	}
}

// lvmFor returns LVM access on the endpoint's host.
func (g *globals) lvmFor(ctx context.Context, e lvm.Endpoint, o sshOptions) (*lvm.LVM, func(), error) {
	if !e.Remote() {
		return &lvm.LVM{Runner: remote.Local{}, Logger: g.log}, func() {}, nil
	}
	conn, err := g.dialer(o)(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	return &lvm.LVM{Runner: conn, Logger: g.log}, func() { conn.Close() }, nil
}

func sshOptionsFrom(c *cli.Context) sshOptions {
	return sshOptions{user: c.String("ssh-user"), port: c.Int("ssh-port"), identity: c.StringSlice("identity"),
		knownHosts: c.String("known-hosts"), acceptNew: c.Bool("accept-new-host-key")}
}

func lvmEndpoint(flag, spec string) (lvm.Endpoint, error) {
	e, err := parseEndpoint(flag, spec)
	if err != nil {
		return e, err
	}
	if e.Kind != lvm.LV {
		return e, usagef("--%s %s: snapshots are of logical volumes, lvm:/dev/VG/LV", flag, spec)
	}
	return e, nil
}

func runSnapCreate(c *cli.Context, g *globals) error {
	if err := noArgs(c); err != nil {
		return err
	}
	conf, err := g.loadToolsConf(c)
	if err != nil {
		return err
	}
	origin, err := lvmEndpoint("source", c.String("source"))
	if err != nil {
		return err
	}
	suffix := conf.SnapSuffix
	if c.IsSet("target") {
		suffix = c.String("target")
	}
	m, done, err := g.lvmFor(c.Context, origin, sshOptionsFrom(c))
	if err != nil {
		return err
	}
	defer done()
	size, err := snapSize(c.Context, m, origin, c.String("size"))
	if err != nil {
		return err
	}
	snap, info, err := m.TakeSnapshot(c.Context, origin, suffix, size, conf)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "Created snapshot %s of %s (%s).\n", snap, origin, human(info.Size))
	return nil
}

func runSnapRemove(c *cli.Context, g *globals) error {
	if err := noArgs(c); err != nil {
		return err
	}
	snap, err := lvmEndpoint("source", c.String("source"))
	if err != nil {
		return err
	}
	m, done, err := g.lvmFor(c.Context, snap, sshOptionsFrom(c))
	if err != nil {
		return err
	}
	defer done()
	if err := m.RemoveSnapshot(c.Context, snap.VG, snap.LV); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "Removed snapshot %s.\n", snap)
	return nil
}

func runSnapCopy(c *cli.Context, g *globals) error {
	if err := noArgs(c); err != nil {
		return err
	}
	o, err := g.copyOptionsFrom(c)
	if err != nil {
		return err
	}
	origin, err := lvmEndpoint("source", c.String("source"))
	if err != nil {
		return err
	}
	dst, err := parseEndpoint("target", c.String("target"))
	if err != nil {
		return err
	}
	suffix := o.conf.SnapSuffix
	if c.IsSet("snap-suffix") {
		suffix = c.String("snap-suffix")
	}
	return g.snapCopy(c.Context, o, origin, dst, suffix, c.String("snap-size"))
}

// snapCopy takes a snapshot of origin, copies it to dst and removes it.
func (g *globals) snapCopy(ctx context.Context, o copyOptions, origin, dst lvm.Endpoint, suffix, sizeSpec string) error {
	m, done, err := g.lvmFor(ctx, origin, o.ssh)
	if err != nil {
		return err
	}
	defer done()
	size, err := snapSize(ctx, m, origin, sizeSpec)
	if err != nil {
		return err
	}
	rep, err := g.runWithProgress(ctx, o, origin.String(), func(ctx context.Context, counter lvm.Counter) (lvm.CopyReport, error) {
		job := g.job(o, origin, dst, counter)
		if err := job.Validate(); err != nil {
			return lvm.CopyReport{}, usagef("%v", err)
		}
		return lvm.SnapCopy(ctx, m, job, suffix, size, o.conf)
	})
	if err != nil {
		return err
	}
	printReport(g.stdout, rep, o.json)
	return nil
}

// snapSize reads -n: "" is the policy (0), N% a share of the origin, a
// number with a unit bytes, a bare number MiB (lvcreate -L's default).
func snapSize(ctx context.Context, m *lvm.LVM, origin lvm.Endpoint, spec string) (int64, error) {
	if spec == "" {
		return 0, nil
	}
	if p, ok := strings.CutSuffix(spec, "%"); ok {
		pct, err := strconv.ParseFloat(p, 64)
		if err != nil || pct <= 0 || pct > 100 {
			return 0, usagef("snapshot size %q: want a percentage above 0 and at most 100", spec)
		}
		info, err := m.LV(ctx, origin.VG, origin.LV)
		if err != nil {
			return 0, err
		}
		return int64(float64(info.Size) * pct / 100), nil
	}
	n, err := parseSize(spec)
	if err != nil {
		return 0, usagef("snapshot size %q: %v", spec, err)
	}
	return n, nil
}

// parseSize reads N[bBsSkKmMgGtT]: binary units, sectors of 512 bytes, a
// bare number in MiB as lvcreate -L takes it.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty size")
	}
	mult := int64(1 << 20)
	switch s[len(s)-1] {
	case 'b', 'B':
		mult, s = 1, s[:len(s)-1]
	case 's', 'S':
		mult, s = 512, s[:len(s)-1]
	case 'k', 'K':
		mult, s = 1<<10, s[:len(s)-1]
	case 'm', 'M':
		mult, s = 1<<20, s[:len(s)-1]
	case 'g', 'G':
		mult, s = 1<<30, s[:len(s)-1]
	case 't', 'T':
		mult, s = 1<<40, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("want a positive number with an optional unit (b, s, k, m, g, t)")
	}
	return int64(f * float64(mult)), nil
}
