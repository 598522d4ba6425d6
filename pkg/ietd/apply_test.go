package ietd

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type applyFixture struct {
	*fixture
	backend  *fakeBackend
	blocker  *fakeBlocker
	files    *fakeFiles
	reporter *fakeReporter
	sizes    map[string]int64
}

func newApplyFixture(t *testing.T, conf string) *applyFixture {
	f := &applyFixture{fixture: newFixture(t, conf), backend: &fakeBackend{fail: map[string][]error{}}}
	f.blocker = &fakeBlocker{b: f.backend}
	f.files = &fakeFiles{}
	f.reporter = &fakeReporter{}
	f.sizes = map[string]int64{}
	return f
}

func (f *applyFixture) env() Env {
	clock := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	return Env{
		Backend: f.backend, Blocker: f.blocker, Files: f.files, Records: f.records, Reporter: f.reporter,
		Sizer: func(p string) (int64, error) {
			if n, ok := f.sizes[p]; ok {
				return n, nil
			}
			return f.devices[p].Size, nil
		},
		Now:    func() time.Time { clock = clock.Add(250 * time.Millisecond); return clock },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func (f *applyFixture) apply(p *Plan) (Result, error) {
	f.backend.state = f.state
	return p.Apply(context.Background(), f.env())
}

func expectCalls(t *testing.T, got []string, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestApplyCreatesInOrderAndRecords(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	f.devices["/dev/vg/t2_0"] = Device{Size: 3 * gib}
	f.sizes["/dev/vg/t2_0"] = 3*gib + 1000 // measured again at add time
	p := f.plan(PlanOptions{})
	res, err := f.apply(p)
	if err != nil {
		t.Fatal(err)
	}
	expectCalls(t, f.backend.calls,
		"add-target 2 iqn.2001-04.com.example:t2",
		"set-options 2 MaxRecvDataSegmentLength=131072",
		"add-lun 2 0 Path=/dev/vg/t2_0,Type=fileio",
	)
	if len(res.Done) != 3 || res.Failed != nil || len(res.NotDone) != 0 {
		t.Errorf("result %+v", res)
	}
	rec := f.records.LUNs[LUNKey(t2, 0)]
	if rec.Size != 3*gib+512 || rec.Path != "/dev/vg/t2_0" || rec.Params != "Path=/dev/vg/t2_0,Type=fileio" {
		t.Errorf("record %+v", rec)
	}
	if f.records.Options[t2]["MaxRecvDataSegmentLength"] != "131072" {
		t.Errorf("options not recorded: %v", f.records.Options)
	}
	if _, err := p.Apply(context.Background(), f.env()); err == nil || !strings.Contains(err.Error(), "applied already") {
		t.Errorf("second Apply: %v", err)
	}
}

func sessionsOn(f *fixture, iqn string) {
	f.tgt(iqn).Sessions = []Session{
		{SID: 100, Initiator: "iqn.x:a", Conns: []Conn{{CID: 0, IP: netip.MustParseAddr("198.51.100.10")}, {CID: 1, IP: netip.MustParseAddr("198.51.100.10")}}},
		{SID: 200, Initiator: "iqn.x:b", Conns: []Conn{{CID: 0, IP: netip.MustParseAddr("198.51.100.65")}}},
	}
}

// TestApplyResizeBlackout: both grown LUNs of t1 are re-added in one
// blackout: block, close every connection, delete+add each, unblock.
func TestApplyResizeBlackout(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	sessionsOn(f.fixture, t1)
	f.devices["/dev/vg/t1_0"] = Device{Size: 20 * gib}
	f.devices["/dev/vg/t1_1"] = Device{Size: 20 * gib}
	p := f.plan(PlanOptions{})
	res, err := f.apply(p)
	if err != nil {
		t.Fatal(err)
	}
	expectCalls(t, f.backend.calls,
		"block 198.51.100.10, 198.51.100.64/26",
		"state",
		"close 1 100 0", "close 1 100 1", "close 1 200 0",
		"delete-lun 1 0", "add-lun 1 0 Path=/dev/vg/t1_0,Type=fileio",
		"delete-lun 1 1", "add-lun 1 1 Path=/dev/vg/t1_1,Type=fileio,IOMode=wb",
		"unblock 198.51.100.10, 198.51.100.64/26",
	)
	if len(res.Blackouts) != 1 {
		t.Fatalf("blackouts %+v", res.Blackouts)
	}
	bo := res.Blackouts[0]
	if bo.Closed != 3 || bo.Duration <= 0 || bo.Err != "" || !cmp.Equal(bo.LUNs, []int{0, 1}) {
		t.Errorf("blackout %+v", bo)
	}
	if got := f.records.LUNs[LUNKey(t1, 1)].Size; got != 20*gib {
		t.Errorf("recorded size %d", got)
	}
	if diff := cmp.Diff([]string{"ok resize-lun", "ok resize-lun"}, f.reporter.steps); diff != "" {
		t.Error(diff)
	}
}

// TestApplyBlocksLateLogins: a session that appeared after planning from
// an address outside the block is blocked too before sessions close.
func TestApplyBlocksLateLogins(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	f.devices["/dev/vg/t1_0"] = Device{Size: 20 * gib}
	p := f.plan(PlanOptions{})
	f.tgt(t1).Sessions = []Session{{SID: 7, Initiator: "iqn.x:late", Conns: []Conn{{CID: 0, IP: netip.MustParseAddr("2001:db8::99")}}}}
	if _, err := f.apply(p); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, f.backend.calls,
		"block 198.51.100.10, 198.51.100.64/26",
		"state",
		"block 2001:db8::99",
		"close 1 7 0",
		"delete-lun 1 0", "add-lun 1 0 Path=/dev/vg/t1_0,Type=fileio",
		"unblock 198.51.100.10, 198.51.100.64/26, 2001:db8::99",
	)
}

// TestApplyUnblocksOnEveryPath: whatever fails inside the blackout, and
// even when the run is cancelled, the initiators are unblocked with a
// live context, and the result says what was not done.
func TestApplyUnblocksOnEveryPath(t *testing.T) {
	tests := []struct {
		name     string
		fail     map[string][]error
		cancel   bool
		wantErr  string
		wantLast string // last daemon call before unblock
		notDone  int
	}{
		{name: "state fails", fail: map[string][]error{"state": {errors.New("boom")}}, wantErr: "read sessions: boom", wantLast: "state", notDone: 2},
		{name: "close fails", fail: map[string][]error{"close": {errors.New("boom")}}, wantErr: "close connection 0 of session 100", wantLast: "close 1 100 0", notDone: 2},
		{name: "delete fails", fail: map[string][]error{"delete-lun": {errors.New("boom")}}, wantErr: "delete lun: boom", wantLast: "delete-lun 1 0", notDone: 2},
		{name: "re-add fails", fail: map[string][]error{"add-lun": {errors.New("boom")}}, wantErr: "lun 0 was deleted but could not be added again", wantLast: "add-lun 1 0 Path=/dev/vg/t1_0,Type=fileio", notDone: 2},
		{name: "second lun fails", fail: map[string][]error{"delete-lun 1 1": {errors.New("boom")}}, wantErr: "delete lun: boom", wantLast: "delete-lun 1 1", notDone: 1},
		{name: "cancelled after block", cancel: true, wantErr: "context canceled", wantLast: "close 1 200 0", notDone: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newApplyFixture(t, twoTargets)
			f.running(1, t1)
			f.running(2, t2)
			sessionsOn(f.fixture, t1)
			f.devices["/dev/vg/t1_0"] = Device{Size: 20 * gib}
			f.devices["/dev/vg/t1_1"] = Device{Size: 20 * gib}
			f.devices["/dev/vg/t2_0"] = Device{Size: 20 * gib} // a later action never reached
			f.backend.fail = tt.fail
			p := f.plan(PlanOptions{})
			f.backend.state = f.state
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			env := f.env()
			if tt.cancel {
				env.AfterBlock = func(context.Context) { cancel() }
			}
			res, err := p.Apply(ctx, env)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			calls := f.backend.calls
			if calls[len(calls)-1] != "unblock 198.51.100.10, 198.51.100.64/26" {
				t.Errorf("last call %q, want the unblock; calls %v", calls[len(calls)-1], calls)
			}
			if calls[len(calls)-2] != tt.wantLast {
				t.Errorf("call before unblock %q, want %q", calls[len(calls)-2], tt.wantLast)
			}
			for _, e := range f.blocker.unblockCtxErr {
				if e != nil {
					t.Errorf("unblock got a dead context: %v", e)
				}
			}
			if res.Failed == nil || len(res.NotDone) != tt.notDone {
				t.Errorf("failed %v, not done %v", res.Failed, res.NotDone)
			}
			if len(res.Blackouts) != 1 || res.Blackouts[0].Err == "" {
				t.Errorf("blackouts %+v", res.Blackouts)
			}
		})
	}
}

func TestApplyBlockFailureChangesNothing(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	f.devices["/dev/vg/t1_0"] = Device{Size: 20 * gib}
	f.blocker.blockErr = errors.New("iptables: permission denied")
	_, err := f.apply(f.plan(PlanOptions{}))
	if err == nil || !strings.Contains(err.Error(), "block initiators: iptables: permission denied") {
		t.Fatalf("err = %v", err)
	}
	for _, c := range f.backend.calls {
		if strings.HasPrefix(c, "delete") || strings.HasPrefix(c, "close") {
			t.Errorf("daemon changed after a failed block: %v", f.backend.calls)
		}
	}
}

func TestApplyIdempotentAnswers(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	f.state.Targets = append(f.state.Targets, Target{TID: 9, Name: "iqn.2001-04.com.example:gone",
		Sessions: []Session{{SID: 5, Initiator: "iqn.x:h", Conns: []Conn{{CID: 0}}}}})
	f.tgt(t2).LUNs = append(f.tgt(t2).LUNs, LUN{Number: 3, Path: "/dev/vg/x"})
	f.backend.fail = map[string][]error{
		"delete-lun 2 3":    {ErrNotFound},                // gone already: done
		"close 9 5 0":       {ErrNotFound},                // closed already: done
		"delete-target 9":   {ErrBusy, ErrBusy, nil},      // retried
		"add-target 3 none": {ErrExists},                  // not reached
		"state":             {errors.New("not expected")}, // nothing re-reads state here
	}
	res, err := f.apply(f.plan(PlanOptions{Prune: true, Force: true}))
	if err != nil {
		t.Fatal(err)
	}
	expectCalls(t, f.backend.calls, "delete-lun 2 3", "close 9 5 0", "delete-target 9", "delete-target 9", "delete-target 9")
	if len(res.Done) != 2 {
		t.Errorf("done %v", res.Done)
	}
}

func TestApplyAddTargetExistsIsDone(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	p := f.plan(PlanOptions{})
	f.backend.fail = map[string][]error{"add-target": {ErrExists}}
	// The daemon has it already, at the planned tid (a concurrent add).
	f.backend.onCall = func(c string) {
		if strings.HasPrefix(c, "add-target") {
			f.state.Targets = append(f.state.Targets, Target{TID: 2, Name: t2})
		}
	}
	if _, err := f.apply(p); err != nil {
		t.Fatal(err)
	}
	f2 := newApplyFixture(t, twoTargets)
	f2.running(1, t1)
	p = f2.plan(PlanOptions{})
	f2.backend.fail = map[string][]error{"add-target": {ErrExists}}
	if _, err := f2.apply(p); !errors.Is(err, ErrExists) {
		t.Errorf("add of a tid taken by another target: %v", err)
	}
}

func TestApplyReplacesUser(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.running(1, t1)
	f.running(2, t2)
	f.records.Users[UserKey(t1, "incoming", "alice")] = "old"
	f.backend.fail = map[string][]error{"delete-user": {ErrNotFound}}
	if _, err := f.apply(f.plan(PlanOptions{})); err != nil {
		t.Fatal(err)
	}
	expectCalls(t, f.backend.calls, "delete-user 1 incoming alice", "add-user 1 incoming alice")
	if got := f.records.Users[UserKey(t1, "incoming", "alice")]; got != Fingerprint("alicesecret-01") {
		t.Errorf("fingerprint %q", got)
	}
}

func TestApplyStopsAtFirstFailure(t *testing.T) {
	f := newApplyFixture(t, twoTargets)
	f.backend.fail = map[string][]error{"add-lun 1 1 Path=/dev/vg/t1_1,Type=fileio,IOMode=wb": {errors.New("exit status 234: Invalid argument")}}
	res, err := f.apply(f.plan(PlanOptions{}))
	if err == nil || !strings.HasPrefix(err.Error(), "add lun 1 of iqn.2001-04.com.example:t1: /dev/vg/t1_1 (fileio, 10.0 GiB): exit status 234") {
		t.Fatalf("err = %v", err)
	}
	if len(res.Done) != 4 || res.Failed.Kind() != "add-lun" || len(res.NotDone) != 3 {
		t.Errorf("done %d, failed %v, not done %d", len(res.Done), res.Failed, len(res.NotDone))
	}
	if _, ok := f.records.LUNs[LUNKey(t1, 1)]; ok {
		t.Error("failed LUN recorded")
	}
}
