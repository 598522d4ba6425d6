package ietd

import (
	"errors"
	"strings"
	"testing"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// tgtCaps are the capabilities of a daemon like tgt.
var tgtCaps = Capabilities{
	LiveACL:         true,
	Options:         map[string]bool{"MaxRecvDataSegmentLength": true, "InitialR2T": true, "ImmediateData": true},
	GlobalAccounts:  true,
	NoDiscoveryAuth: true,
}

func (f *fixture) planCaps(caps Capabilities, opts PlanOptions) (*Plan, error) {
	return ComputePlan(Inputs{Desired: f.cfg, Observed: f.state, Devices: f.devices, Records: f.records, Caps: caps}, opts)
}

func TestPlanLiveACL(t *testing.T) {
	f := newFixture(t, twoTargets+`target t3 "iqn\.1993-08\.org\.debian:01:host1","iqn\.1993-08\.org\.debian:.*"
  lun 0 /dev/vg/t3_0
`)
	f.running(1, t1)
	f.running(2, t2)
	f.tgt(t1).ACL, f.tgt(t1).ACLKnown = []string{"198.51.100.10", "198.51.100.99"}, true
	f.tgt(t2).ACL, f.tgt(t2).ACLKnown = []string{"ALL"}, true
	p, err := f.planCaps(tgtCaps, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t3 := "iqn.2001-04.com.example:t3"
	expectActions(t, p,
		SetACL{TID: 1, IQN: t1, Bind: []string{"198.51.100.64/26"}, Unbind: []string{"198.51.100.99"}},
		AddTarget{TID: 3, IQN: t3},
		SetOptions{TID: 3, IQN: t3, Options: []targetconf.Option{{Key: "MaxRecvDataSegmentLength", Value: "131072"}}},
		AddLUN{TID: 3, IQN: t3, LUN: lun(f.cfg, t3, 0), Size: 10 * gib},
		SetACL{TID: 3, IQN: t3, Bind: []string{"iqn.1993-08.org.debian:01:host1"}},
	)
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], `initiator pattern iqn\.1993-08\.org\.debian:.* of `+t3+" cannot be expressed") {
		t.Errorf("notes %v", p.Notes)
	}
}

