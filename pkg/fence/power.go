package fence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// Power switches a node's outlets and confirms the change by reading them
// back. Outlets on one PDU are driven one at a time; PDUs in parallel.
type Power struct {
	// PDUs are the open PDUs by config name; every OutletRef given to a
	// method must name one.
	PDUs map[string]Outlets
	// ConfirmTimeout bounds the wait for the outlets to report a change;
	// ConfirmInterval is how often they are read meanwhile.
	ConfirmTimeout, ConfirmInterval time.Duration
	// Unreachable are the PDUs that could not be opened, with why: their
	// outlets fail at once instead of being polled until the timeout.
	Unreachable map[string]error
	// RebootDelay is how long a reboot leaves the node off.
	RebootDelay time.Duration
	Log         *slog.Logger // nil: nothing logged
}

// OutletState is what one outlet reported, or why it could not be read.
type OutletState struct {
	OutletRef
	State PowerState
	Err   error
}

func (s OutletState) String() string {
	if s.Err != nil {
		return fmt.Sprintf("%s: %v", s.OutletRef, s.Err)
	}
	return fmt.Sprintf("%s: %s", s.OutletRef, s.State)
}

// Summary tells whether outlets are all on, all off, or neither.
type Summary int

// The summaries of Status.
const (
	AllOn Summary = iota
	AllOff
	Mixed // some on, some off, or some unreadable
)

// Summarize sums up states.
func Summarize(states []OutletState) Summary {
	on, off := 0, 0
	for _, s := range states {
		switch {
		case s.Err != nil:
		case s.State == StateOn:
			on++
		case s.State == StateOff:
			off++
		}
	}
	switch {
	case len(states) > 0 && on == len(states):
		return AllOn
	case len(states) > 0 && off == len(states):
		return AllOff
	}
	return Mixed
}

// Status reads every outlet. A read that fails is in its OutletState;
// the error is the first of them.
func (p *Power) Status(ctx context.Context, outlets []OutletRef) ([]OutletState, error) {
	states := p.each(ctx, outlets, func(ctx context.Context, o Outlets, r OutletRef) OutletState {
		st, err := o.State(ctx, r.Outlet)
		return OutletState{OutletRef: r, State: st, Err: err}
	})
	return states, firstErr(states)
}

// Off switches every outlet off, then reads them back until all report
// off. It sends the command to every outlet even when one fails (each one
// off takes power from the node), but succeeds only when all confirm.
func (p *Power) Off(ctx context.Context, outlets []OutletRef) ([]OutletState, error) {
	return p.switchAll(ctx, outlets, false)
}

// On switches every outlet on and confirms it.
func (p *Power) On(ctx context.Context, outlets []OutletRef) ([]OutletState, error) {
	return p.switchAll(ctx, outlets, true)
}

// RebootResult is what a reboot did.
type RebootResult struct {
	Off []OutletState
	On  []OutletState
	// OnErr is why the node did not come back on after it was confirmed
	// off. The reboot still fenced the node, as fence agents count it.
	OnErr error
}

// Reboot switches the outlets off, confirms, waits RebootDelay, switches
// them on and confirms. The error is the off part's: once every outlet
// reported off the node is fenced, and a failure to power it back on is
// in OnErr.
func (p *Power) Reboot(ctx context.Context, outlets []OutletRef) (RebootResult, error) {
	var res RebootResult
	var err error
	if res.Off, err = p.Off(ctx, outlets); err != nil {
		return res, err
	}
	p.log("confirmed off; waiting before power on", "delay", p.RebootDelay)
	t := time.NewTimer(p.RebootDelay)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		res.OnErr = fmt.Errorf("waiting to power on: %w", ctx.Err())
		return res, nil
	}
	res.On, res.OnErr = p.On(ctx, outlets)
	return res, nil
}

