package ietd

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

const gib = int64(1) << 30

// fixture builds plan inputs from a config text and a running state.
type fixture struct {
	t       *testing.T
	cfg     *targetconf.Config
	state   *State
	devices map[string]Device
	records *Records
}

func newFixture(t *testing.T, conf string) *fixture {
	t.Helper()
	cfg, err := targetconf.Parse(strings.NewReader(conf), "target.conf")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, cfg: cfg, state: &State{DiscoveryUsersKnown: true}, devices: map[string]Device{}, records: NewRecords()}
	for _, tg := range cfg.Targets {
		for _, l := range tg.LUNs {
			f.devices[l.Path] = Device{Size: 10 * gib}
		}
	}
	return f
}

// running adds a target as ietd 1.4.20 would show it after ietkit added
// it from the config: same LUNs and sizes, default options shown.
func (f *fixture) running(tid int, iqn string) {
	tg, ok := f.cfg.Target(iqn)
	t := Target{TID: tid, Name: iqn, Options: shownOptions(tg), UsersKnown: true}
	if ok {
		for _, l := range tg.LUNs {
			size := f.devices[l.Path].Size
			t.LUNs = append(t.LUNs, LUN{Number: l.Number, Path: l.Path, IOType: l.Type, IOMode: l.EffectiveIOMode(),
				Blocks: uint64(size / 512), BlockSize: 512, SizeKnown: true})
			f.records.LUNs[LUNKey(iqn, l.Number)] = LUNRecord{Path: l.Path, Params: l.Params(), Size: size, BlockSize: 512}
		}
		for _, u := range tg.Users {
			t.Users = append(t.Users, UserRef{u.Dir, u.Name})
			f.records.Users[UserKey(iqn, u.Dir, u.Name)] = Fingerprint(u.Secret)
		}
	}
	f.state.Targets = append(f.state.Targets, t)
}

// tgt returns the running target iqn, for a test to change it.
func (f *fixture) tgt(iqn string) *Target {
	t, ok := f.state.Target(iqn)
	if !ok {
		f.t.Fatalf("no running target %s", iqn)
	}
	return t
}

// shownOptions is what ietadm --op show prints for a target configured
// as tg says (defaults for what it does not set).
func shownOptions(tg *targetconf.Target) map[string]string {
	m := map[string]string{}
	for _, spec := range targetconf.Options() {
		if !spec.Live {
			continue
		}
		v := spec.Default
		if tg != nil {
			if x, ok := tg.Option(spec.Name); ok {
				v = x
			}
		}
		m[spec.Name] = spec.Shown(v)
	}
	return m
}

