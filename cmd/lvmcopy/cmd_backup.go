package main

import (
	"errors"
	"fmt"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/ietkit/ietkit/pkg/targetconf"
	"github.com/urfave/cli/v2"
)

func newBackupCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "Snap-copy every LUN of a target.conf to its backup destination",
		ArgsUsage: " ",
		Description: describe(`
For each LUN of the target.conf, in order, expands the backup template to a
destination and runs snap copy to it (this replaces the lv-backup.sh the old
lun_callback generated). A LUN that fails does not stop the others; the run
fails if any did. --dry-run lists the copies.

EXAMPLES:
   lvmcopy backup -c /etc/iscsi-target/target.conf --verify
   lvmcopy backup -c /etc/iscsi-target/target.conf --dry-run`),
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "targets", Aliases: []string{"c"}, Value: "/etc/iscsi-target/target.conf", Usage: "target.conf with a backup line"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list what would be copied where, and copy nothing"},
			toolsConfFlag(),
		}, copyFlags()...), sshFlags()...),
		OnUsageError: subcommandUsage("backup"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runBackup(c, g)
		},
	}
}

func runBackup(c *cli.Context, g *globals) error {
	cfg, err := targetconf.Load(c.String("targets"))
	if err != nil {
		var msgs []string
		for _, pe := range targetconf.ParseErrors(err) {
			msgs = append(msgs, pe.Error())
		}
		if len(msgs) == 0 {
			msgs = []string{err.Error()}
		}
		return usagef("the target.conf has errors:\n%s", joinLines(msgs))
	}
	if cfg.Backup == "" {
		return usagef("%s has no backup line: nothing to back up", c.String("targets"))
	}
	o, err := g.copyOptionsFrom(c)
	if err != nil {
		return err
	}
	type item struct{ src, dst lvm.Endpoint }
	var items []item
	for _, t := range cfg.Targets {
		for _, l := range t.LUNs {
			dstSpec, err := targetconf.ExpandBackup(cfg.Backup, t, l)
			if err != nil {
				g.log.Warn("not backed up", "target", t.Name, "lun", l.Number, "reason", err)
				continue
			}
			src, err := lvm.ParseEndpoint("lvm:" + l.Path)
			if err != nil {
				g.log.Warn("not backed up: not a logical volume", "target", t.Name, "lun", l.Number, "path", l.Path)
				continue
			}
			dst, err := lvm.ParseEndpoint(dstSpec)
			if err != nil {
				return usagef("backup destination of lun %d of %s: %v", l.Number, t.Name, err)
			}
			items = append(items, item{src, dst})
		}
	}
	if c.Bool("dry-run") {
		for _, it := range items {
			fmt.Fprintf(g.stdout, "snap copy %s -> %s\n", it.src, it.dst)
		}
		return nil
	}
	var failed []error
	for _, it := range items {
		if err := c.Context.Err(); err != nil {
			return err
		}
		if err := g.snapCopy(c.Context, o, it.src, it.dst, o.conf.SnapSuffix, ""); err != nil {
			g.log.Error("backup failed", "source", it.src.String(), "target", it.dst.String(), "err", err)
			failed = append(failed, fmt.Errorf("%s: %w", it.src, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d backups failed: %w", len(failed), len(items), errors.Join(failed...))
	}
	fmt.Fprintf(g.stdout, "Backed up %d LUN(s).\n", len(items))
	return nil
}

func joinLines(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "\n"
		}
		out += "  " + s
	}
	return out
}