func (p *Power) switchAll(ctx context.Context, outlets []OutletRef, on bool) ([]OutletState, error) {
	want := StateOff
	if on {
		want = StateOn
	}
	sets := p.each(ctx, outlets, func(ctx context.Context, o Outlets, r OutletRef) OutletState {
		err := o.Set(ctx, r.Outlet, on)
		if err == nil {
			p.log("outlet switched", "outlet", r.String(), "to", want.String())
		}
		return OutletState{OutletRef: r, Err: err}
	})
	var setErrs []error
	for _, s := range sets {
		if _, open := p.PDUs[s.PDU]; !open {
			continue // confirm reports it, once
		}
		if s.Err != nil {
			setErrs = append(setErrs, fmt.Errorf("switch %s %s: %w", s.OutletRef, want, s.Err))
		}
	}
	if len(setErrs) > 0 && len(setErrs) == len(outlets) {
		return sets, errors.Join(setErrs...)
	}
	// Read back even when some sets failed: the outlets that took the
	// command are reported, and one that failed may have switched all the
	// same (a lost response).
	states, err := p.confirm(ctx, outlets, want)
	if len(setErrs) > 0 && err != nil {
		return states, errors.Join(append(setErrs, err)...)
	}
	return states, err
}

// confirm reads the outlets until all report want, for at most
// ConfirmTimeout.
func (p *Power) confirm(ctx context.Context, outlets []OutletRef, want PowerState) ([]OutletState, error) {
	// Reads are bounded by the PDUs' own timeouts and retries, not cut at
	// the deadline: the last round must report what the outlets say.
	deadline := time.Now().Add(p.ConfirmTimeout)
	pending := outlets
	final := map[OutletRef]OutletState{}
	for {
		states := p.each(ctx, pending, func(ctx context.Context, o Outlets, r OutletRef) OutletState {
			st, err := o.State(ctx, r.Outlet)
			return OutletState{OutletRef: r, State: st, Err: err}
		})
		var left, pollable []OutletRef
		for _, s := range states {
			final[s.OutletRef] = s
			if s.Err != nil || s.State != want {
				left = append(left, s.OutletRef)
				if _, open := p.PDUs[s.PDU]; open {
					pollable = append(pollable, s.OutletRef)
				}
			}
		}
		if len(left) == 0 {
			return ordered(outlets, final), nil
		}
		pending = left
		wait := p.ConfirmInterval
		if time.Until(deadline) < wait {
			wait = time.Until(deadline)
		}
		if wait <= 0 || ctx.Err() != nil || len(pollable) == 0 {
			return ordered(outlets, final), p.notConfirmed(ctx, left, final, want)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ordered(outlets, final), fmt.Errorf("confirming %s: %w", want, ctx.Err())
		}
	}
}

func (p *Power) notConfirmed(ctx context.Context, left []OutletRef, final map[OutletRef]OutletState, want PowerState) error {
	if ctx.Err() != nil {
		return fmt.Errorf("confirming %s: %w", want, ctx.Err())
	}
	var parts []string
	for _, r := range left {
		s := final[r]
		_, open := p.PDUs[r.PDU]
		switch {
		case !open:
			parts = append(parts, fmt.Sprintf("%s not reached: %v", r, s.Err))
		case s.Err != nil:
			parts = append(parts, fmt.Sprintf("%s unreadable for %s: %v", r, p.ConfirmTimeout, s.Err))
		default:
			parts = append(parts, fmt.Sprintf("%s still %s after %s", r, s.State, p.ConfirmTimeout))
		}
	}
	return fmt.Errorf("%w %s: %s", ErrNotConfirmed, want, strings.Join(parts, "; "))
}

