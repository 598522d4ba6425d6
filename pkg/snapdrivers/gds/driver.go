package gds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Kind is the type keyword of a GDS proxy sync resource.
const Kind = "gdsproxy"

// The defaults of the keywords.
const (
	DefaultCopyTimeout  = time.Hour
	DefaultPollInterval = 30 * time.Second
)

// Pair is a master volume and its proxy volume, both in the resource's
// class.
type Pair struct {
	Master string
	Proxy  string
}

// Driver drives the proxy volumes of one sync resource.
type Driver struct {
	env          snapdrivers.Env
	class        string
	pairs        []Pair
	copyTimeout  time.Duration
	pollInterval time.Duration
	pjrm         bool
}

var _ snapdrivers.Driver = (*Driver)(nil)

// New reads the resource's keywords from sec (see the package doc). It
// reports every bad keyword at once, each naming file:line.
func New(sec *snapdrivers.Section, env snapdrivers.Env) (*Driver, error) {
	d := &Driver{env: env}
	var errs []error

	class, err := sec.Required("class", "the GDS class of the master and proxy volumes (sdxproxy -c)")
	if err != nil {
		errs = append(errs, err)
	} else if why := badName(class); why != "" {
		errs = append(errs, sec.Errorf("class", "%q: %s", class, why))
	}
	d.class = class

	if _, err := sec.Required("pairs", "MASTER:PROXY volume names, e.g. Volume1:Volume2"); err != nil {
		errs = append(errs, err)
	} else {
		d.pairs, err = parsePairs(sec)
		if err != nil {
			errs = append(errs, err)
		}
	}

	d.copyTimeout, err = sec.Seconds("copy_timeout", DefaultCopyTimeout)
	if err != nil {
		errs = append(errs, err)
	} else if d.copyTimeout < time.Second {
		errs = append(errs, sec.Errorf("copy_timeout", "%s: want 1 second or more", d.copyTimeout))
	}
	d.pollInterval, err = sec.Seconds("poll_interval", DefaultPollInterval)
	if err != nil {
		errs = append(errs, err)
	} else if d.pollInterval < time.Second {
		// The GDS guide warns against running sdxinfo continuously
		// (facts 2.4).
		errs = append(errs, sec.Errorf("poll_interval", "%s: want 1 second or more: sdxinfo must not run continuously", d.pollInterval))
	} else if d.copyTimeout >= time.Second && d.pollInterval > d.copyTimeout {
		errs = append(errs, sec.Errorf("poll_interval", "%s is longer than copy_timeout (%s)", d.pollInterval, d.copyTimeout))
	}
	d.pjrm, err = sec.Bool("pjrm", false)
	if err != nil {
		errs = append(errs, err)
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

func parsePairs(sec *snapdrivers.Section) ([]Pair, error) {
	var pairs []Pair
	role := map[string]string{} // volume -> "master" or "proxy", to catch reuse
	for _, f := range sec.Fields("pairs") {
		m, p, ok := strings.Cut(f, ":")
		if !ok || strings.Contains(p, ":") {
			return nil, sec.Errorf("pairs", "%q: want MASTER:PROXY, e.g. Volume1:Volume2", f)
		}
		for _, name := range []string{m, p} {
			if why := badName(name); why != "" {
				return nil, sec.Errorf("pairs", "%q: volume name %q: %s", f, name, why)
			}
		}
		if m == p {
			return nil, sec.Errorf("pairs", "%q: a volume cannot be its own proxy", f)
		}
		if r, dup := role[p]; dup {
			return nil, sec.Errorf("pairs", "%q: %s is already given as a %s", f, p, r)
		}
		if r, dup := role[m]; dup && r == "proxy" {
			return nil, sec.Errorf("pairs", "%q: %s is already given as a proxy", f, m)
		}
		// A master may have several proxies (GDS allows it), so a master
		// seen again is fine.
		role[m], role[p] = "master", "proxy"
		pairs = append(pairs, Pair{Master: m, Proxy: p})
	}
	return pairs, nil
}

// badName says why name cannot be a GDS object name in a service file,
// or "" when it can. Only the characters that would break a command
// line or sdxinfo's columns are refused; GDS's own naming rules are
// left to GDS.
func badName(name string) string {
	switch {
	case name == "":
		return "empty"
	case name == fieldNone:
		return `"*" is what sdxinfo prints for no object`
	case strings.HasPrefix(name, "-"):
		return "starts with '-': sdx commands would read it as an option"
	case strings.ContainsAny(name, ",:*"):
		return "',', ':' and '*' separate lists, pairs and empty fields"
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "blanks and control characters would shift sdxinfo's columns"
	}
	return ""
}

// Kind implements snapdrivers.Driver.
func (d *Driver) Kind() string { return Kind }

// Pairs returns the configured pairs, in order.
func (d *Driver) Pairs() []Pair { return slices.Clone(d.pairs) }

func (d *Driver) proxies() []string {
	ps := make([]string, len(d.pairs))
	for i, p := range d.pairs {
		ps[i] = p.Proxy
	}
	return ps
}

// Plan implements snapdrivers.Driver. Resync and update rejoin only the
// proxies found parted; the plan lists them all.
func (d *Driver) Plan(action snapdrivers.Action) ([]snapdrivers.Step, error) {
	check := []snapdrivers.Step{d.volumesStep(), d.slicesStep("status of every slice of the class")}
	switch action {
	case snapdrivers.ActionResync, snapdrivers.ActionUpdate:
		return append(check, d.rejoinStep(d.proxies()), d.slicesStep(d.waitNote())), nil
	case snapdrivers.ActionBreak:
		return append(check, d.partStep(d.proxies())), nil
	case snapdrivers.ActionStatus:
		return check, nil
	}
	return nil, fmt.Errorf("action %q: %w", action, snapdrivers.ErrNotSupported)
}

// Resync implements snapdrivers.Driver: rejoin the parted proxies and
// wait for the copy to end.
func (d *Driver) Resync(ctx context.Context) error { return d.rejoin(ctx) }

// Update implements snapdrivers.Driver; for GDS it is Resync.
func (d *Driver) Update(ctx context.Context) error { return d.rejoin(ctx) }

// Break implements snapdrivers.Driver: part the proxies, after checking
// that each is joined to its master and all its slices are STOP (seed
// 004 step 3-1). Nothing is parted unless every proxy passes.
func (d *Driver) Break(ctx context.Context) error {
	v, err := d.query(ctx)
	if err != nil {
		return fmt.Errorf("break: %w", err)
	}
	var refusals []error
	for _, p := range d.pairs {
		pv, err := v.relation(d.class, p)
		if err != nil {
			refusals = append(refusals, err)
			continue
		}
		if pv.Proxy != proxyJoined {
			refusals = append(refusals, stateErrorf(ErrNotJoined,
				"proxy volume %s is not joined to %s: sdxinfo shows PROXY %s; resync it before taking a new snapshot",
				p.Proxy, p.Master, pv.Proxy))
			continue
		}
		refusals = append(refusals, v.allStop(p)...)
	}
	if len(refusals) > 0 {
		return fmt.Errorf("break refused, nothing parted: %w", errors.Join(refusals...))
	}
	if _, err := d.run(ctx, d.partStep(d.proxies())); err != nil {
		return fmt.Errorf("break: part %s: %w", strings.Join(d.proxies(), ","), err)
	}
	return nil
}

// rejoin is Resync and Update: check every proxy, rejoin those parted
// in one call, and wait until the slices of every proxy are STOP.
func (d *Driver) rejoin(ctx context.Context) error {
	v, err := d.query(ctx)
	if err != nil {
		return fmt.Errorf("resync: %w", err)
	}
	var refusals []error
	var parted, joined []string
	for _, p := range d.pairs {
		pv, err := v.relation(d.class, p)
		if err != nil {
			refusals = append(refusals, err)
			continue
		}
		sl := v.slices[p.Proxy]
		if len(sl) == 0 {
			refusals = append(refusals, noSlice(p.Proxy))
			continue
		}
		if pv.Proxy == proxyJoined {
			// Already joined: nothing to rejoin, but a copy still
			// running is waited for below, and a broken slice refused.
			for _, s := range sl {
				if s.Status != sliceStop && s.Status != sliceCopy {
					refusals = append(refusals, stateErrorf(ErrSliceNotValid,
						"slice %s of joined proxy volume %s is %s, not STOP or COPY%s", s.Name(), p.Proxy, s.Status, repairHint(s.Status)))
				}
			}
			joined = append(joined, p.Proxy)
			continue
		}
		bad := false
		for _, s := range sl {
			switch s.Status {
			case sliceStop:
			case sliceActive:
				bad = true
				refusals = append(refusals, stateErrorf(ErrProxyStarted,
					"proxy volume %s is parted and started (slice %s is ACTIVE): it is in use; stop it (sdxvolume -F -c %s -v %s) once nothing uses it, then resync",
					p.Proxy, s.Name(), d.class, p.Proxy))
			default:
				bad = true
				refusals = append(refusals, stateErrorf(ErrSliceNotValid,
					"slice %s of parted proxy volume %s is %s, not STOP%s", s.Name(), p.Proxy, s.Status, repairHint(s.Status)))
			}
			if bad {
				break
			}
		}
		if !bad {
			parted = append(parted, p.Proxy)
		}
	}
	if len(refusals) > 0 {
		return fmt.Errorf("resync refused, nothing rejoined: %w", errors.Join(refusals...))
	}
	var initial map[string][]Slice
	if len(parted) > 0 {
		if len(joined) > 0 {
			d.env.Exec.Log.Info(fmt.Sprintf("%s already joined, not rejoined", strings.Join(joined, ",")))
		}
		if _, err := d.run(ctx, d.rejoinStep(parted)); err != nil {
			return fmt.Errorf("resync: rejoin %s: %w", strings.Join(parted, ","), err)
		}
	} else {
		d.env.Exec.Log.Info("every proxy volume is already joined, nothing to rejoin")
		initial = v.slices
	}
	if err := d.waitCopy(ctx, initial); err != nil {
		return fmt.Errorf("resync: %w", err)
	}
	return nil
}

// waitCopy polls sdxinfo -S until every slice of every proxy is STOP
// (seed 004 step 8-2), at most copy_timeout. It starts from initial
// when given (a listing already taken), else polls first. The time
// waited is the sum of the sleeps, not the clock, so that an injected
// clock cannot make it wait forever.
func (d *Driver) waitCopy(ctx context.Context, initial map[string][]Slice) error {
	announced := false
	announce := func() {
		if !announced {
			d.env.Exec.Log.Info(fmt.Sprintf("waiting for the copy to the proxy volumes to end, slices COPY then STOP (max %s)", secs(d.copyTimeout)))
			announced = true
		}
	}
	sl := initial
	var waited time.Duration
	for {
		if sl == nil {
			announce()
			var err error
			if sl, err = d.querySlices(ctx, d.slicesStep(d.waitNote())); err != nil {
				return err
			}
		}
		copying, err := d.copying(sl)
		if err != nil {
			return err
		}
		if len(copying) == 0 {
			if announced {
				d.env.Exec.Log.Info(fmt.Sprintf("copy ended: every slice of %s is STOP", strings.Join(d.proxies(), ",")))
			}
			return nil
		}
		announce()
		if waited >= d.copyTimeout {
			return stateErrorf(ErrCopyTimeout, "slices still in COPY after %s (copy_timeout): %s",
				secs(d.copyTimeout), strings.Join(copying, ", "))
		}
		pause := min(d.pollInterval, d.copyTimeout-waited)
		if err := d.env.Sleep(ctx, pause); err != nil {
			return fmt.Errorf("waiting for the copy to end (%s): %w", strings.Join(copying, ", "), err)
		}
		waited += pause
		sl = nil
	}
}

// copying returns the slices of the proxies still in COPY, or an error
// naming every slice in a state a copy does not go through.
func (d *Driver) copying(sl map[string][]Slice) ([]string, error) {
	var copying []string
	var failed []error
	for _, p := range d.pairs {
		ps := sl[p.Proxy]
		if len(ps) == 0 {
			failed = append(failed, stateErrorf(ErrCopyFailed, "proxy volume %s has no slice in sdxinfo -S any more", p.Proxy))
		}
		for _, s := range ps {
			switch s.Status {
			case sliceStop:
			case sliceCopy:
				copying = append(copying, s.Name())
			default:
				failed = append(failed, stateErrorf(ErrCopyFailed,
					"slice %s of proxy volume %s is %s: the copy from %s did not end normally (COPY, then STOP)%s",
					s.Name(), p.Proxy, s.Status, p.Master, repairHint(s.Status)))
			}
		}
	}
	if len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	return copying, nil
}

// Status implements snapdrivers.Driver, from one volume listing and one
// slice listing of the class whatever the number of pairs. GDS reports
// no sync time: HasTime is false and the parent's own record dates the
// copies. The rules are in the package doc.
func (d *Driver) Status(ctx context.Context) (snapdrivers.ArrayStatus, error) {
	st := snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down}
	v, err := d.query(ctx)
	if err != nil {
		return st, fmt.Errorf("status: %w", err)
	}
	var down, warn, joined, parted []string
	for _, p := range d.pairs {
		ps := snapdrivers.PairStatus{Source: p.Master, Target: p.Proxy}
		pv, err := v.relation(d.class, p)
		if err != nil {
			down = append(down, err.Error())
			ps.State = "missing"
			if found, ok := v.volumes[p.Proxy]; ok {
				ps.State = found.Proxy
			}
			st.Pairs = append(st.Pairs, ps)
			continue
		}
		sl := v.slices[p.Proxy]
		ps.State = pv.Proxy + "/" + summary(sl)
		st.Pairs = append(st.Pairs, ps)
		if pv.Proxy == proxyJoined {
			joined = append(joined, p.Proxy)
		} else {
			parted = append(parted, p.Proxy)
		}
		if len(sl) == 0 {
			down = append(down, noSlice(p.Proxy).Error())
		}
		for _, s := range sl {
			switch {
			case s.Status == sliceStop:
			case s.Status == sliceActive && pv.Proxy == proxyParted:
			case s.Status == sliceActive:
				down = append(down, fmt.Sprintf("slice %s of joined proxy volume %s is ACTIVE: a joined proxy cannot be in use", s.Name(), p.Proxy))
			case s.Status == sliceCopy:
				warn = append(warn, fmt.Sprintf("slice %s of proxy volume %s is COPY: a copy from %s is in progress", s.Name(), p.Proxy, p.Master))
			case s.Status == sliceInvalid || s.Status == sliceNoUse:
				down = append(down, fmt.Sprintf("slice %s of proxy volume %s is %s%s", s.Name(), p.Proxy, s.Status, repairHint(s.Status)))
			default:
				down = append(down, fmt.Sprintf("slice %s of proxy volume %s is %s, not STOP or ACTIVE", s.Name(), p.Proxy, s.Status))
			}
		}
	}
	if len(joined) > 0 && len(parted) > 0 {
		warn = append(warn, fmt.Sprintf("proxy volumes are not all in the same state: %s joined, %s parted: the copies are not one snapshot",
			strings.Join(joined, ","), strings.Join(parted, ",")))
	}
	st.Problems = append(down, warn...)
	if len(down) == 0 && len(warn) > 0 {
		st.ProblemState = snapdrivers.Warn
	}
	return st, nil
}

// view is the class as one sdxinfo -V and one sdxinfo -S show it.
type view struct {
	volumes map[string]Volume
	slices  map[string][]Slice // by volume
}

func (d *Driver) query(ctx context.Context) (*view, error) {
	step := d.volumesStep()
	out, err := d.run(ctx, step)
	if err != nil {
		return nil, err
	}
	vols, err := ParseVolumes(out.Stdout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(step.Argv, " "), err)
	}
	v := &view{volumes: map[string]Volume{}}
	for _, vol := range vols {
		if vol.Class == d.class {
			v.volumes[vol.Name] = vol
		}
	}
	v.slices, err = d.querySlices(ctx, d.slicesStep("status of every slice of the class"))
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (d *Driver) querySlices(ctx context.Context, step snapdrivers.Step) (map[string][]Slice, error) {
	out, err := d.run(ctx, step)
	if err != nil {
		return nil, err
	}
	sl, err := ParseSlices(out.Stdout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(step.Argv, " "), err)
	}
	byVol := map[string][]Slice{}
	for _, s := range sl {
		if s.Class == d.class {
			byVol[s.Volume] = append(byVol[s.Volume], s)
		}
	}
	return byVol, nil
}

