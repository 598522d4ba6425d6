package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ietkit/ietkit/pkg/blockdev"
	"github.com/ietkit/ietkit/pkg/hostlock"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/ietd/iet"
	"github.com/ietkit/ietkit/pkg/ietd/tgt"
	"github.com/ietkit/ietkit/pkg/portblock"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

func (g *globals) paths() ietd.Paths {
	p := ietd.DefaultPaths(g.root)
	p.IETDir, p.StateDir = g.ietDir, g.stateDir
	return p
}

func (g *globals) loadConfig() (*targetconf.Config, error) {
	cfg, err := targetconf.Load(g.config)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		g.log.Warn("config: " + w.String())
	}
	return cfg, nil
}

// openBackend picks the target daemon's backend.
func (g *globals) openBackend(ctx context.Context) (ietd.Backend, error) {
	switch g.backend {
	case "iet":
		return g.ietBackend(), nil
	case "tgt":
		if !tgt.Reachable(ctx, remote.Local{}, g.tgtadm, g.tgtPort) {
			return nil, fmt.Errorf("%w: tgtd does not answer on control port %d (tgtadm -C %d --op show --mode sys failed)",
				ietd.ErrNotRunning, g.tgtPort, g.tgtPort)
		}
		return g.tgtBackend(), nil
	case "auto":
		if iet.Present(g.root) {
			return g.ietBackend(), nil
		}
		if tgt.Reachable(ctx, remote.Local{}, g.tgtadm, g.tgtPort) {
			return g.tgtBackend(), nil
		}
		return nil, fmt.Errorf("%w: neither ietd (no %s) nor tgtd (control port %d) is running; use offline to write the files only",
			ietd.ErrNotRunning, iet.ProcDir(g.root)+"/volume", g.tgtPort)
	}
	return nil, usagef("--backend %q: want iet, tgt or auto", g.backend)
}

func (g *globals) tgtBackend() ietd.Backend {
	return &tgt.Backend{Tgtadm: g.tgtadm, ControlPort: g.tgtPort, Runner: remote.Local{}}
}

func (g *globals) ietBackend() ietd.Backend {
	return &iet.Backend{Root: g.root, Ietadm: g.ietadm, Runner: remote.Local{}}
}

func (g *globals) blocker() (*portblock.Blocker, error) {
	return portblock.New(portblock.Options{Chain: g.chain, Port: g.port, JournalPath: g.paths().Journal(), Logger: g.log})
}

// lock takes the host lock; --wait waits for it, within ctx.
func (g *globals) lock(ctx context.Context) (*hostlock.Lock, error) {
	l, err := hostlock.Acquire(ctx, g.paths().Lock(), g.wait)
	if err != nil {
		return nil, fmt.Errorf("%w; use --wait to wait for it", err)
	}
	return l, nil
}

// heal lifts blocks that a killed run left behind. It needs iptables only
// when the journal holds something.
func (g *globals) heal(ctx context.Context) error {
	pending, err := portblock.ReadJournal(g.paths().Journal())
	if err != nil {
		return fmt.Errorf("read block journal: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	b, err := g.blocker()
	if err != nil {
		return err
	}
	healed, err := b.Heal(ctx)
	for _, h := range healed {
		fmt.Fprintf(g.stdout, "Unblocked %s, left blocked since %s by process %d (%s).\n",
			h.Prefix, h.Since.Local().Format(time.DateTime), h.PID, h.Reason)
	}
	if err != nil {
		return fmt.Errorf("lift blocks left by an earlier run: %w", err)
	}
	return nil
}

// pauseHook is a test hook: with IETKIT_TEST_PAUSE_AFTER_BLOCK=FILE a run
// creates FILE once initiators are blocked, then waits until it is
// interrupted or FILE is removed.
func pauseHook() func(context.Context) {
	path := os.Getenv("IETKIT_TEST_PAUSE_AFTER_BLOCK")
	if path == "" {
		return nil
	}
	return func(ctx context.Context) {
		if err := os.WriteFile(path, []byte(fmt.Sprintln(os.Getpid())), 0o644); err != nil {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := os.Stat(path); err != nil {
				return
			}
		}
	}
}

func sizer(path string) (int64, error) { return blockdev.Size(path) }