// each runs fn for every outlet, one PDU's outlets in turn, PDUs in
// parallel, and returns the results in the order of outlets.
func (p *Power) each(ctx context.Context, outlets []OutletRef, fn func(context.Context, Outlets, OutletRef) OutletState) []OutletState {
	byPDU := map[string][]OutletRef{}
	for _, r := range outlets {
		byPDU[r.PDU] = append(byPDU[r.PDU], r)
	}
	results := map[OutletRef]OutletState{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, refs := range byPDU {
		o, ok := p.PDUs[name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range refs {
				var s OutletState
				if !ok {
					err := p.Unreachable[name]
					if err == nil {
						err = fmt.Errorf("pdu %s is not open", name)
					}
					s = OutletState{OutletRef: r, Err: err}
				} else {
					s = fn(ctx, o, r)
				}
				mu.Lock()
				results[r] = s
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ordered(outlets, results)
}

func ordered(outlets []OutletRef, m map[OutletRef]OutletState) []OutletState {
	out := make([]OutletState, 0, len(outlets))
	for _, r := range outlets {
		out = append(out, m[r])
	}
	return out
}

func firstErr(states []OutletState) error {
	for _, s := range states {
		if s.Err != nil {
			return fmt.Errorf("%s: %w", s.OutletRef, s.Err)
		}
	}
	return nil
}

func (p *Power) log(msg string, args ...any) {
	if p.Log != nil {
		p.Log.Info(msg, args...)
	}
}

// Step is one step of an action's plan, for a dry run.
type Step struct {
	Set     *SetOp        // an SNMP set, or
	Confirm *PowerState   // a read-back until all outlets report this, or
	Wait    time.Duration // a pause
}

func (s Step) String() string {
	switch {
	case s.Set != nil:
		return fmt.Sprintf("set %s %s outlet %d: %s = %d (%s)", s.Set.PDU, s.Set.Address, s.Set.Outlet, s.Set.OID, s.Set.Value, s.Set.Meaning)
	case s.Confirm != nil:
		return fmt.Sprintf("read the outlets back until all report %s", *s.Confirm)
	}
	return fmt.Sprintf("wait %s", s.Wait)
}

// Plan lists what action on node would do, without any SNMP traffic.
func (c *Config) Plan(node string, action Action) ([]Step, error) {
	nd, ok := c.Nodes[node]
	if !ok {
		return nil, fmt.Errorf("node %q is not configured", node)
	}
	sets := func(on bool) []Step {
		var steps []Step
		for _, r := range nd.Outlets {
			op := c.PDUs[r.PDU].SetOp(r.Outlet, on)
			steps = append(steps, Step{Set: &op})
		}
		st := StateOff
		if on {
			st = StateOn
		}
		return append(steps, Step{Confirm: &st})
	}
	switch action {
	case ActionOff:
		return sets(false), nil
	case ActionOn:
		return sets(true), nil
	case ActionReboot:
		steps := append(sets(false), Step{Wait: c.RebootDelay})
		return append(steps, sets(true)...), nil
	case ActionStatus:
		return nil, nil
	}
	return nil, fmt.Errorf("unknown action %q", action)
}

// OpenPDUs dials the PDUs that feed node, in parallel, and returns those
// it opened by name and those it could not with why. Fencing goes on with
// the PDUs it reached: an unreachable PDU may be one that lost power, and
// cutting the others may be what takes the node down, though it cannot be
// confirmed.
func (c *Config) OpenPDUs(ctx context.Context, node string, dial func(context.Context, PDUConfig) (Outlets, error)) (opened map[string]Outlets, failed map[string]error) {
	nd := c.Nodes[node]
	var names []string
	for _, r := range nd.Outlets {
		names = append(names, r.PDU)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	type res struct {
		o   Outlets
		err error
	}
	out := make([]res, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := dial(ctx, c.PDUs[n])
			out[i] = res{o, err}
		}()
	}
	wg.Wait()
	opened, failed = map[string]Outlets{}, map[string]error{}
	for i, r := range out {
		if r.err != nil {
			failed[names[i]] = r.err
			continue
		}
		opened[names[i]] = r.o
	}
	return opened, failed
}

// ClosePDUs closes every PDU in m.
func ClosePDUs(m map[string]Outlets) {
	for _, o := range m {
		o.Close()
	}
}
