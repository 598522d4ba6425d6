package gds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	sim "github.com/ietkit/ietkit/internal/arraysim/gds"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

const simPkg = "github.com/ietkit/ietkit/internal/arraysim/gds/cmd/gdssim"

func TestMain(m *testing.M) {
	code := m.Run()
	snaptest.Cleanup()
	os.Exit(code)
}

// The commands as the simulator logs them.
const (
	listVolumes = "sdxinfo -V -c Class1 -e long"
	listSlices  = "sdxinfo -S -c Class1"
)

type rig struct {
	d      *Driver
	state  string
	log    *bytes.Buffer
	sleeps []time.Duration
}

// newRig seeds the simulator with sets and builds a driver with the
// keywords kv over two pairs in Class1.
func newRig(t *testing.T, kv map[string]string, sets ...sim.Set) *rig {
	t.Helper()
	bin := snaptest.BuildSim(t, simPkg, "sdxinfo", "sdxproxy", "sdxvolume")
	r := &rig{state: t.TempDir(), log: &bytes.Buffer{}}
	if len(sets) == 0 {
		sets = []sim.Set{{Pairs: sim.Pairs(2)}}
	}
	if err := sim.Seed(r.state, sets...); err != nil {
		t.Fatal(err)
	}
	env := snaptest.Env(t, bin, r.state, r.log, nil)
	env.Sleep = func(ctx context.Context, d time.Duration) error {
		r.sleeps = append(r.sleeps, d)
		return ctx.Err()
	}
	keys := map[string]string{"class": "Class1", "pairs": "Volume1:Volume2 Volume3:Volume4"}
	maps.Copy(keys, kv)
	d, err := New(snapdrivers.NewSection("sync#1", keys), env)
	if err != nil {
		t.Fatal(err)
	}
	r.d = d
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("driver log:\n%s", r.log)
		}
	})
	return r
}

func (r *rig) commands(t *testing.T) []string {
	t.Helper()
	return snaptest.CommandLog(t, r.state)
}

// planLines is the plan as command lines.
func planLines(t *testing.T, d *Driver, a snapdrivers.Action) []string {
	t.Helper()
	steps, err := d.Plan(a)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range steps {
		lines = append(lines, strings.Join(s.Argv, " "))
	}
	return lines
}

// collapse drops consecutive repeats: the polls of a wait are one step
// of a plan.
func collapse(lines []string) []string {
	var out []string
	for _, l := range lines {
		if len(out) == 0 || out[len(out)-1] != l {
			out = append(out, l)
		}
	}
	return out
}

func TestResync(t *testing.T) {
	tests := []struct {
		name     string
		action   func(*Driver, context.Context) error
		sets     []sim.Set
		want     []string
		logged   []string
		samePlan bool
	}{
		{
			name:   "resync from parted proxies",
			action: (*Driver).Resync,
			want:   []string{listVolumes, listSlices, "sdxproxy Rejoin -c Class1 -p Volume2,Volume4", listSlices, listSlices},
			logged: []string{
				"waiting for the copy to the proxy volumes to end, slices COPY then STOP (max 3600 secs)",
				"copy ended: every slice of Volume2,Volume4 is STOP",
			},
			samePlan: true,
		},
		{
			name:     "update is resync",
			action:   (*Driver).Update,
			want:     []string{listVolumes, listSlices, "sdxproxy Rejoin -c Class1 -p Volume2,Volume4", listSlices, listSlices},
			samePlan: true,
		},
		{
			name:   "a joined proxy is not rejoined",
			action: (*Driver).Resync,
			sets: []sim.Set{
				{Pairs: []sim.Pair{{Master: "Volume1", Proxy: "Volume2"}}, Joined: true},
				{Pairs: []sim.Pair{{Master: "Volume3", Proxy: "Volume4"}}},
			},
			want:   []string{listVolumes, listSlices, "sdxproxy Rejoin -c Class1 -p Volume4", listSlices, listSlices},
			logged: []string{"Volume2 already joined, not rejoined"},
		},
		{
			name:   "all joined: nothing to run or wait for",
			action: (*Driver).Resync,
			sets:   []sim.Set{{Pairs: sim.Pairs(2), Joined: true}},
			want:   []string{listVolumes, listSlices},
			logged: []string{"every proxy volume is already joined, nothing to rejoin"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil, tt.sets...)
			if err := tt.action(r.d, context.Background()); err != nil {
				t.Fatal(err)
			}
			got := r.commands(t)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
			if tt.samePlan {
				if diff := cmp.Diff(planLines(t, r.d, snapdrivers.ActionResync), collapse(got)); diff != "" {
					t.Errorf("plan and commands run differ (-plan +run):\n%s", diff)
				}
			}
			for _, l := range tt.logged {
				if !strings.Contains(r.log.String(), " - INFO - "+l+"\n") {
					t.Errorf("log lacks %q", l)
				}
			}
			st, err := r.d.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Problems) > 0 {
				t.Errorf("status after resync: %q", st.Problems)
			}
		})
	}
}

