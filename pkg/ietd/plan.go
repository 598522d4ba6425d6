package ietd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"sort"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Inputs is everything a plan is computed from. Planning reads nothing
// else: no files, no commands, no clock.
type Inputs struct {
	Desired *targetconf.Config
	// Observed is the running target; nil plans the files only (offline).
	Observed *State
	// Devices holds the current size of every LUN path of Desired.
	Devices map[string]Device
	// Records is what ietkit remembers (never nil; NewRecords if empty).
	Records *Records
	// Caps are the daemon's capabilities (zero value: IET's).
	Caps Capabilities
	// Files are the files ietd reads, as they are and as they should be.
	Files []File
}

// Device is the size of a LUN's backing device, or why it is unknown.
type Device struct {
	Size int64
	Err  error
}

// File is one file ietd reads.
type File struct {
	Path   string
	Mode   fs.FileMode
	Want   []byte
	Exists bool
	Have   []byte
	// HaveMode is the mode of the existing file.
	HaveMode fs.FileMode
	// Secret files hold CHAP secrets and are never shown.
	Secret bool
}

// PlanOptions are the user's choices.
type PlanOptions struct {
	// Prune deletes LUNs and targets the config no longer names.
	Prune bool
	// Force lets prune and path changes go ahead despite open sessions.
	Force bool
}

// Plan is an ordered list of actions, plus what was asked but refused
// and notes for the operator.
type Plan struct {
	Actions []Action
	Refused []Refusal
	Notes   []string
	applied bool
}

// Refusal is something the plan will not do, and why.
type Refusal struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

func (r Refusal) String() string { return r.What + ": " + r.Why }

// Empty tells whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Actions) == 0 }

// PlanError reports what stops planning: LUNs whose device cannot be
// sized, a config the daemon cannot hold. Nothing is planned then.
type PlanError struct {
	Problems []string
}

func (e *PlanError) Error() string {
	return "cannot plan: " + strings.Join(e.Problems, "; ")
}

// ComputePlan computes the plan that brings the running target (and the
// files) in line with the config. It is pure.
func ComputePlan(in Inputs, opts PlanOptions) (*Plan, error) {
	if in.Desired == nil {
		return nil, errors.New("plan: no config")
	}
	if in.Records == nil {
		in.Records = NewRecords()
	}
	p := &Plan{}
	for _, f := range in.Files {
		p.planFile(f)
	}
	if in.Observed == nil {
		return p, nil
	}
	var problems []string
	for _, t := range in.Desired.Targets {
		for _, l := range t.LUNs {
			d, ok := in.Devices[l.Path]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s: lun %d of %s: size of %s was not read", l.Pos, l.Number, t.Name, l.Path))
			case d.Err != nil:
				problems = append(problems, fmt.Sprintf("%s: lun %d of %s: %v", l.Pos, l.Number, t.Name, d.Err))
			}
		}
	}
	if in.Caps.GlobalAccounts {
		problems = append(problems, accountConflicts(in.Desired)...)
	}
	if len(problems) > 0 {
		return nil, &PlanError{Problems: problems}
	}

	pl := planner{in: in, opts: opts, p: p}
	if !in.Caps.NoDiscoveryAuth {
		pl.discoveryUsers()
	} else if len(in.Desired.DiscoveryUsers) > 0 {
		p.note("discovery CHAP accounts cannot be set on this target daemon: not applied")
	}
	nextTID := 1
	for _, t := range in.Observed.Targets {
		if t.TID >= nextTID {
			nextTID = t.TID + 1
		}
	}
	for _, t := range in.Desired.Targets {
		obs, ok := in.Observed.Target(t.IQN)
		if !ok {
			pl.newTarget(t, nextTID)
			nextTID++
			continue
		}
		pl.existingTarget(t, obs)
	}
	for _, obs := range in.Observed.Targets {
		if _, ok := in.Desired.Target(obs.Name); ok {
			continue
		}
		pl.unmanagedTarget(obs)
	}
	return p, nil
}