// run runs step; an sdx command that exits 0 but prints an error line
// fails too.
func (d *Driver) run(ctx context.Context, step snapdrivers.Step) (snapdrivers.Output, error) {
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		return out, err
	}
	if line, ok := sdxError(out); ok {
		return out, d.env.Exec.Fail(step, out, "exited 0 but printed an error: "+line)
	}
	return out, nil
}

// relation checks that p's volumes are in the class and that p.Proxy is
// the proxy of p.Master, joined or parted; it returns the proxy's row.
func (v *view) relation(class string, p Pair) (Volume, error) {
	pv, ok := v.volumes[p.Proxy]
	if !ok {
		return pv, stateErrorf(ErrVolumeMissing, "proxy volume %s is not in class %s", p.Proxy, class)
	}
	if pv.Master == fieldNone {
		return pv, stateErrorf(ErrNotProxyOfMaster, "volume %s is not a proxy volume (sdxinfo shows MASTER * and PROXY %s), want the proxy of %s",
			p.Proxy, pv.Proxy, p.Master)
	}
	if pv.Master != p.Master {
		return pv, stateErrorf(ErrNotProxyOfMaster, "proxy volume %s is the proxy of %s, not of %s", p.Proxy, pv.Master, p.Master)
	}
	if _, ok := v.volumes[p.Master]; !ok {
		return pv, stateErrorf(ErrVolumeMissing, "master volume %s is not in class %s", p.Master, class)
	}
	if pv.Proxy != proxyJoined && pv.Proxy != proxyParted {
		return pv, stateErrorf(ErrNotProxyOfMaster, "proxy volume %s shows PROXY %s, neither Join nor Part", p.Proxy, pv.Proxy)
	}
	return pv, nil
}