func (f *fixture) plan(opts PlanOptions) *Plan {
	f.t.Helper()
	p, err := ComputePlan(Inputs{Desired: f.cfg, Observed: f.state, Devices: f.devices, Records: f.records}, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

var planCmp = []cmp.Option{
	cmpopts.EquateComparable(netip.Prefix{}, netip.Addr{}),
	cmpopts.IgnoreFields(targetconf.LUN{}, "Pos"),
	cmpopts.IgnoreFields(targetconf.User{}, "Pos"),
	cmpopts.EquateEmpty(),
}

func expectActions(t *testing.T, p *Plan, want ...Action) {
	t.Helper()
	if diff := cmp.Diff(want, p.Actions, planCmp...); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}

func lun(cfg *targetconf.Config, iqn string, n int) targetconf.LUN {
	t, _ := cfg.Target(iqn)
	l, _ := t.LUN(n)
	return l
}

const (
	t1 = "iqn.2001-04.com.example:t1"
	t2 = "iqn.2001-04.com.example:t2"
)

const twoTargets = `prefix iqn.2001-04.com.example:
option MaxRecvDataSegmentLength 131072
target t1 198.51.100.10,198.51.100.64/26
  user incoming alice alicesecret-01
  lun 0 /dev/vg/t1_0
  lun 1 /dev/vg/t1_1 IOMode=wb
target t2
  lun 0 /dev/vg/t2_0
`

func TestPlanCreatesTarget(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.devices["/dev/vg/t2_0"] = Device{Size: 3 * gib}
	p := f.plan(PlanOptions{})
	expectActions(t, p,
		AddTarget{TID: 2, IQN: t2},
		SetOptions{TID: 2, IQN: t2, Options: []targetconf.Option{{Key: "MaxRecvDataSegmentLength", Value: "131072"}}},
		AddLUN{TID: 2, IQN: t2, LUN: lun(f.cfg, t2, 0), Size: 3 * gib},
	)
	if len(p.Refused) != 0 || len(p.Notes) != 0 {
		t.Errorf("refused %v, notes %v", p.Refused, p.Notes)
	}
}

func TestPlanCreatesEverythingOnEmptyTarget(t *testing.T) {
	f := newFixture(t, twoTargets)
	alice := f.cfg.Targets[0].Users[0]
	expectActions(t, f.plan(PlanOptions{}),
		AddTarget{TID: 1, IQN: t1},
		SetOptions{TID: 1, IQN: t1, Options: []targetconf.Option{{Key: "MaxRecvDataSegmentLength", Value: "131072"}}},
		AddUser{TID: 1, IQN: t1, User: alice},
		AddLUN{TID: 1, IQN: t1, LUN: lun(f.cfg, t1, 0), Size: 10 * gib},
		AddLUN{TID: 1, IQN: t1, LUN: lun(f.cfg, t1, 1), Size: 10 * gib},
		AddTarget{TID: 2, IQN: t2},
		SetOptions{TID: 2, IQN: t2, Options: []targetconf.Option{{Key: "MaxRecvDataSegmentLength", Value: "131072"}}},
		AddLUN{TID: 2, IQN: t2, LUN: lun(f.cfg, t2, 0), Size: 10 * gib},
	)
}

func TestPlanNoChange(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	p := f.plan(PlanOptions{Prune: true})
	expectActions(t, p)
	if !p.Empty() || len(p.Notes) > 0 || len(p.Refused) > 0 {
		t.Errorf("not empty: %+v", p)
	}
}

func TestPlanAllocatesTIDAfterHighest(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(7, t1)
	f.state.Targets = append(f.state.Targets, Target{TID: 3, Name: "iqn.2001-04.com.example:other"})
	p := f.plan(PlanOptions{})
	if a, ok := p.Actions[0].(AddTarget); !ok || a.TID != 8 {
		t.Errorf("first action %v, want add target as tid 8", p.Actions[0])
	}
}

func TestPlanResizesLUN(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	tg := f.tgt(t1)
	tg.Sessions = []Session{
		{SID: 10, Initiator: "iqn.1993-08.org.debian:01:a", Conns: []Conn{{CID: 0, IP: netip.MustParseAddr("198.51.100.10")}}},
		{SID: 11, Initiator: "iqn.1993-08.org.debian:01:b", Conns: []Conn{{CID: 0, IP: netip.MustParseAddr("198.51.100.70")}}},
		{SID: 12, Initiator: "iqn.1993-08.org.debian:01:c", Conns: []Conn{{CID: 1, IP: netip.MustParseAddr("2001:db8::7")}}},
	}
	f.devices["/dev/vg/t1_1"] = Device{Size: 12*gib + 100} // grew, not block aligned
	p := f.plan(PlanOptions{})
	expectActions(t, p, ResizeLUN{Readd{
		TID: 1, IQN: t1, LUN: lun(f.cfg, t1, 1), From: 10 * gib, To: 12*gib + 100,
		Block: []netip.Prefix{
			netip.MustParsePrefix("198.51.100.10/32"),
			netip.MustParsePrefix("198.51.100.64/26"),
			netip.MustParsePrefix("2001:db8::7/128"), // session address outside the allow list
		},
		Sessions: 3, Why: "device grew",
	}})
	got := p.Actions[0].String()
	want := "resize lun 1 of iqn.2001-04.com.example:t1: 10.0 GiB -> 12.0 GiB (blocks 198.51.100.10, 198.51.100.64/26, 2001:db8::7, closes 3 session(s))"
	if got != want {
		t.Errorf("String()\n got  %s\n want %s", got, want)
	}
}

func TestPlanIgnoresSubBlockGrowth(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	f.devices["/dev/vg/t2_0"] = Device{Size: 10*gib + 511}
	expectActions(t, f.plan(PlanOptions{}))
}

func TestPlanShrunkLUNIsResizedWithNote(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	f.devices["/dev/vg/t2_0"] = Device{Size: 8 * gib}
	p := f.plan(PlanOptions{})
	if len(p.Actions) != 1 || p.Actions[0].(ResizeLUN).Why != "device shrank" {
		t.Fatalf("actions %v", p.Actions)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "shrank from 10.0 GiB to 8.0 GiB") {
		t.Errorf("notes %v", p.Notes)
	}
}

// TestPlanOldIETSizes: IET before 1.4.20 shows no size. ietkit's record
// of the size it added the LUN with stands in; without one, the LUN is
// re-added once.
func TestPlanOldIETSizes(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	for i := range f.state.Targets {
		for j := range f.state.Targets[i].LUNs {
			l := &f.state.Targets[i].LUNs[j]
			l.Blocks, l.BlockSize, l.SizeKnown = 0, 0, false
		}
	}
	expectActions(t, f.plan(PlanOptions{})) // records match the devices

	f.devices["/dev/vg/t1_0"] = Device{Size: 11 * gib}
	delete(f.records.LUNs, LUNKey(t2, 0))
	p := f.plan(PlanOptions{})
	expectActions(t, p,
		ResizeLUN{Readd{TID: 1, IQN: t1, LUN: lun(f.cfg, t1, 0), From: 10 * gib, To: 11 * gib,
			Block: []netip.Prefix{netip.MustParsePrefix("198.51.100.10/32"), netip.MustParsePrefix("198.51.100.64/26")}, Why: "device grew"}},
		ResizeLUN{Readd{TID: 2, IQN: t2, LUN: lun(f.cfg, t2, 0), To: 10 * gib, Why: "served size unknown"}},
	)
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "re-adding it once") {
		t.Errorf("notes %v", p.Notes)
	}

	// A record of another path (the LUN was re-added by hand) is stale.
	f.records.LUNs[LUNKey(t2, 0)] = LUNRecord{Path: "/dev/vg/elsewhere", Size: 10 * gib, BlockSize: 512}
	p = f.plan(PlanOptions{})
	if got := p.Actions[len(p.Actions)-1].(ResizeLUN).Why; got != "served size unknown" {
		t.Errorf("stale record used: %s", got)
	}
}

func TestPlanReplacesChangedLUN(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	tg := f.tgt(t1)
	tg.LUNs[1].IOMode = "wt" // config says wb
	rec := f.records.LUNs[LUNKey(t1, 0)]
	rec.Params = "Path=/dev/vg/t1_0,Type=fileio,ScsiId=OLD"
	f.records.LUNs[LUNKey(t1, 0)] = rec
	p := f.plan(PlanOptions{})
	block := []netip.Prefix{netip.MustParsePrefix("198.51.100.10/32"), netip.MustParsePrefix("198.51.100.64/26")}
	expectActions(t, p,
		ReplaceLUN{Readd{TID: 1, IQN: t1, LUN: lun(f.cfg, t1, 0), From: 10 * gib, To: 10 * gib, Block: block, Why: "parameters -ScsiId=OLD"}},
		ReplaceLUN{Readd{TID: 1, IQN: t1, LUN: lun(f.cfg, t1, 1), From: 10 * gib, To: 10 * gib, Block: block, Why: "IOMode wt -> wb"}},
	)
}

func TestPlanPathChangeWithSessionsNeedsForce(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	tg := f.tgt(t2)
	tg.LUNs[0].Path = "/dev/vg/old"
	tg.Sessions = []Session{{SID: 1, Initiator: "iqn.x:host", Conns: []Conn{{IP: netip.MustParseAddr("198.51.100.30")}}}}
	p := f.plan(PlanOptions{})
	expectActions(t, p)
	if len(p.Refused) != 1 || !strings.Contains(p.Refused[0].String(), "path /dev/vg/old -> /dev/vg/t2_0: 1 session open (iqn.x:host): they would see other data") {
		t.Errorf("refused %v", p.Refused)
	}
	p = f.plan(PlanOptions{Force: true})
	if len(p.Actions) != 1 || p.Actions[0].Kind() != "replace-lun" {
		t.Errorf("with --force: %v", p.Actions)
	}
}

func TestPlanLeavesUnmanagedTarget(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	other := Target{TID: 5, Name: "iqn.2001-04.com.example:by-hand", LUNs: []LUN{{Number: 0, Path: "/srv/x"}}}
	f.state.Targets = append(f.state.Targets, other)

	p := f.plan(PlanOptions{})
	expectActions(t, p)
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "by-hand (tid 5) is not in the config: left alone") {
		t.Errorf("notes %v", p.Notes)
	}
	expectActions(t, f.plan(PlanOptions{Prune: true}), DeleteTarget{TID: 5, IQN: other.Name})

	sess := []Session{{SID: 9, Initiator: "iqn.x:h", Conns: []Conn{{CID: 0, IP: netip.MustParseAddr("198.51.100.9")}}}}
	f.state.Targets[2].Sessions = sess
	p = f.plan(PlanOptions{Prune: true})
	expectActions(t, p)
	if len(p.Refused) != 1 || !strings.Contains(p.Refused[0].String(), "1 session open (iqn.x:h); use --force") {
		t.Errorf("refused %v", p.Refused)
	}
	expectActions(t, f.plan(PlanOptions{Prune: true, Force: true}), DeleteTarget{TID: 5, IQN: other.Name, Sessions: sess})
}