type planner struct {
	in   Inputs
	opts PlanOptions
	p    *Plan
}

func (p *Plan) add(a Action) { p.Actions = append(p.Actions, a) }
func (p *Plan) note(format string, args ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, args...))
}
func (p *Plan) refuse(what, format string, a ...any) {
	p.Refused = append(p.Refused, Refusal{what, fmt.Sprintf(format, a...)})
}

func (p *Plan) planFile(f File) {
	w := WriteFile{Path: f.Path, Mode: f.Mode, Content: f.Want, Secret: f.Secret}
	switch {
	case !f.Exists:
		w.Why = "new"
	case !bytes.Equal(f.Have, f.Want):
		w.Why = "changed"
	case f.HaveMode.Perm() != f.Mode.Perm():
		w.Why = "mode"
	default:
		return
	}
	p.add(w)
}

func (pl *planner) newTarget(t *targetconf.Target, tid int) {
	pl.p.add(AddTarget{TID: tid, IQN: t.IQN})
	var set []targetconf.Option
	for _, o := range t.Options {
		if spec, _ := targetconf.LookupOption(o.Key); spec.Live && pl.applicable(t, spec.Name) {
			set = append(set, o)
		}
	}
	if len(set) > 0 {
		pl.p.add(SetOptions{TID: tid, IQN: t.IQN, Options: set})
	}
	for _, o := range t.Options {
		if spec, _ := targetconf.LookupOption(o.Key); !spec.Live && pl.in.Caps.Options == nil {
			pl.p.note("%s of %s is written to ietd.conf but cannot be set on a running target: it takes effect when ietd restarts", o.Key, t.IQN)
		}
	}
	for _, u := range t.Users {
		pl.p.add(AddUser{TID: tid, IQN: t.IQN, User: u})
	}
	for _, l := range t.LUNs {
		pl.p.add(AddLUN{TID: tid, IQN: t.IQN, LUN: l, Size: pl.in.Devices[l.Path].Size})
	}
	// Initiators are let in once the LUNs are there.
	pl.acl(t, tid, nil)
}

// applicable tells whether the daemon takes option name; an option the
// config sets that it does not take is reported once per target.
func (pl *planner) applicable(t *targetconf.Target, name string) bool {
	if pl.in.Caps.Options == nil || pl.in.Caps.Options[name] {
		return true
	}
	if _, set := t.Option(name); set {
		pl.p.note("option %s of %s does not apply to the target daemon: not set", name, t.IQN)
	}
	return false
}

// acl plans the live ACL of a target (daemons with LiveACL only).
func (pl *planner) acl(t *targetconf.Target, tid int, have []string) {
	if !pl.in.Caps.LiveACL {
		return
	}
	want, rest := ACLEntries(t.Allow)
	for _, r := range rest {
		pl.p.note("initiator pattern %s of %s cannot be expressed as an ACL entry of the target daemon: initiators it matches cannot log in", r, t.IQN)
	}
	bind, unbind := aclDiff(want, have)
	if len(bind)+len(unbind) > 0 {
		pl.p.add(SetACL{TID: tid, IQN: t.IQN, Bind: bind, Unbind: unbind})
	}
}

// accountConflicts reports account names given two secrets, which a
// daemon with one namespace of accounts cannot hold.
func accountConflicts(c *targetconf.Config) []string {
	type seen struct {
		secret targetconf.Secret
		pos    targetconf.Pos
	}
	first := map[string]seen{}
	var out []string
	check := func(users []targetconf.User) {
		for _, u := range users {
			if f, ok := first[u.Name]; ok && f.secret != u.Secret {
				out = append(out, fmt.Sprintf("%s: user %s has another secret than at %s; the target daemon keeps one password per account name", u.Pos, u.Name, f.pos))
				continue
			}
			if _, ok := first[u.Name]; !ok {
				first[u.Name] = seen{u.Secret, u.Pos}
			}
		}
	}
	check(c.DiscoveryUsers)
	for _, t := range c.Targets {
		check(t.Users)
	}
	return out
}