// allStop refuses every slice of p's proxy that is not STOP, and a proxy
// without slices.
func (v *view) allStop(p Pair) []error {
	sl := v.slices[p.Proxy]
	if len(sl) == 0 {
		return []error{noSlice(p.Proxy)}
	}
	var errs []error
	for _, s := range sl {
		if s.Status == sliceStop {
			continue
		}
		hint := repairHint(s.Status)
		if s.Status == sliceCopy {
			hint = fmt.Sprintf(": the copy from %s is still running", p.Master)
		}
		errs = append(errs, stateErrorf(ErrSliceNotValid, "slice %s of proxy volume %s is %s, not STOP%s", s.Name(), p.Proxy, s.Status, hint))
	}
	return errs
}

func noSlice(proxy string) error {
	return stateErrorf(ErrSliceNotValid, "proxy volume %s has no slice in sdxinfo -S", proxy)
}

// repairHint points at the guide's procedure for the slice states it
// calls abnormal (seed 004 step 3-1).
func repairHint(status string) string {
	if status == sliceInvalid || status == sliceNoUse {
		return ": repair it (GDS guide, \"Slice Status Abnormality\")"
	}
	return ""
}

// summary is the distinct statuses of a proxy's slices, for PairStatus.
func summary(sl []Slice) string {
	if len(sl) == 0 {
		return "no slice"
	}
	var st []string
	for _, s := range sl {
		st = append(st, s.Status)
	}
	slices.Sort(st)
	return strings.Join(slices.Compact(st), "+")
}

// secs writes a duration the way the original's wait messages do
// ("max 300 secs").
func secs(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d secs", d/time.Second)
	}
	return d.String()
}
