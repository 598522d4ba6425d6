package symclone

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Kind is the type keyword of a Symmetrix clone resource.
const Kind = "symclone"

// Defaults of the keywords.
const (
	DefaultActivateTimeout = 300 * time.Second
	DefaultPollInterval    = 20 * time.Second
)

// Pair is a source logical device and its clone target, both in the
// resource's device group.
type Pair struct {
	Source, Target string
}

func (p Pair) String() string { return p.Source + ":" + p.Target }

// Pair states, as symclone query spells them (facts 2.1; Precopy and
// Recreated are the verify flags' names, their spelling in query output
// is unverified and compared case-insensitively).
const (
	StateCreated    = "Created"
	StatePrecopy    = "Precopy"
	StateRecreated  = "Recreated"
	StateCopyInProg = "CopyInProg"
	StateCopied     = "Copied"
)

// inState tells whether state is one of states, ignoring case as the
// agent did.
func inState(state string, states ...string) bool {
	for _, s := range states {
		if strings.EqualFold(state, s) {
			return true
		}
	}
	return false
}

// The states each decision accepts.
var (
	// active pairs have read-write targets: activate has been done
	// (facts 1.2: "Consider 'copyinprog' sufficient").
	activeStates = []string{StateCopied, StateCopyInProg}
	// recreated pairs wait for activate; recreating them again would
	// fail and gain nothing, the precopy keeps them current.
	recreatedStates = []string{StatePrecopy, StateRecreated}
	// activable pairs can be activated.
	activableStates = []string{StateCreated, StatePrecopy, StateRecreated}
	// recreatable pairs hold an activated (or never activated) session.
	recreatableStates = []string{StateCreated, StateCopyInProg, StateCopied, "CopyOnAccess"}
	// expectedStates are those status accepts: every state the
	// resource's own actions lead to, and Created, in which the operator
	// leaves a group after `symclone create` without -precopy and that
	// break handles.
	expectedStates = []string{StateCopied, StateCopyInProg, StatePrecopy, StateRecreated, StateCreated}
)

// Driver drives the clone pairs of one device group.
type Driver struct {
	env             snapdrivers.Env
	dg              string
	pairs           []Pair
	precopy         bool
	consistent      bool
	activateTimeout time.Duration
	pollInterval    time.Duration
}

var (
	// symcli names of groups and logical devices: no blanks, and not
	// starting with '-', which symclone would take for an option.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.#-]{0,63}$`)
)

