package ietd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Blocker blocks initiator addresses (portblock.Blocker). Unblock must
// work with a context that was never cancelled; Apply passes it one.
type Blocker interface {
	Block(ctx context.Context, reason string, ps []netip.Prefix) error
	Unblock(ctx context.Context, ps []netip.Prefix) error
}

// FileWriter replaces a file atomically, keeping the previous one.
type FileWriter interface {
	WriteFile(path string, data []byte, mode fs.FileMode) error
}

// Reporter hears of each action as it ends and of each blackout.
type Reporter interface {
	Step(a Action, err error)
	Blackout(b Blackout)
}

// Env is what Apply acts through.
type Env struct {
	Backend Backend
	// Blocker is needed only by plans that re-add LUNs.
	Blocker Blocker
	Files   FileWriter
	// Records is updated as actions succeed; the caller saves it.
	Records *Records
	// Sizer measures a device right before its LUN is added, so that the
	// record holds the size the daemon read.
	Sizer    func(path string) (int64, error)
	Reporter Reporter
	Logger   *slog.Logger
	Now      func() time.Time
	// AfterBlock, when set, runs right after initiators are blocked and
	// before anything else happens in the blackout (a test hook).
	AfterBlock func(ctx context.Context)
}

// Blackout is the time a target's initiators were blocked for a re-add.
type Blackout struct {
	IQN      string         `json:"iqn"`
	LUNs     []int          `json:"luns"`
	Blocked  []netip.Prefix `json:"blocked"`
	Closed   int            `json:"closed_connections"`
	Start    time.Time      `json:"start"`
	Duration time.Duration  `json:"duration_ns"`
	Err      string         `json:"error,omitempty"`
}

// Result says what Apply did.
type Result struct {
	Done      []Action
	Failed    Action
	NotDone   []Action
	Blackouts []Blackout
}

// unblockTimeout bounds the unblock that runs on every path out of a
// blackout, with a context of its own.
const unblockTimeout = 2 * time.Minute

// Apply runs the plan's actions in order and stops at the first failure.
// The Result lists what was done, what failed and what was not done. A
// plan runs once: a second Apply is an error.
func (p *Plan) Apply(ctx context.Context, env Env) (Result, error) {
	var res Result
	if p.applied {
		return res, errors.New("apply: this plan was applied already; compute a new one")
	}
	p.applied = true
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Logger == nil {
		env.Logger = slog.Default()
	}
	if env.Records == nil {
		env.Records = NewRecords()
	}
	a := applier{env: env, res: &res}
	acts := p.Actions
	for i := 0; i < len(acts); {
		if err := ctx.Err(); err != nil {
			res.NotDone = append(res.NotDone, acts[i:]...)
			return res, fmt.Errorf("apply: stopped before %q: %w", acts[i], err)
		}
		if _, ok := asReadd(acts[i]); ok {
			j := i + 1
			for j < len(acts) {
				r, ok := asReadd(acts[j])
				if !ok || r.TID != mustReadd(acts[i]).TID {
					break
				}
				j++
			}
			if failed, err := a.blackout(ctx, acts[i:j]); err != nil {
				res.Failed = acts[failed]
				res.NotDone = append(res.NotDone, acts[failed+1:]...)
				return res, fmt.Errorf("%s: %w", acts[failed], err)
			}
			i = j
			continue
		}
		err := a.run(ctx, acts[i])
		a.report(acts[i], err)
		if err != nil {
			res.Failed = acts[i]
			res.NotDone = append(res.NotDone, acts[i+1:]...)
			return res, fmt.Errorf("%s: %w", acts[i], err)
		}
		i++
	}
	return res, nil
}

type applier struct {
	env Env
	res *Result
}

func (a *applier) report(act Action, err error) {
	if err == nil {
		a.res.Done = append(a.res.Done, act)
	}
	if a.env.Reporter != nil {
		a.env.Reporter.Step(act, err)
	}
}

func asReadd(a Action) (Readd, bool) {
	switch r := a.(type) {
	case ResizeLUN:
		return r.Readd, true
	case ReplaceLUN:
		return r.Readd, true
	}
	return Readd{}, false
}

func mustReadd(a Action) Readd { r, _ := asReadd(a); return r }