func TestPlanPrunesLUN(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	tg := f.tgt(t2)
	tg.LUNs = append(tg.LUNs, LUN{Number: 4, Path: "/dev/vg/gone", IOType: "fileio"})
	expectActions(t, f.plan(PlanOptions{}))
	expectActions(t, f.plan(PlanOptions{Prune: true}), DeleteLUN{TID: 2, IQN: t2, LUN: 4, Path: "/dev/vg/gone"})
	tg.Sessions = []Session{{SID: 1, Initiator: "iqn.x:h"}}
	p := f.plan(PlanOptions{Prune: true})
	expectActions(t, p)
	if len(p.Refused) != 1 {
		t.Errorf("refused %v", p.Refused)
	}
	expectActions(t, f.plan(PlanOptions{Prune: true, Force: true}), DeleteLUN{TID: 2, IQN: t2, LUN: 4, Path: "/dev/vg/gone", Sessions: 1})
}

func TestPlanOptions(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	tg := f.tgt(t1)
	tg.Options["MaxRecvDataSegmentLength"] = "8192" // not applied yet
	tg.Options["InitialR2T"] = "No"                 // set by hand, not in the config
	expectActions(t, f.plan(PlanOptions{}), SetOptions{TID: 1, IQN: t1,
		Options: []targetconf.Option{{Key: "InitialR2T", Value: "Yes"}, {Key: "MaxRecvDataSegmentLength", Value: "131072"}},
		Was:     map[string]string{"InitialR2T": "No", "MaxRecvDataSegmentLength": "8192"},
	})

	// A daemon that cannot show options is compared with the records.
	tg.Options = nil
	f.state.Targets[1].Options = nil
	expectActions(t, f.plan(PlanOptions{}),
		SetOptions{TID: 1, IQN: t1, Options: []targetconf.Option{{Key: "MaxRecvDataSegmentLength", Value: "131072"}}},
		SetOptions{TID: 2, IQN: t2, Options: []targetconf.Option{{Key: "MaxRecvDataSegmentLength", Value: "131072"}}},
	)
	f.records.RememberOptions(f.cfg)
	expectActions(t, f.plan(PlanOptions{}))
	f.records.Options[t1]["Wthreads"] = "4" // ietkit set it earlier; the config dropped it
	expectActions(t, f.plan(PlanOptions{}), SetOptions{TID: 1, IQN: t1,
		Options: []targetconf.Option{{Key: "Wthreads", Value: "8"}}, Was: map[string]string{"Wthreads": "4"}})
}

