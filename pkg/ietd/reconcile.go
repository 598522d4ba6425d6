package ietd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Paths are the files ietkit reads and writes itself, all under Root.
type Paths struct {
	// Root prefixes every path below ("/" in production).
	Root string
	// IETDir holds ietd.conf and initiators.* ("etc/iet").
	IETDir string
	// StateDir holds the records and the block journal ("var/lib/ietkit").
	StateDir string
	// RunDir holds the host lock ("run").
	RunDir string
}

// DefaultPaths are the production locations relative to root.
func DefaultPaths(root string) Paths {
	return Paths{Root: root, IETDir: "etc/iet", StateDir: "var/lib/ietkit", RunDir: "run"}
}

func (p Paths) under(parts ...string) string {
	return filepath.Join(append([]string{p.Root}, parts...)...)
}

// IETDConf, InitiatorsAllow and InitiatorsDeny are the files ietd reads.
func (p Paths) IETDConf() string        { return p.under(p.IETDir, "ietd.conf") }
func (p Paths) InitiatorsAllow() string { return p.under(p.IETDir, "initiators.allow") }
func (p Paths) InitiatorsDeny() string  { return p.under(p.IETDir, "initiators.deny") }

// Records is the state file; Journal the block journal; Lock the host lock.
func (p Paths) Records() string { return p.under(p.StateDir, "state.json") }
func (p Paths) Journal() string { return p.under(p.StateDir, "portblock.journal") }
func (p Paths) Lock() string    { return p.under(p.RunDir, "ietkit.lock") }

// DesiredFiles renders the files ietd reads from cfg, and reads what they
// hold now. source names the config in the files' header.
func DesiredFiles(cfg *targetconf.Config, paths Paths, source string) ([]File, error) {
	want := []File{
		{Path: paths.InitiatorsAllow(), Mode: 0o644, Want: targetconf.RenderInitiatorsAllow(cfg, source)},
		{Path: paths.InitiatorsDeny(), Mode: 0o644, Want: targetconf.RenderInitiatorsDeny(cfg, source)},
		{Path: paths.IETDConf(), Mode: 0o600, Want: targetconf.RenderIETDConf(cfg, source), Secret: true},
	}
	for i := range want {
		f := &want[i]
		st, err := os.Stat(f.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Path, err)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("read %s: not a regular file", f.Path)
		}
		have, err := os.ReadFile(f.Path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Path, err)
		}
		f.Exists, f.Have, f.HaveMode = true, have, st.Mode().Perm()
	}
	return want, nil
}

// Gather collects the inputs of a plan. With online false only the files
// are gathered (offline mode: the daemon need not run).
func Gather(ctx context.Context, cfg *targetconf.Config, source string, paths Paths, b Backend, sizer func(string) (int64, error), online bool) (Inputs, error) {
	files, err := DesiredFiles(cfg, paths, source)
	if err != nil {
		return Inputs{}, err
	}
	in := Inputs{Desired: cfg, Files: files}
	if !online {
		return in, nil
	}
	if in.Observed, err = Observe(ctx, b, cfg); err != nil {
		return Inputs{}, err
	}
	in.Caps = b.Caps()
	in.Devices = map[string]Device{}
	for _, t := range cfg.Targets {
		for _, l := range t.LUNs {
			n, err := sizer(l.Path)
			in.Devices[l.Path] = Device{Size: n, Err: err}
		}
	}
	if in.Records, err = LoadRecords(paths.Records()); err != nil {
		return Inputs{}, err
	}
	return in, nil
}

// AtomicFiles writes files with internal/atomicfile, keeping NAME.bak.
type AtomicFiles struct{}

// WriteFile implements FileWriter.
func (AtomicFiles) WriteFile(path string, data []byte, mode fs.FileMode) error {
	return atomicfile.Write(path, data, atomicfile.Options{Mode: mode, Backup: true})
}