func (pl *planner) existingTarget(t *targetconf.Target, obs *Target) {
	pl.options(t, obs)
	pl.users(obs.TID, t.IQN, t.Users, obs.UsersKnown, obs.Users)
	if obs.ACLKnown {
		pl.acl(t, obs.TID, obs.ACL)
	}
	var readds []Action
	for _, l := range t.LUNs {
		have, ok := obs.LUN(l.Number)
		if !ok {
			pl.p.add(AddLUN{TID: obs.TID, IQN: t.IQN, LUN: l, Size: pl.in.Devices[l.Path].Size})
			continue
		}
		if a := pl.readd(t, obs, l, have); a != nil {
			readds = append(readds, a)
		}
	}
	pl.p.Actions = append(pl.p.Actions, readds...)
	for _, have := range obs.LUNs {
		if _, ok := t.LUN(have.Number); ok {
			continue
		}
		what := fmt.Sprintf("delete lun %d of %s (%s)", have.Number, t.IQN, have.describe())
		switch {
		case !pl.opts.Prune:
			pl.p.note("lun %d of %s (%s) is not in the config: left alone (--prune deletes it)", have.Number, t.IQN, have.describe())
		case len(obs.Sessions) > 0 && !pl.opts.Force:
			pl.p.refuse(what, "%s open (%s); use --force to delete it anyway", sessionCount(len(obs.Sessions)), initiators(obs.Sessions))
		default:
			pl.p.add(DeleteLUN{TID: obs.TID, IQN: t.IQN, LUN: have.Number, Path: have.describe(), Sessions: len(obs.Sessions)})
		}
	}
}

// readd decides whether a LUN that exists must be re-added, and how.
func (pl *planner) readd(t *targetconf.Target, obs *Target, want targetconf.LUN, have *LUN) Action {
	dev := pl.in.Devices[want.Path].Size
	rec, hasRec := pl.in.Records.LUNs[LUNKey(t.IQN, want.Number)]
	if hasRec && rec.Path != have.Path {
		hasRec = false // someone re-added it by hand: the record is stale
	}
	if hasRec && !have.SizeKnown && !have.approxMatches(rec.Size) {
		// The daemon's rough size disagrees: re-added by hand since.
		pl.p.note("lun %d of %s: ietkit recorded %s but the target daemon serves about %s: the record is stale", want.Number, t.IQN, HumanSize(rec.Size), HumanSize(have.Approx))
		hasRec = false
	}
	r := Readd{TID: obs.TID, IQN: t.IQN, LUN: want, To: dev, Block: blockPrefixes(t, obs), Sessions: len(obs.Sessions)}

	var changes []string
	if have.Path != want.Path {
		changes = append(changes, fmt.Sprintf("path %s -> %s", have.Path, want.Path))
	}
	if have.IOType != want.Type {
		changes = append(changes, fmt.Sprintf("Type %s -> %s", have.IOType, want.Type))
	}
	if have.IOMode != "" && have.IOMode != want.EffectiveIOMode() {
		changes = append(changes, fmt.Sprintf("IOMode %s -> %s", have.IOMode, want.EffectiveIOMode()))
	}
	if want.BlockSize != 0 && have.BlockSize != 0 && int(have.BlockSize) != want.BlockSize {
		changes = append(changes, fmt.Sprintf("BlockSize %d -> %d", have.BlockSize, want.BlockSize))
	}
	if want.ScsiID != "" && have.ScsiID != "" && have.ScsiID != want.ScsiID {
		changes = append(changes, fmt.Sprintf("ScsiId %s -> %s", have.ScsiID, want.ScsiID))
	}
	if want.ScsiSN != "" && have.ScsiSN != "" && have.ScsiSN != want.ScsiSN {
		changes = append(changes, fmt.Sprintf("ScsiSN %s -> %s", have.ScsiSN, want.ScsiSN))
	}
	if hasRec && rec.Params != want.Params() && len(changes) == 0 {
		changes = append(changes, "parameters "+paramDiff(rec.Params, want.Params()))
	}

	served, bs := int64(0), int64(0)
	switch {
	case have.SizeKnown:
		served, bs = have.Size(), int64(have.BlockSize)
	case hasRec:
		served, bs = rec.Size, int64(rec.BlockSize)
	}
	if bs == 0 {
		bs = 512
	}
	r.From = served
	sizeKnown := have.SizeKnown || hasRec

	if len(changes) > 0 {
		r.Why = strings.Join(changes, ", ")
		if have.Path != want.Path && len(obs.Sessions) > 0 && !pl.opts.Force {
			pl.p.refuse(fmt.Sprintf("re-add lun %d of %s with %s", want.Number, t.IQN, r.Why),
				"%s open (%s): they would see other data under the same LUN; use --force", sessionCount(len(obs.Sessions)), initiators(obs.Sessions))
			return nil
		}
		return ReplaceLUN{r}
	}
	if !sizeKnown {
		r.Why = "served size unknown"
		pl.p.note("lun %d of %s: %s does not show the size it serves and ietkit did not add it: re-adding it once so that its size is known", want.Number, t.IQN, "the target daemon")
		return ResizeLUN{r}
	}
	if dev/bs*bs == served {
		return nil
	}
	if dev < served {
		r.Why = "device shrank"
		pl.p.note("lun %d of %s: %s shrank from %s to %s; initiators lose access to the data beyond the new end", want.Number, t.IQN, want.Path, HumanSize(served), HumanSize(dev))
	} else {
		r.Why = "device grew"
	}
	return ResizeLUN{r}
}

