package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// updateOptions are what online, offline and plan share.
type updateOptions struct {
	online bool // read and change the running target, not only the files
	prune  bool
	force  bool
}

// prepare computes the plan of cfg. It changes nothing.
func (g *globals) prepare(ctx context.Context, cfg *targetconf.Config, opts updateOptions) (*ietd.Plan, ietd.Inputs, ietd.Backend, error) {
	var b ietd.Backend
	var err error
	if opts.online {
		if b, err = g.openBackend(ctx); err != nil {
			return nil, ietd.Inputs{}, nil, err
		}
	}
	in, err := ietd.Gather(ctx, cfg, g.config, g.paths(), b, sizer, opts.online)
	if errors.Is(err, ietd.ErrNotRunning) {
		err = fmt.Errorf("%w; use offline to write the files only", err)
	}
	if err != nil {
		return nil, ietd.Inputs{}, nil, err
	}
	p, err := ietd.ComputePlan(in, ietd.PlanOptions{Prune: opts.prune, Force: opts.force})
	if err != nil {
		return nil, ietd.Inputs{}, nil, err
	}
	return p, in, b, nil
}

// runUpdate is online and offline: heal, plan, print, apply, record.
func runUpdate(ctx context.Context, g *globals, opts updateOptions) error {
	// The config is checked before anything else: a bad one changes nothing.
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	lock, err := g.lock(ctx)
	if err != nil {
		return err
	}
	defer lock.Release()
	if err := g.heal(ctx); err != nil {
		return err
	}
	p, in, b, err := g.prepare(ctx, cfg, opts)
	if err != nil {
		return err
	}
	backendName := ""
	if b != nil {
		backendName = b.Name()
	}
	printPlan(g.stdout, p, in, g.config, backendName)
	if p.Empty() {
		return refusedError(p)
	}
	env := ietd.Env{Backend: b, Files: ietd.AtomicFiles{}, Records: in.Records, Sizer: sizer,
		Reporter: textReporter{g.stdout}, Logger: g.log, AfterBlock: pauseHook()}
	if needsBlocker(p) {
		bl, err := g.blocker()
		if err != nil {
			return err
		}
		env.Blocker = bl
	}
	fmt.Fprintln(g.stdout, "Applying:")
	res, err := p.Apply(ctx, env)
	if opts.online {
		if err == nil {
			in.Records.RememberOptions(in.Desired)
		}
		if serr := in.Records.Save(g.paths().Records()); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	printResult(g.stdout, p, res)
	if err != nil {
		return err
	}
	return refusedError(p)
}

func needsBlocker(p *ietd.Plan) bool {
	for _, a := range p.Actions {
		switch a.(type) {
		case ietd.ResizeLUN, ietd.ReplaceLUN:
			return true
		}
	}
	return false
}

func refusedError(p *ietd.Plan) error {
	if n := len(p.Refused); n > 0 {
		return fmt.Errorf("%d change(s) refused, see \"Refused\" above", n)
	}
	return nil
}