// New reads the resource's keywords from sec: dg, pairs, precopy,
// consistent, activate_timeout and poll_interval (see the package doc).
func New(sec *snapdrivers.Section, env snapdrivers.Env) (*Driver, error) {
	d := &Driver{env: env}
	var errs []error
	dg, err := sec.Required("dg", "the Symmetrix device group holding the pairs (symdg create)")
	if err != nil {
		errs = append(errs, err)
	} else if !nameRE.MatchString(dg) {
		errs = append(errs, sec.Errorf("dg", "%q is not a device group name", dg))
	}
	d.dg = dg

	if _, err := sec.Required("pairs", "SOURCE:TARGET logical device names, e.g. DEV001:CLONE001"); err != nil {
		errs = append(errs, err)
	} else {
		pairs, err := parsePairs(sec)
		if err != nil {
			errs = append(errs, err)
		}
		d.pairs = pairs
	}

	if d.precopy, err = sec.Bool("precopy", true); err != nil {
		errs = append(errs, err)
	}
	if d.consistent, err = sec.Bool("consistent", false); err != nil {
		errs = append(errs, err)
	}
	if d.activateTimeout, err = sec.Seconds("activate_timeout", DefaultActivateTimeout); err != nil {
		errs = append(errs, err)
	}
	if d.pollInterval, err = sec.Seconds("poll_interval", DefaultPollInterval); err != nil {
		errs = append(errs, err)
	} else if d.pollInterval <= 0 {
		errs = append(errs, sec.Errorf("poll_interval", "must be more than 0"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

func parsePairs(sec *snapdrivers.Section) ([]Pair, error) {
	var pairs []Pair
	var errs []error
	role := map[string]string{} // device -> "source of X:Y"
	for _, f := range sec.Fields("pairs") {
		src, tgt, ok := strings.Cut(f, ":")
		if !ok || strings.Contains(tgt, ":") {
			errs = append(errs, sec.Errorf("pairs", "%q: want SOURCE:TARGET, e.g. DEV001:CLONE001", f))
			continue
		}
		bad := false
		for _, n := range []string{src, tgt} {
			if !nameRE.MatchString(n) {
				errs = append(errs, sec.Errorf("pairs", "%q: %q is not a logical device name", f, n))
				bad = true
			}
		}
		if bad {
			continue
		}
		p := Pair{Source: src, Target: tgt}
		if src == tgt {
			errs = append(errs, sec.Errorf("pairs", "%s: a device cannot be its own clone", p))
			continue
		}
		// A source may have several targets (multi-target clones), but a
		// device is a target once, and never both a source and a target:
		// one resource would then refresh data it copies from.
		if r, dup := role[tgt]; dup {
			errs = append(errs, sec.Errorf("pairs", "%s: %s is already the %s", p, tgt, r))
			continue
		}
		if r, dup := role[src]; dup && !strings.HasPrefix(r, "source") {
			errs = append(errs, sec.Errorf("pairs", "%s: %s is already the %s", p, src, r))
			continue
		}
		role[src] = "source of " + p.String()
		role[tgt] = "target of " + p.String()
		pairs = append(pairs, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return pairs, nil
}

// Kind implements snapdrivers.Driver.
func (d *Driver) Kind() string { return Kind }

// Plan implements snapdrivers.Driver.
func (d *Driver) Plan(action snapdrivers.Action) ([]snapdrivers.Step, error) {
	switch action {
	case snapdrivers.ActionResync, snapdrivers.ActionUpdate:
		return []snapdrivers.Step{
			d.queryStep("pairs already Precopy or Recreated are left out; nothing runs when all are"),
			d.recreateStep(d.pairs),
		}, nil
	case snapdrivers.ActionBreak:
		return []snapdrivers.Step{
			d.queryStep("pairs already Copied or CopyInProg are left out; nothing runs when all are"),
			d.activateStep(d.pairs),
			d.waitStep(),
		}, nil
	case snapdrivers.ActionStatus:
		return []snapdrivers.Step{d.queryStep(""), d.listStep()}, nil
	}
	return nil, fmt.Errorf("symclone: action %q: %w", action, snapdrivers.ErrNotSupported)
}

// Resync implements snapdrivers.Driver: one recreate of every pair not
// already recreated.
func (d *Driver) Resync(ctx context.Context) error {
	q, err := d.query(ctx, d.queryStep(""))
	if err != nil {
		return err
	}
	rows, err := d.rows(q)
	if err != nil {
		return err
	}
	var todo []Pair
	var bad []string
	for i, p := range d.pairs {
		st := rows[i].State
		switch {
		case inState(st, recreatedStates...):
			d.env.Exec.Log.Info(fmt.Sprintf("%s sym ld %s is already %s: left out of the recreate", p.Source, p.Target, st))
		case inState(st, recreatableStates...):
			todo = append(todo, p)
		default:
			bad = append(bad, fmt.Sprintf("%s is %s", p, st))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("symclone device group %s: cannot recreate: %s: %w", d.dg, strings.Join(bad, ", "), ErrUnexpectedState)
	}
	if len(todo) == 0 {
		d.env.Exec.Log.Info(fmt.Sprintf("symclone target devices are already recreated (%s): recreate skipped", strings.Join(recreatedStates, " or ")))
		return nil
	}
	return d.operate(ctx, "Recreate", d.recreateStep(todo), todo)
}

// Update implements snapdrivers.Driver: the same recreate as Resync (the
// issue makes them one; the agent's update also activated).
func (d *Driver) Update(ctx context.Context) error { return d.Resync(ctx) }

// Break implements snapdrivers.Driver: activate the pairs not already
// active, then wait until every pair is Copied.
func (d *Driver) Break(ctx context.Context) error {
	q, err := d.query(ctx, d.queryStep(""))
	if err != nil {
		return err
	}
	rows, err := d.rows(q)
	if err != nil {
		return err
	}
	var todo []Pair
	var bad []string
	for i, p := range d.pairs {
		st := rows[i].State
		switch {
		case inState(st, activeStates...):
		case inState(st, activableStates...):
			todo = append(todo, p)
		default:
			bad = append(bad, fmt.Sprintf("%s is %s", p, st))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("symclone device group %s: cannot activate: %s: %w", d.dg, strings.Join(bad, ", "), ErrUnexpectedState)
	}
	if len(todo) == 0 {
		// As the agent: targets already read-write need nothing more,
		// even if their copy is still in progress.
		d.env.Exec.Log.Info("symclone target devices are already active")
		return nil
	}
	if err := d.operate(ctx, "Activate", d.activateStep(todo), todo); err != nil {
		return err
	}
	return d.waitCopied(ctx)
}

// waitCopied polls the query until every pair is Copied, for at most
// activateTimeout.
func (d *Driver) waitCopied(ctx context.Context) error {
	step := d.waitStep()
	logged := false
	for waited := time.Duration(0); ; {
		q, err := d.query(ctx, step)
		if err != nil {
			return err
		}
		rows, err := d.rows(q)
		if err != nil {
			return err
		}
		var left, bad []string
		for i, p := range d.pairs {
			r := rows[i]
			switch {
			case inState(r.State, StateCopied):
			case inState(r.State, StateCopyInProg, StatePrecopy, StateRecreated, StateCreated):
				// Precopy and the like can show for a moment before the
				// activate is seen by the query.
				left = append(left, fmt.Sprintf("%s sym ld %s (%s %d%%)", p.Source, p.Target, r.State, r.Percent))
			default:
				bad = append(bad, fmt.Sprintf("%s is %s", p, r.State))
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("symclone device group %s: while waiting for copied state: %s: %w", d.dg, strings.Join(bad, ", "), ErrUnexpectedState)
		}
		if len(left) == 0 {
			return nil
		}
		if waited >= d.activateTimeout {
			d.env.Exec.Log.Error(fmt.Sprintf("timed out waiting for copied state (%d secs)", int(d.activateTimeout.Seconds())))
			return fmt.Errorf("symclone device group %s: timed out after %s: %s still not copied: %w", d.dg, d.activateTimeout, strings.Join(left, ", "), ErrNotCopied)
		}
		if !logged {
			d.env.Exec.Log.Info(fmt.Sprintf("waiting for copied state (max %d secs)", int(d.activateTimeout.Seconds())))
			logged = true
		}
		wait := min(d.pollInterval, d.activateTimeout-waited)
		if err := d.env.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("symclone device group %s: waiting for copied state: %w", d.dg, err)
		}
		waited += wait
	}
}

// operate runs a recreate or activate and checks that symclone reported
// success for each pair.
func (d *Driver) operate(ctx context.Context, op string, step snapdrivers.Step, pairs []Pair) error {
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		return d.commandErr(op, out, err)
	}
	if missing := ParseOperation(out.Combined()).Missing(op, d.dg, pairs); len(missing) > 0 {
		names := make([]string, len(missing))
		for i, p := range missing {
			names[i] = fmt.Sprintf("%s sym ld %s", p.Source, p.Target)
		}
		reason := fmt.Sprintf("no '%s' operation successfully initiated (or executed) message for %s", op, strings.Join(names, ", "))
		return fmt.Errorf("symclone %s of device group %s: %w: %w", strings.ToLower(op), d.dg, ErrNoSuccessMessage, d.env.Exec.Fail(step, out, reason))
	}
	return nil
}

// commandErr wraps a failed symcli command with the sentinel its output
// matches, keeping the *CommandError reachable with errors.As.
func (d *Driver) commandErr(what string, out snapdrivers.Output, err error) error {
	if s := classify(out.Combined()); s != nil {
		return fmt.Errorf("symclone %s of device group %s: %w: %w", strings.ToLower(what), d.dg, s, err)
	}
	return fmt.Errorf("symclone %s of device group %s: %w", strings.ToLower(what), d.dg, err)
}

// query runs symclone query. A query that fails saying no pair has a
// session is returned as such, with NoSession set, for status to report;
// the actions refuse it through rows.
func (d *Driver) query(ctx context.Context, step snapdrivers.Step) (Query, error) {
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		if classify(out.Combined()) == ErrNoSession {
			return Query{Group: d.dg, NoSession: true}, nil
		}
		return Query{}, d.commandErr("query", out, err)
	}
	q, perr := ParseQuery(out.Stdout)
	if perr != nil {
		return Query{}, fmt.Errorf("symclone query of device group %s: %w", d.dg, perr)
	}
	return q, nil
}

// find returns the query rows of the configured pairs, in their order,
// and those not found.
func (d *Driver) find(q Query) ([]QueryRow, []Pair) {
	idx := map[Pair]int{}
	for i, r := range q.Rows {
		idx[Pair{Source: r.Source, Target: r.Target}] = i
	}
	rows := make([]QueryRow, len(d.pairs))
	var missing []Pair
	for i, p := range d.pairs {
		j, ok := idx[p]
		if !ok {
			missing = append(missing, p)
			continue
		}
		rows[i] = q.Rows[j]
	}
	return rows, missing
}

// rows is find for the actions, which refuse to change anything unless
// every pair is in the query: better nothing than part of a set.
func (d *Driver) rows(q Query) ([]QueryRow, error) {
	if q.NoSession {
		return nil, fmt.Errorf("symclone device group %s: %s: %w", d.dg, msgNoSession, ErrNoSession)
	}
	rows, missing := d.find(q)
	if len(missing) > 0 {
		names := make([]string, len(missing))
		for i, p := range missing {
			names[i] = p.String()
		}
		return nil, fmt.Errorf("symclone device group %s: pairs %s are not in symclone query: %w, or do not form a copy session", d.dg, strings.Join(names, ", "), ErrNotInGroup)
	}
	return rows, nil
}

// Status implements snapdrivers.Driver: two commands whatever the number
// of pairs.
func (d *Driver) Status(ctx context.Context) (snapdrivers.ArrayStatus, error) {
	st := snapdrivers.ArrayStatus{HasTime: true, ProblemState: snapdrivers.Down}
	q, err := d.query(ctx, d.queryStep(""))
	if err != nil {
		return st, err
	}
	step := d.listStep()
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		return st, d.commandErr("list", out, err)
	}
	lds, err := ParseLDList(out.Stdout)
	if err != nil {
		return st, fmt.Errorf("symld list of device group %s: %w", d.dg, err)
	}
	byName := map[string]*LD{}
	for i := range lds {
		byName[lds[i].Logical] = &lds[i]
	}
	rows, _ := d.find(q)
	var oldest time.Time
	timeMissing := false
	for i, p := range d.pairs {
		ps := snapdrivers.PairStatus{Source: p.Source, Target: p.Target, State: rows[i].State}
		before := len(st.Problems)
		var absent []string
		for _, n := range []string{p.Source, p.Target} {
			if byName[n] == nil {
				absent = append(absent, n)
			}
		}
		switch {
		case len(absent) > 0:
			ps.State = "missing"
			for _, n := range absent {
				st.Problems = append(st.Problems, fmt.Sprintf("Device %s of pair %s is not present in device group %s.", n, p, d.dg))
			}
		case ps.State == "":
			ps.State = "no session"
			st.Problems = append(st.Problems, fmt.Sprintf("Pair %s: the source device and the target device do not form a copy session in device group %s.", p, d.dg))
		case !inState(ps.State, expectedStates...):
			st.Problems = append(st.Problems, fmt.Sprintf("Pair %s is in state %s, not one of %s.", p, ps.State, strings.Join(expectedStates, ", ")))
		}
		t, problem := d.actionTime(p, byName)
		if problem != "" {
			timeMissing = true
			// One sentence per pair: a pair missing or with no session
			// has no time either, and saying so adds nothing.
			if len(st.Problems) == before {
				st.Problems = append(st.Problems, problem)
			}
		} else {
			ps.Synced = t
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		st.Pairs = append(st.Pairs, ps)
	}
	if !timeMissing {
		st.LastSync = oldest
	}
	return st, nil
}

// actionTime is the time of the pair's last clone action, as symld shows
// it on the target device (the agent read it there), else on the source
// device when its session is with this target. problem says why there is
// none.
func (d *Driver) actionTime(p Pair, byName map[string]*LD) (time.Time, string) {
	tgt, src := byName[p.Target], byName[p.Source]
	var s string
	switch {
	case tgt != nil && hasTime(tgt.Clone):
		s = tgt.Clone.LastAction
	case tgt != nil && src != nil && hasTime(src.Clone) && src.Clone.TargetSym == tgt.Sym:
		s = src.Clone.LastAction
	default:
		return time.Time{}, fmt.Sprintf("Device %s of pair %s has no time of last clone action.", p.Target, p)
	}
	t, err := ParseActionTime(s, d.env.Location)
	if err != nil {
		return time.Time{}, fmt.Sprintf("Device %s of pair %s: %v.", p.Target, p, err)
	}
	return t, ""
}

// hasTime tells whether symld shows a time of last clone action; it
// shows N/A for none (symcli's word for an empty field).
func hasTime(c *CloneInfo) bool {
	return c != nil && c.LastAction != "" && c.LastAction != "N/A"
}

var _ snapdrivers.Driver = (*Driver)(nil)