// blockPrefixes are the prefixes to block while a target's LUNs are
// re-added: its allow list's addresses and networks, and the addresses of
// open sessions that the allow list does not cover (IQN-matched or ALL).
func blockPrefixes(t *targetconf.Target, obs *Target) []netip.Prefix {
	out := targetconf.Prefixes(t.Allow)
	for _, a := range obs.SessionAddrs() {
		covered := false
		for _, p := range out {
			if p.Contains(a) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Addr() != out[j].Addr() {
			return out[i].Addr().Less(out[j].Addr())
		}
		return out[i].Bits() < out[j].Bits()
	})
	return out
}

// options plans option changes of an existing target. Options the daemon
// shows are compared with it; the others with what ietkit last set.
func (pl *planner) options(t *targetconf.Target, obs *Target) {
	rec := pl.in.Records.Options[strings.ToLower(t.IQN)]
	explicit := map[string]string{}
	for _, o := range t.Options {
		explicit[o.Key] = o.Value
	}
	var set []targetconf.Option
	was := map[string]string{}
	for _, spec := range targetconf.Options() {
		want, isSet := explicit[spec.Name]
		recVal, inRec := rec[spec.Name]
		if spec.Live && !pl.applicable(t, spec.Name) {
			continue
		}
		if !spec.Live {
			if pl.in.Caps.Options != nil {
				if isSet {
					pl.p.note("option %s of %s does not apply to the target daemon: not set", spec.Name, t.IQN)
				}
				continue
			}
			if (isSet || inRec) && want != recVal && (rec != nil || isSet) {
				pl.p.note("%s of %s changes in ietd.conf only: it takes effect when ietd restarts", spec.Name, t.IQN)
			}
			continue
		}
		if !isSet {
			want = spec.Default
		}
		if have, shown := obs.Options[spec.Name]; shown && spec.Comparable {
			if have != spec.Shown(want) {
				set = append(set, targetconf.Option{Key: spec.Name, Value: want})
				was[spec.Name] = have
			}
			continue
		}
		switch {
		case isSet && (!inRec || recVal != want):
			set = append(set, targetconf.Option{Key: spec.Name, Value: want})
		case !isSet && inRec && recVal != want:
			set = append(set, targetconf.Option{Key: spec.Name, Value: want})
			was[spec.Name] = recVal
		}
	}
	if len(set) > 0 {
		if len(was) == 0 {
			was = nil
		}
		pl.p.add(SetOptions{TID: obs.TID, IQN: t.IQN, Options: set, Was: was})
	}
}

