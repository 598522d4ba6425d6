package main

import (
	"context"

	"github.com/ietkit/ietkit/pkg/lvm"
	"github.com/urfave/cli/v2"
)

func newCopyCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "copy",
		Usage:     "Copy a logical volume, device or file to another, here or over ssh",
		ArgsUsage: " ",
		Description: describe(`
Reads the source once and streams it to the target. A file target is
created or overwritten; a logical volume is created with the source's size
when missing and extended when smaller (never shrunk); a device must be at
least as large as the source. Nothing is opened for writing before the
source is found and sized and both endpoints are checked.

` + lvm.SpecHelp + `

EXAMPLES:
   lvmcopy copy -s lvm:/dev/vg0/lv_data -t lvm:/dev/vg_bk/lv_data_bk --verify
   lvmcopy copy -s dev:/dev/sdc -t file:backup01:/srv/sdc.img.zst --compress zstd
   lvmcopy copy -s file:backup01:/srv/lv.img -t lvm:/dev/vg0/lv_restore --hash xxh3 --verify
   lvm_copy -s lvm:/dev/vg0/lv -t lvm:/dev/vg_bk/lv -p      # create the target only`),
		Flags: append(append([]cli.Flag{
			sourceFlag("source endpoint"), targetFlag("target endpoint"),
			&cli.BoolFlag{Name: "prepare", Aliases: []string{"p"}, Usage: "prepare the target (create or extend an LV) and copy nothing"},
			toolsConfFlag(),
		}, copyFlags()...), sshFlags()...),
		OnUsageError: subcommandUsage("copy"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			o, err := g.copyOptionsFrom(c)
			if err != nil {
				return err
			}
			src, err := parseEndpoint("source", c.String("source"))
			if err != nil {
				return err
			}
			dst, err := parseEndpoint("target", c.String("target"))
			if err != nil {
				return err
			}
			return runCopy(c.Context, g, o, src, dst)
		},
	}
}

func runCopy(ctx context.Context, g *globals, o copyOptions, src, dst lvm.Endpoint) error {
	rep, err := g.runWithProgress(ctx, o, src.String(), func(ctx context.Context, counter lvm.Counter) (lvm.CopyReport, error) {
		job := g.job(o, src, dst, counter)
		if err := job.Validate(); err != nil {
			return lvm.CopyReport{}, usagef("%v", err)
		}
		return job.Run(ctx)
	})
	if err != nil {
		return err
	}
	if o.prepare {
		g.log.Info("target prepared; nothing copied (-p)", "target", dst.String())
		for _, n := range rep.Notes {
			g.log.Info(n)
		}
		return nil
	}
	printReport(g.stdout, rep, o.json)
	return nil
}
