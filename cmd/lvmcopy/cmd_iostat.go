package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/urfave/cli/v2"
)

type iostatOptions struct {
	realtime bool
	dump     bool
	filter   *regexp.Regexp
	interval time.Duration
	count    int
	root     string
}

func newIostatCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "iostat",
		Usage:     "Show block device I/O statistics, device-mapper devices by their LVM names",
		ArgsUsage: " ",
		Description: describe(`
Reads /proc/diskstats twice, --interval apart, and shows each device's bytes
read and written, rates, I/Os in flight and queue time, with dm-N shown as
VG/LV. -r goes on until interrupted (or --count tables); -d prints one line
per device for rrd or a metrics collector:

   unix_time device display read_bytes write_bytes read_Bps write_Bps inflight qtime_ms

EXAMPLES:
   lvmcopy iostat                      # one table over one second
   lvmcopy iostat -r -n 'dm-.*'         # device-mapper devices, refreshed
   lvm_iostat -d                        # for rrdtool`),
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "realtime", Aliases: []string{"r"}, Usage: "refresh the table every interval until interrupted"},
			&cli.BoolFlag{Name: "dump", Aliases: []string{"d"}, Usage: "print machine-readable lines instead of a table"},
			&cli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "devices whose kernel or LVM name matches this regular expression (default hd[a-z], sd[a-z], dm-)"},
			&cli.DurationFlag{Name: "interval", Value: time.Second, Usage: "time between the two samples a rate is computed from"},
			&cli.IntFlag{Name: "count", Usage: "with -r, stop after this many tables"},
			&cli.StringFlag{Name: "root", Value: "/", Usage: "prefix of /proc and /sys (tests)"},
		},
		OnUsageError: subcommandUsage("iostat"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			o := iostatOptions{realtime: c.Bool("realtime"), dump: c.Bool("dump"), interval: c.Duration("interval"), count: c.Int("count"), root: c.String("root")}
			if o.interval <= 0 {
				return usagef("--interval %v: want a positive duration", o.interval)
			}
			o.filter = lvm.DefaultDeviceFilter()
			if n := c.String("name"); n != "" {
				re, err := regexp.Compile(n)
				if err != nil {
					return usagef("--name %q: %v", n, err)
				}
				o.filter = re
			}
			return runIostat(c.Context, g.stdout, o)
		},
	}
}

func readDiskstats(root string) ([]lvm.DiskStat, error) {
	p := filepath.Join(root, "proc", "diskstats")
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	defer f.Close()
	s, err := lvm.ParseDiskstats(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return s, nil
}

func runIostat(ctx context.Context, w io.Writer, o iostatOptions) error {
	namer := lvm.SysfsNamer(o.root)
	prev, err := readDiskstats(o.root)
	if err != nil {
		return err
	}
	for shown := 0; ; shown++ {
		select {
		case <-ctx.Done():
			return nil // interrupting -r is how it ends
		case <-time.After(o.interval):
		}
		cur, err := readDiskstats(o.root)
		if err != nil {
			return err
		}
		rows := lvm.Delta(prev, cur, o.interval, namer, o.filter)
		if o.dump {
			err = lvm.FormatDump(w, time.Now(), rows)
		} else {
			if shown > 0 {
				fmt.Fprintln(w)
			}
			err = lvm.FormatTable(w, rows)
		}
		if err != nil {
			return err
		}
		if !o.realtime || (o.count > 0 && shown+1 >= o.count) {
			return nil
		}
		prev = cur
	}
}