func (a *applier) run(ctx context.Context, act Action) error {
	b, rec := a.env.Backend, a.env.Records
	switch x := act.(type) {
	case WriteFile:
		if a.env.Files == nil {
			return errors.New("no file writer")
		}
		return a.env.Files.WriteFile(x.Path, x.Content, x.Mode)
	case AddTarget:
		err := b.AddTarget(ctx, x.TID, x.IQN)
		if errors.Is(err, ErrExists) && a.targetIs(ctx, x.TID, x.IQN) {
			err = nil
		}
		if err == nil {
			rec.Options[strings.ToLower(x.IQN)] = map[string]string{}
		}
		return err
	case SetOptions:
		if err := b.SetOptions(ctx, x.TID, x.Options); err != nil {
			return err
		}
		m := rec.Options[strings.ToLower(x.IQN)]
		if m == nil {
			m = map[string]string{}
			rec.Options[strings.ToLower(x.IQN)] = m
		}
		for _, o := range x.Options {
			m[o.Key] = o.Value
		}
		return nil
	case AddUser:
		if x.Replace {
			if err := b.DeleteUser(ctx, x.TID, x.User.Dir, x.User.Name); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if err := b.AddUser(ctx, x.TID, x.User); err != nil {
			return err
		}
		rec.Users[UserKey(x.IQN, x.User.Dir, x.User.Name)] = Fingerprint(x.User.Secret)
		return nil
	case DeleteUser:
		if err := b.DeleteUser(ctx, x.TID, x.Dir, x.Name); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		delete(rec.Users, UserKey(x.IQN, x.Dir, x.Name))
		return nil
	case AddLUN:
		return a.addLUN(ctx, x.TID, x.IQN, x.LUN)
	case SetACL:
		if len(x.Unbind) > 0 {
			if err := b.UnbindInitiators(ctx, x.TID, x.Unbind); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		if len(x.Bind) > 0 {
			if err := b.BindInitiators(ctx, x.TID, x.Bind); err != nil && !errors.Is(err, ErrExists) {
				return err
			}
		}
		return nil
	case DeleteLUN:
		err := retryBusy(ctx, a.env.Logger, fmt.Sprintf("delete lun %d of %s", x.LUN, x.IQN), func() error {
			return b.DeleteLUN(ctx, x.TID, x.LUN)
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		delete(rec.LUNs, LUNKey(x.IQN, x.LUN))
		return nil
	case DeleteTarget:
		if _, err := a.closeSessions(ctx, x.TID, x.Sessions); err != nil {
			return err
		}
		err := retryBusy(ctx, a.env.Logger, "delete target "+x.IQN, func() error { return b.DeleteTarget(ctx, x.TID) })
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		rec.forgetTarget(x.IQN)
		return nil
	}
	return fmt.Errorf("unknown action %T", act)
}

// targetIs tells whether tid is the target iqn already (an add that
// found its work done).
func (a *applier) targetIs(ctx context.Context, tid int, iqn string) bool {
	s, err := a.env.Backend.State(ctx)
	if err != nil {
		return false
	}
	t, ok := s.Target(iqn)
	return ok && t.TID == tid
}

func (a *applier) addLUN(ctx context.Context, tid int, iqn string, l targetconf.LUN) error {
	var size int64
	if a.env.Sizer != nil {
		n, err := a.env.Sizer(l.Path)
		if err != nil {
			return err
		}
		size = n
	}
	err := a.env.Backend.AddLUN(ctx, tid, l)
	if errors.Is(err, ErrExists) {
		if s, serr := a.env.Backend.State(ctx); serr == nil {
			for _, t := range s.Targets {
				if have, ok := t.LUN(l.Number); t.TID == tid && ok && have.Path == l.Path {
					err = nil
				}
			}
		}
	}
	if err != nil {
		return err
	}
	bs := int64(l.BlockSize)
	if bs == 0 {
		bs = 512
	}
	a.env.Records.LUNs[LUNKey(iqn, l.Number)] = LUNRecord{
		Path: l.Path, Params: l.Params(), Size: size / bs * bs, BlockSize: int(bs), Added: a.env.Now().UTC(),
	}
	return nil
}

// closeSessions closes every connection of the sessions given, and
// returns how many it closed.
func (a *applier) closeSessions(ctx context.Context, tid int, ss []Session) (int, error) {
	n := 0
	for _, s := range ss {
		for _, c := range s.Conns {
			err := a.env.Backend.CloseConnection(ctx, tid, s.SID, c.CID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return n, fmt.Errorf("close connection %d of session %d (%s): %w", c.CID, s.SID, s.Initiator, err)
			}
			if err == nil {
				n++
			}
		}
	}
	return n, nil
}

// blackout re-adds a group of LUNs of one target while its initiators are
// blocked. It returns the index within group of the action that failed.
func (a *applier) blackout(ctx context.Context, group []Action) (int, error) {
	first := mustReadd(group[0])
	bo := Blackout{IQN: first.IQN}
	blocked := map[netip.Prefix]bool{}
	for _, g := range group {
		r := mustReadd(g)
		bo.LUNs = append(bo.LUNs, r.LUN.Number)
		for _, p := range r.Block {
			if !blocked[p] {
				blocked[p] = true
				bo.Blocked = append(bo.Blocked, p)
			}
		}
	}
	reason := fmt.Sprintf("re-add lun %s of %s", joinInts(bo.LUNs), first.IQN)
	log := a.env.Logger.With("target", first.IQN, "luns", bo.LUNs)

	block := func(ps []netip.Prefix) error {
		if len(ps) == 0 {
			return nil
		}
		if a.env.Blocker == nil {
			return errors.New("re-adding a LUN needs initiator blocking, and no blocker is set up")
		}
		return a.env.Blocker.Block(ctx, reason, ps)
	}
	bo.Start = a.env.Now()
	err := block(bo.Blocked)
	// Whatever happens from here on, the block is lifted, with a context
	// of its own so that a cancelled run (SIGINT, SIGTERM) still unblocks.
	defer func() {
		if len(bo.Blocked) > 0 && a.env.Blocker != nil {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unblockTimeout)
			defer cancel()
			if uerr := a.env.Blocker.Unblock(uctx, bo.Blocked); uerr != nil {
				log.Error("unblock failed: run iet-update unblock", "blocked", bo.Blocked, "err", uerr)
				if bo.Err == "" {
					bo.Err = "unblock: " + uerr.Error()
				}
			}
		}
		bo.Duration = a.env.Now().Sub(bo.Start)
		log.Info("blackout", "blocked", bo.Blocked, "closed_connections", bo.Closed, "duration", bo.Duration)
		a.res.Blackouts = append(a.res.Blackouts, bo)
		if a.env.Reporter != nil {
			a.env.Reporter.Blackout(bo)
		}
	}()
	fail := func(i int, err error) (int, error) {
		bo.Err = err.Error()
		a.report(group[i], err)
		return i, err
	}
	if err != nil {
		return fail(0, fmt.Errorf("block initiators: %w", err))
	}
	log.Info("initiators blocked", "blocked", bo.Blocked)
	if a.env.AfterBlock != nil {
		a.env.AfterBlock(ctx)
	}

	// Sessions are read again now: someone may have logged in since the
	// plan. Addresses the block does not cover yet are blocked too.
	s, err := a.env.Backend.State(ctx)
	if err != nil {
		return fail(0, fmt.Errorf("read sessions: %w", err))
	}
	var sessions []Session
	for _, t := range s.Targets {
		if t.TID == first.TID {
			sessions = t.Sessions
			var extra []netip.Prefix
			for _, addr := range t.SessionAddrs() {
				if !coveredBy(addr, bo.Blocked) {
					extra = append(extra, netip.PrefixFrom(addr, addr.BitLen()))
				}
			}
			if len(extra) > 0 {
				err := block(extra)
				bo.Blocked = append(bo.Blocked, extra...)
				if err != nil {
					return fail(0, fmt.Errorf("block initiators: %w", err))
				}
			}
		}
	}
	closed, err := a.closeSessions(ctx, first.TID, sessions)
	bo.Closed = closed
	if err != nil {
		return fail(0, err)
	}

	for i, g := range group {
		if err := ctx.Err(); err != nil {
			return fail(i, err)
		}
		r := mustReadd(g)
		// Once a LUN is deleted it is added back even if the run is
		// cancelled meanwhile: initiators must not lose it.
		octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unblockTimeout)
		err := retryBusy(octx, log, fmt.Sprintf("delete lun %d", r.LUN.Number), func() error {
			return a.env.Backend.DeleteLUN(octx, r.TID, r.LUN.Number)
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			cancel()
			return fail(i, fmt.Errorf("delete lun: %w", err))
		}
		err = a.addLUN(octx, r.TID, r.IQN, r.LUN)
		cancel()
		if err != nil {
			return fail(i, fmt.Errorf("lun %d was deleted but could not be added again, so initiators miss it until the next successful run: %w", r.LUN.Number, err))
		}
		a.report(g, nil)
	}
	return 0, nil
}

func coveredBy(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}

// retryBusy retries f while it fails with ErrBusy, with a backoff bound to
// ctx and at most about ten seconds in all.
func retryBusy(ctx context.Context, log *slog.Logger, what string, f func() error) error {
	delay := 100 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f()
		if !errors.Is(err, ErrBusy) || time.Now().After(deadline) {
			return err
		}
		log.Warn("busy, retrying", "what", what, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		case <-time.After(delay):
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}