func TestBreak(t *testing.T) {
	for _, pjrm := range []string{"", "yes"} {
		t.Run("pjrm="+pjrm, func(t *testing.T) {
			kv := map[string]string{}
			want := "sdxproxy Part -c Class1 -p Volume2,Volume4 -a pjrm=off"
			if pjrm != "" {
				kv["pjrm"] = pjrm
				want = "sdxproxy Part -c Class1 -p Volume2,Volume4 -a pjrm=on"
			}
			r := newRig(t, kv, sim.Set{Pairs: sim.Pairs(2), Joined: true})
			if err := r.d.Break(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := r.commands(t)
			if diff := cmp.Diff([]string{listVolumes, listSlices, want}, got); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(planLines(t, r.d, snapdrivers.ActionBreak), got); diff != "" {
				t.Errorf("plan and commands run differ (-plan +run):\n%s", diff)
			}
			st, err := r.d.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want2 := []snapdrivers.PairStatus{
				{Source: "Volume1", Target: "Volume2", State: "Part/ACTIVE"},
				{Source: "Volume3", Target: "Volume4", State: "Part/ACTIVE"},
			}
			if diff := cmp.Diff(want2, st.Pairs); len(st.Problems) > 0 || diff != "" {
				t.Errorf("status after break: %q\n%s", st.Problems, diff)
			}
		})
	}
}

// Each refusal names the volume or slice and what sdxinfo showed, and
// runs nothing but the two listings.
func TestRefusals(t *testing.T) {
	joined := sim.Set{Pairs: sim.Pairs(2), Joined: true}
	tests := []struct {
		name   string
		action string
		set    sim.Set
		bad    func(dir string) error
		kind   error
		msg    string
	}{
		{"break a parted proxy", "break", sim.Set{Pairs: sim.Pairs(2)}, nil, ErrNotJoined,
			"proxy volume Volume2 is not joined to Volume1: sdxinfo shows PROXY Part; resync it before taking a new snapshot"},
		{"break during a copy", "break", joined,
			func(dir string) error { return sim.SetSliceStatus(dir, "Volume4", "", "COPY") }, ErrSliceNotValid,
			"slice Disk3.Volume4 of proxy volume Volume4 is COPY, not STOP: the copy from Volume3 is still running"},
		{"break an invalid slice", "break", joined,
			func(dir string) error { return sim.SetSliceStatus(dir, "Volume2", "", "INVALID") }, ErrSliceNotValid,
			`slice Disk3.Volume2 of proxy volume Volume2 is INVALID, not STOP: repair it (GDS guide, "Slice Status Abnormality")`},
		{"break a missing proxy", "break", joined,
			func(dir string) error { return sim.RemoveVolume(dir, "Volume4") }, ErrVolumeMissing,
			"proxy volume Volume4 is not in class Class1"},
		{"break another master's proxy", "break", joined,
			func(dir string) error { return sim.SetRelation(dir, "Volume2", "Volume3", "Join") }, ErrNotProxyOfMaster,
			"proxy volume Volume2 is the proxy of Volume3, not of Volume1"},
		{"break a plain volume", "break", joined,
			func(dir string) error { return sim.SetRelation(dir, "Volume2", "", "") }, ErrNotProxyOfMaster,
			"volume Volume2 is not a proxy volume (sdxinfo shows MASTER * and PROXY *), want the proxy of Volume1"},
		{"resync a started proxy", "resync", sim.Set{Pairs: sim.Pairs(2), Started: true}, nil, ErrProxyStarted,
			"proxy volume Volume2 is parted and started (slice Disk3.Volume2 is ACTIVE): it is in use; stop it (sdxvolume -F -c Class1 -v Volume2) once nothing uses it, then resync"},
		{"resync an invalid parted proxy", "resync", sim.Set{Pairs: sim.Pairs(2)},
			func(dir string) error { return sim.SetSliceStatus(dir, "Volume4", "Disk3", "NOUSE") }, ErrSliceNotValid,
			`slice Disk3.Volume4 of parted proxy volume Volume4 is NOUSE, not STOP: repair it (GDS guide, "Slice Status Abnormality")`},
		{"resync an invalid joined proxy", "resync", joined,
			func(dir string) error { return sim.SetSliceStatus(dir, "Volume2", "", "INVALID") }, ErrSliceNotValid,
			`slice Disk3.Volume2 of joined proxy volume Volume2 is INVALID, not STOP or COPY: repair it (GDS guide, "Slice Status Abnormality")`},
		{"resync without the master", "resync", sim.Set{Pairs: sim.Pairs(2)},
			func(dir string) error { return sim.RemoveVolume(dir, "Volume3") }, ErrVolumeMissing,
			"master volume Volume3 is not in class Class1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil, tt.set)
			if tt.bad != nil {
				if err := tt.bad(r.state); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			if tt.action == "break" {
				err = r.d.Break(context.Background())
			} else {
				err = r.d.Resync(context.Background())
			}
			text := fmt.Sprint(err) + "\n"
			if !errors.Is(err, tt.kind) || !strings.Contains(text, ": "+tt.msg+"\n") && !strings.Contains(text, "\n"+tt.msg+"\n") {
				t.Errorf("err = %v\nwant %v with %q", err, tt.kind, tt.msg)
			}
			if diff := cmp.Diff([]string{listVolumes, listSlices}, r.commands(t)); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	pairs := func(s2, s4 string) []snapdrivers.PairStatus {
		return []snapdrivers.PairStatus{
			{Source: "Volume1", Target: "Volume2", State: s2},
			{Source: "Volume3", Target: "Volume4", State: s4},
		}
	}
	joined := sim.Set{Pairs: sim.Pairs(2), Joined: true}
	tests := []struct {
		name string
		set  sim.Set
		bad  func(dir string) error
		want snapdrivers.ArrayStatus
	}{
		{name: "joined and in sync", set: joined,
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Join/STOP", "Join/STOP")}},
		{name: "parted and started (after a break)", set: sim.Set{Pairs: sim.Pairs(2), Started: true},
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Part/ACTIVE", "Part/ACTIVE")}},
		{name: "parted and stopped", set: sim.Set{Pairs: sim.Pairs(2)},
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Part/STOP", "Part/STOP")}},
		{name: "proxy missing", set: joined, bad: func(dir string) error { return sim.RemoveVolume(dir, "Volume4") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Join/STOP", "missing"),
				Problems: []string{"proxy volume Volume4 is not in class Class1"}}},
		{name: "another master", set: joined, bad: func(dir string) error { return sim.SetRelation(dir, "Volume4", "Volume1", "Join") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Join/STOP", "Join"),
				Problems: []string{"proxy volume Volume4 is the proxy of Volume1, not of Volume3"}}},
		{name: "slice invalid", set: joined, bad: func(dir string) error { return sim.SetSliceStatus(dir, "Volume2", "", "INVALID") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Join/INVALID", "Join/STOP"),
				Problems: []string{`slice Disk3.Volume2 of proxy volume Volume2 is INVALID: repair it (GDS guide, "Slice Status Abnormality")`}}},
		{name: "slice nouse", set: sim.Set{Pairs: sim.Pairs(2), Started: true, ProxyDisks: 2},
			bad: func(dir string) error { return sim.SetSliceStatus(dir, "Volume4", "Disk4", "NOUSE") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Part/ACTIVE", "Part/ACTIVE+NOUSE"),
				Problems: []string{`slice Disk4.Volume4 of proxy volume Volume4 is NOUSE: repair it (GDS guide, "Slice Status Abnormality")`}}},
		{name: "copy running", set: joined, bad: func(dir string) error { return sim.SetSliceStatus(dir, "Volume4", "", "COPY") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Warn, Pairs: pairs("Join/STOP", "Join/COPY"),
				Problems: []string{"slice Disk3.Volume4 of proxy volume Volume4 is COPY: a copy from Volume3 is in progress"}}},
		{name: "copy and invalid: down wins", set: joined,
			bad: func(dir string) error {
				if err := sim.SetSliceStatus(dir, "Volume4", "", "COPY"); err != nil {
					return err
				}
				return sim.SetSliceStatus(dir, "Volume2", "", "INVALID")
			},
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Join/INVALID", "Join/COPY"),
				Problems: []string{
					`slice Disk3.Volume2 of proxy volume Volume2 is INVALID: repair it (GDS guide, "Slice Status Abnormality")`,
					"slice Disk3.Volume4 of proxy volume Volume4 is COPY: a copy from Volume3 is in progress",
				}}},
		{name: "joined and parted mixed", set: joined, bad: func(dir string) error { return sim.SetRelation(dir, "Volume4", "Volume3", "Part") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Warn, Pairs: pairs("Join/STOP", "Part/STOP"),
				Problems: []string{"proxy volumes are not all in the same state: Volume2 joined, Volume4 parted: the copies are not one snapshot"}}},
		{name: "joined and started", set: joined, bad: func(dir string) error { return sim.SetSliceStatus(dir, "Volume2", "", "ACTIVE") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Join/ACTIVE", "Join/STOP"),
				Problems: []string{"slice Disk3.Volume2 of joined proxy volume Volume2 is ACTIVE: a joined proxy cannot be in use"}}},
		{name: "unknown slice state", set: joined, bad: func(dir string) error { return sim.SetSliceStatus(dir, "Volume2", "", "TEMP") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Join/TEMP", "Join/STOP"),
				Problems: []string{"slice Disk3.Volume2 of proxy volume Volume2 is TEMP, not STOP or ACTIVE"}}},
		{name: "unknown proxy state", set: joined, bad: func(dir string) error { return sim.SetRelation(dir, "Volume2", "Volume1", "Relate") },
			want: snapdrivers.ArrayStatus{ProblemState: snapdrivers.Down, Pairs: pairs("Relate", "Join/STOP"),
				Problems: []string{"proxy volume Volume2 shows PROXY Relate, neither Join nor Part"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil, tt.set)
			if tt.bad != nil {
				if err := tt.bad(r.state); err != nil {
					t.Fatal(err)
				}
			}
			got, err := r.d.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Status (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(planLines(t, r.d, snapdrivers.ActionStatus), r.commands(t)); diff != "" {
				t.Errorf("commands (-plan +run):\n%s", diff)
			}
		})
	}
}

// A resource of 64 pairs is two listings, not 128.
func TestStatus64Pairs(t *testing.T) {
	var names []string
	for _, p := range sim.Pairs(64) {
		names = append(names, p.Master+":"+p.Proxy)
	}
	r := newRig(t, map[string]string{"pairs": strings.Join(names, "\n")}, sim.Set{Pairs: sim.Pairs(64), Joined: true})
	st, err := r.d.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) > 0 || len(st.Pairs) != 64 || st.HasTime || !st.LastSync.IsZero() {
		t.Errorf("status of 64 pairs: %+v", st)
	}
	if diff := cmp.Diff([]string{listVolumes, listSlices}, r.commands(t)); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
}

func TestCommandFailure(t *testing.T) {
	rejoinMsg := sim.ErrorMessage("sdxproxy", "Volume2: copying is in process")
	tests := []struct {
		name    string
		set     sim.Set
		failure sim.Failure
		action  func(*Driver, context.Context) error
		argv    []string
		code    int
		output  string
		reason  string
		run     []string
	}{
		{name: "rejoin exits 1", set: sim.Set{Pairs: sim.Pairs(2)},
			failure: sim.Failure{Command: "sdxproxy", Arg: "Rejoin", Exit: 1, Message: rejoinMsg},
			action:  (*Driver).Resync,
			argv:    []string{"sdxproxy", "Rejoin", "-c", "Class1", "-p", "Volume2,Volume4"}, code: 1, output: rejoinMsg,
			run: []string{listVolumes, listSlices, "sdxproxy Rejoin -c Class1 -p Volume2,Volume4"}},
		{name: "part exits 0 with an error", set: sim.Set{Pairs: sim.Pairs(2), Joined: true},
			failure: sim.Failure{Command: "sdxproxy", Arg: "Part", Exit: 0, Message: sim.ErrorMessage("sdxproxy", "Volume4: proxy volume is not joined")},
			action:  (*Driver).Break,
			argv:    []string{"sdxproxy", "Part", "-c", "Class1", "-p", "Volume2,Volume4", "-a", "pjrm=off"}, code: 0,
			output: "SDX:sdxproxy: ERROR: Volume4: proxy volume is not joined",
			reason: "exited 0 but printed an error: SDX:sdxproxy: ERROR: Volume4: proxy volume is not joined",
			run:    []string{listVolumes, listSlices, "sdxproxy Part -c Class1 -p Volume2,Volume4 -a pjrm=off"}},
		{name: "a poll fails", set: sim.Set{Pairs: sim.Pairs(2)},
			failure: sim.Failure{Command: "sdxinfo", Arg: "-S", Exit: 1, Message: sim.ErrorMessage("sdxinfo", "Class1: class is closed"), Times: 0},
			action:  (*Driver).Resync,
			argv:    []string{"sdxinfo", "-S", "-c", "Class1"}, code: 1, output: "SDX:sdxinfo: ERROR: Class1: class is closed",
			run: []string{listVolumes, listSlices}},
		{name: "sdxinfo -V fails", set: sim.Set{Pairs: sim.Pairs(2)},
			failure: sim.Failure{Command: "sdxinfo", Arg: "-V", Exit: 1, Message: sim.ErrorMessage("sdxinfo", "Class1: no such class")},
			action:  (*Driver).Resync,
			argv:    []string{"sdxinfo", "-V", "-c", "Class1", "-e", "long"}, code: 1, output: "SDX:sdxinfo: ERROR: Class1: no such class",
			run: []string{listVolumes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil, tt.set)
			if err := sim.AddFailure(r.state, tt.failure); err != nil {
				t.Fatal(err)
			}
			err := tt.action(r.d, context.Background())
			var ce *snapdrivers.CommandError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CommandError", err)
			}
			want := &snapdrivers.CommandError{Argv: tt.argv, Code: tt.code, Output: tt.output, Reason: tt.reason}
			if diff := cmp.Diff(want, ce); diff != "" {
				t.Errorf("CommandError (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.run, r.commands(t)); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCopyWait(t *testing.T) {
	t.Run("stuck", func(t *testing.T) {
		r := newRig(t, map[string]string{"copy_timeout": "100", "poll_interval": "30"})
		if err := sim.Stick(r.state, "Volume4"); err != nil {
			t.Fatal(err)
		}
		err := r.d.Resync(context.Background())
		want := "resync: slices still in COPY after 100 secs (copy_timeout): Disk3.Volume4"
		if !errors.Is(err, ErrCopyTimeout) || err.Error() != want {
			t.Fatalf("err = %v, want %q", err, want)
		}
		if diff := cmp.Diff([]time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second, 10 * time.Second}, r.sleeps); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
		polls := 0
		for _, c := range r.commands(t) {
			if c == listSlices {
				polls++
			}
		}
		if polls != 1+5 {
			t.Errorf("%d sdxinfo -S, want 1 before the rejoin and 5 polls", polls)
		}
		if !strings.Contains(r.log.String(), "waiting for the copy to the proxy volumes to end, slices COPY then STOP (max 100 secs)") {
			t.Error("no wait message in the log")
		}
	})
	t.Run("ends invalid", func(t *testing.T) {
		r := newRig(t, nil)
		if err := sim.EndCopyWith(r.state, "Volume2", "INVALID"); err != nil {
			t.Fatal(err)
		}
		err := r.d.Resync(context.Background())
		want := `resync: slice Disk3.Volume2 of proxy volume Volume2 is INVALID: the copy from Volume1 did not end normally (COPY, then STOP): repair it (GDS guide, "Slice Status Abnormality")`
		if !errors.Is(err, ErrCopyFailed) || err.Error() != want {
			t.Fatalf("err = %v, want %q", err, want)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		r := newRig(t, nil)
		if err := sim.Stick(r.state, "Volume2"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r.d.env.Sleep = func(context.Context, time.Duration) error {
			cancel()
			return ctx.Err()
		}
		if err := r.d.Resync(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestNew(t *testing.T) {
	base := map[string]string{"class": "Class1", "pairs": "Volume1:Volume2"}
	tests := []struct {
		name    string
		kv      map[string]string
		drop    string
		wantErr string
	}{
		{name: "no class", drop: "class", wantErr: "(built):1: [sync#1] class is required"},
		{name: "no pairs", drop: "pairs", wantErr: "(built):1: [sync#1] pairs is required"},
		{name: "pair without proxy", kv: map[string]string{"pairs": "Volume1"}, wantErr: `(built):1: [sync#1] pairs: "Volume1": want MASTER:PROXY`},
		{name: "three names", kv: map[string]string{"pairs": "V1:V2:V3"}, wantErr: `pairs: "V1:V2:V3": want MASTER:PROXY`},
		{name: "own proxy", kv: map[string]string{"pairs": "V1:V1"}, wantErr: `pairs: "V1:V1": a volume cannot be its own proxy`},
		{name: "proxy twice", kv: map[string]string{"pairs": "V1:V2 V3:V2"}, wantErr: `pairs: "V3:V2": V2 is already given as a proxy`},
		{name: "proxy as master", kv: map[string]string{"pairs": "V1:V2 V2:V3"}, wantErr: `pairs: "V2:V3": V2 is already given as a proxy`},
		{name: "option-like name", kv: map[string]string{"pairs": "-x:V2"}, wantErr: `volume name "-x": starts with '-'`},
		{name: "star", kv: map[string]string{"pairs": "V1:*"}, wantErr: `volume name "*": "*" is what sdxinfo prints for no object`},
		{name: "class with a blank", kv: map[string]string{"class": "Class 1"}, wantErr: `class: "Class 1": blanks and control characters`},
		{name: "bad timeout", kv: map[string]string{"copy_timeout": "soon"}, wantErr: `copy_timeout: "soon": want seconds`},
		{name: "zero timeout", kv: map[string]string{"copy_timeout": "0"}, wantErr: "copy_timeout: 0s: want 1 second or more"},
		{name: "zero interval", kv: map[string]string{"poll_interval": "0"}, wantErr: "poll_interval: 0s: want 1 second or more"},
		{name: "interval over timeout", kv: map[string]string{"copy_timeout": "60", "poll_interval": "2m"}, wantErr: "poll_interval: 2m0s is longer than copy_timeout (1m0s)"},
		{name: "bad pjrm", kv: map[string]string{"pjrm": "maybe"}, wantErr: `pjrm: "maybe": want yes or no`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := maps.Clone(base)
			maps.Copy(kv, tt.kv)
			delete(kv, tt.drop)
			_, err := New(snapdrivers.NewSection("sync#1", kv), snapdrivers.Env{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}

	t.Run("file:line, every error at once", func(t *testing.T) {
		sf, err := snapdrivers.ParseServiceFile(strings.NewReader(`[sync#1]
type = gdsproxy
class = Class1
pairs = Volume1:Volume2
        Volume3
copy_timeout = 10
poll_interval = 30
`), "db.conf")
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(sf.Sections[0], snapdrivers.Env{})
		want := "db.conf:4: [sync#1] pairs: \"Volume3\": want MASTER:PROXY, e.g. Volume1:Volume2\n" +
			"db.conf:7: [sync#1] poll_interval: 30s is longer than copy_timeout (10s)"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})

	t.Run("defaults, and the parent's keywords left alone", func(t *testing.T) {
		kv := maps.Clone(base)
		for _, k := range []string{"type", "sync_min_delay", "sync_max_delay", "precheck", "timezone"} {
			kv[k] = "x"
		}
		sec := snapdrivers.NewSection("sync#1", kv)
		d, err := New(sec, snapdrivers.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if d.copyTimeout != DefaultCopyTimeout || d.pollInterval != DefaultPollInterval || d.pjrm ||
			!cmp.Equal(d.Pairs(), []Pair{{Master: "Volume1", Proxy: "Volume2"}}) || d.Kind() != Kind {
			t.Errorf("driver = %+v", d)
		}
		var unused []string
		for _, e := range sec.Unused() {
			unused = append(unused, e.Error())
		}
		var want []string
		for _, k := range []string{"precheck", "sync_max_delay", "sync_min_delay", "timezone", "type"} {
			want = append(want, fmt.Sprintf("(built):1: [sync#1] unknown keyword %q", k))
		}
		if diff := cmp.Diff(want, unused); diff != "" {
			t.Errorf("Unused (-want +got):\n%s", diff)
		}
	})

	t.Run("plan of an unknown action", func(t *testing.T) {
		d, err := New(snapdrivers.NewSection("sync#1", base), snapdrivers.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Plan("restore"); !errors.Is(err, snapdrivers.ErrNotSupported) {
			t.Errorf("err = %v", err)
		}
	})
}