func TestPlanUsers(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	tg := f.tgt(t1)
	alice := f.cfg.Targets[0].Users[0]
	tg.Users = append(tg.Users, UserRef{targetconf.Incoming, "mallory"})
	expectActions(t, f.plan(PlanOptions{}), DeleteUser{TID: 1, IQN: t1, Dir: targetconf.Incoming, Name: "mallory"})

	f.records.Users[UserKey(t1, targetconf.Incoming, "alice")] = "an old fingerprint"
	tg.Users = tg.Users[:1]
	expectActions(t, f.plan(PlanOptions{}), AddUser{TID: 1, IQN: t1, User: alice, Replace: true})

	// Unknown users (old IET): records stand in, and adds replace.
	tg.UsersKnown, tg.Users = false, nil
	delete(f.records.Users, UserKey(t1, targetconf.Incoming, "alice"))
	f.records.Users[UserKey(t1, targetconf.Outgoing, "gone")] = "x"
	expectActions(t, f.plan(PlanOptions{}),
		AddUser{TID: 1, IQN: t1, User: alice, Replace: true},
		DeleteUser{TID: 1, IQN: t1, Dir: targetconf.Outgoing, Name: "gone"},
	)
}

func TestPlanDiscoveryUsers(t *testing.T) {
	f := newFixture(t, "global IncomingUser disc discoverysecret1\n"+twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	u := f.cfg.DiscoveryUsers[0]
	expectActions(t, f.plan(PlanOptions{}), AddUser{TID: 0, User: u})
	if s := (AddUser{TID: 0, User: u}).String(); s != "add incoming user disc of discovery" {
		t.Errorf("String() = %q", s)
	}
}

func TestPlanMissingDevices(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.devices["/dev/vg/t1_1"] = Device{Err: errors.New("size of /dev/vg/t1_1: no such file or directory")}
	delete(f.devices, "/dev/vg/t2_0")
	_, err := ComputePlan(Inputs{Desired: f.cfg, Observed: f.state, Devices: f.devices, Records: f.records}, PlanOptions{})
	var de *PlanError
	if !errors.As(err, &de) || len(de.Problems) != 2 {
		t.Fatalf("err = %v", err)
	}
	for i, want := range []string{
		"target.conf:6: lun 1 of t1: size of /dev/vg/t1_1: no such file or directory",
		"target.conf:8: lun 0 of t2: size of /dev/vg/t2_0 was not read",
	} {
		if de.Problems[i] != want {
			t.Errorf("problem %d: %q, want %q", i, de.Problems[i], want)
		}
	}
}

func TestPlanFiles(t *testing.T) {
	f := newFixture(t, twoTargets)
	files := []File{
		{Path: "etc/iet/initiators.allow", Mode: 0o644, Want: []byte("a\n")},
		{Path: "etc/iet/initiators.deny", Mode: 0o644, Want: []byte("d\n"), Exists: true, Have: []byte("d\n"), HaveMode: 0o644},
		{Path: "etc/iet/ietd.conf", Mode: 0o600, Want: []byte("c\n"), Exists: true, Have: []byte("old\n"), HaveMode: 0o600, Secret: true},
		{Path: "etc/iet/other", Mode: 0o600, Want: []byte("c\n"), Exists: true, Have: []byte("c\n"), HaveMode: 0o644},
	}
	p, err := ComputePlan(Inputs{Desired: f.cfg, Files: files}, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expectActions(t, p,
		WriteFile{Path: "etc/iet/initiators.allow", Mode: 0o644, Content: []byte("a\n"), Why: "new"},
		WriteFile{Path: "etc/iet/ietd.conf", Mode: 0o600, Content: []byte("c\n"), Why: "changed", Secret: true},
		WriteFile{Path: "etc/iet/other", Mode: 0o600, Content: []byte("c\n"), Why: "mode"},
	)
}

func TestActionsNeverShowSecrets(t *testing.T) {
	f := newFixture(t, "global IncomingUser disc discoverysecret1\n"+twoTargets)
	for _, a := range f.plan(PlanOptions{}).Actions {
		if s := a.String(); strings.Contains(s, "secret") {
			t.Errorf("%s", s)
		}
	}
}