func TestPlanOptionsNotApplicable(t *testing.T) {
	f := newFixture(t, "option Wthreads 4\noption MaxSessions 3\n"+twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	p, err := f.planCaps(tgtCaps, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expectActions(t, p)
	if len(p.Notes) != 4 {
		t.Errorf("want a note per target for Wthreads and MaxSessions, got %v", p.Notes)
	}
	for _, n := range p.Notes {
		if !strings.Contains(n, "does not apply to the target daemon") {
			t.Errorf("note %q", n)
		}
	}
}

func TestPlanGlobalAccountConflicts(t *testing.T) {
	f := newFixture(t, twoTargets+"  user incoming alice anothersecret1\n")
	_, err := f.planCaps(tgtCaps, PlanOptions{})
	var pe *PlanError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || !strings.Contains(pe.Problems[0], "target.conf:9: user alice has another secret than at target.conf:4") {
		t.Fatalf("err = %v", err)
	}
	if _, err := f.planCaps(Capabilities{}, PlanOptions{}); err != nil {
		t.Errorf("IET keeps accounts per target: %v", err)
	}
}

func TestPlanDiscoveryAuthNotApplicable(t *testing.T) {
	f := newFixture(t, "global IncomingUser disc discoverysecret1\n"+twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	p, err := f.planCaps(Capabilities{NoDiscoveryAuth: true}, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expectActions(t, p)
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "discovery CHAP accounts cannot be set") {
		t.Errorf("notes %v", p.Notes)
	}
}

// TestPlanApproxSizes: a daemon showing rounded sizes (tgt) relies on the
// records, but a record the rough size contradicts is stale.
func TestPlanApproxSizes(t *testing.T) {
	f := newFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	for i := range f.state.Targets {
		for j := range f.state.Targets[i].LUNs {
			l := &f.state.Targets[i].LUNs[j]
			l.Approx, l.ApproxTolerance = (l.Size()+500000)/1000000*1000000, 500000
			l.Blocks, l.SizeKnown = 0, false
		}
	}
	if p, _ := f.planCaps(Capabilities{}, PlanOptions{}); !p.Empty() {
		t.Fatalf("records agree with the rough sizes, yet: %v", p.Actions)
	}
	// Someone re-added t2's lun by hand after growing it: the daemon
	// serves about 12 GiB, the record says 10.
	f.tgt(t2).LUNs[0].Approx = 12884 * 1000000
	f.devices["/dev/vg/t2_0"] = Device{Size: 12 * gib}
	p, _ := f.planCaps(Capabilities{}, PlanOptions{})
	if len(p.Actions) != 1 || p.Actions[0].(ResizeLUN).Why != "served size unknown" {
		t.Fatalf("actions %v", p.Actions)
	}
	if !strings.Contains(strings.Join(p.Notes, "\n"), "ietkit recorded 10.0 GiB but the target daemon serves about 12.0 GiB: the record is stale") {
		t.Errorf("notes %v", p.Notes)
	}
}

func TestPlanShownSCSIIdentifiers(t *testing.T) {
	f := newFixture(t, strings.Replace(twoTargets, "lun 0 /dev/vg/t2_0", "lun 0 /dev/vg/t2_0 ScsiId=NEW-ID ScsiSN=SN-1", 1))
	f.running(1, t1)
	f.running(2, t2)
	l := &f.tgt(t2).LUNs[0]
	l.ScsiID, l.ScsiSN = "OLD-ID", "SN-1"
	p, _ := f.planCaps(Capabilities{}, PlanOptions{})
	if len(p.Actions) != 1 || p.Actions[0].(ReplaceLUN).Why != "ScsiId OLD-ID -> NEW-ID" {
		t.Errorf("actions %v", p.Actions)
	}
	// A daemon's default identifiers do not count when the config sets none.
	f.tgt(t1).LUNs[0].ScsiID = "IET     00010001"
	p, _ = f.planCaps(Capabilities{}, PlanOptions{})
	if len(p.Actions) != 1 {
		t.Errorf("actions %v", p.Actions)
	}
}

func TestACLEntries(t *testing.T) {
	c, err := targetconf.Parse(strings.NewReader(`target iqn.2001-04.com.example:a 198.51.100.5,[2001:db8::5],198.51.100.0/24,[2001:db8:1::]/64,"iqn\.1998-01\.com\.vmware:esx1","iqn\.x:.*"
target iqn.2001-04.com.example:b`), "t.conf")
	if err != nil {
		t.Fatal(err)
	}
	entries, rest := ACLEntries(c.Targets[0].Allow)
	want := "198.51.100.5 2001:db8::5 198.51.100.0/24 2001:db8:1::/64 iqn.1998-01.com.vmware:esx1"
	if got := strings.Join(entries, " "); got != want || len(rest) != 1 {
		t.Errorf("entries %q rest %v", got, rest)
	}
	if e, _ := ACLEntries(c.Targets[1].Allow); len(e) != 1 || e[0] != "ALL" {
		t.Errorf("empty list: %v", e)
	}
	bind, unbind := aclDiff([]string{"198.51.100.5", "ALL"}, []string{"198.51.100.5/32", "all", "[2001:db8::1]"})
	if len(bind) != 0 || len(unbind) != 1 || unbind[0] != "2001:db8::1" {
		t.Errorf("bind %v unbind %v", bind, unbind)
	}
}

func TestApplySetACL(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	f.tgt(t1).ACL, f.tgt(t1).ACLKnown = []string{"ALL"}, true
	p, err := f.planCaps(tgtCaps, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.backend.fail = map[string][]error{"unbind": {ErrNotFound}}
	if _, err := f.apply(p); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, f.backend.calls, "unbind 1 ALL", "bind 1 198.51.100.10,198.51.100.64/26")
}