// users plans CHAP accounts. Where the daemon cannot list them, what
// ietkit added before stands in, and every add replaces (an IET account
// added twice would be kept twice).
func (pl *planner) users(tid int, iqn string, want []targetconf.User, known bool, have []UserRef) {
	present := map[UserRef]bool{}
	if known {
		for _, u := range have {
			present[u] = true
		}
	} else {
		prefix := userKeyPrefix(iqn)
		for k := range pl.in.Records.Users {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				dir, name, _ := strings.Cut(rest, "/")
				present[UserRef{targetconf.Direction(dir), name}] = true
			}
		}
	}
	wanted := map[UserRef]bool{}
	for _, u := range want {
		ref := UserRef{u.Dir, u.Name}
		wanted[ref] = true
		fp := pl.in.Records.Users[UserKey(iqn, u.Dir, u.Name)]
		switch {
		case !present[ref]:
			pl.p.add(AddUser{TID: tid, IQN: iqn, User: u, Replace: !known})
		case fp != Fingerprint(u.Secret):
			pl.p.add(AddUser{TID: tid, IQN: iqn, User: u, Replace: true})
		}
	}
	refs := make([]UserRef, 0, len(present))
	for r := range present {
		if !wanted[r] {
			refs = append(refs, r)
		}
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Dir != refs[j].Dir {
			return refs[i].Dir < refs[j].Dir
		}
		return refs[i].Name < refs[j].Name
	})
	for _, r := range refs {
		pl.p.add(DeleteUser{TID: tid, IQN: iqn, Dir: r.Dir, Name: r.Name})
	}
}

func (pl *planner) discoveryUsers() {
	pl.users(0, "", pl.in.Desired.DiscoveryUsers, pl.in.Observed.DiscoveryUsersKnown, pl.in.Observed.DiscoveryUsers)
}

func (pl *planner) unmanagedTarget(obs Target) {
	what := fmt.Sprintf("delete target %s (tid %d)", obs.Name, obs.TID)
	switch {
	case !pl.opts.Prune:
		pl.p.note("target %s (tid %d) is not in the config: left alone (--prune deletes it)", obs.Name, obs.TID)
	case len(obs.Sessions) > 0 && !pl.opts.Force:
		pl.p.refuse(what, "%s open (%s); use --force to close them and delete it", sessionCount(len(obs.Sessions)), initiators(obs.Sessions))
	default:
		a := DeleteTarget{TID: obs.TID, IQN: obs.Name}
		if len(obs.Sessions) > 0 {
			a.Sessions = obs.Sessions
		}
		pl.p.add(a)
	}
}

func sessionCount(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}

func initiators(ss []Session) string {
	var names []string
	for _, s := range ss {
		names = append(names, s.Initiator)
	}
	return strings.Join(names, ", ")
}

// paramDiff shows which Key=Value items differ between two param strings.
func paramDiff(old, new string) string {
	o, n := strings.Split(old, ","), strings.Split(new, ",")
	in := func(s string, list []string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	var parts []string
	for _, x := range o {
		if !in(x, n) {
			parts = append(parts, "-"+x)
		}
	}
	for _, x := range n {
		if !in(x, o) {
			parts = append(parts, "+"+x)
		}
	}
	return strings.Join(parts, " ")
}
