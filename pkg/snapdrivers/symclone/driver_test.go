package symclone

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	sim "github.com/ietkit/ietkit/internal/arraysim/symclone"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

const simPkg = "github.com/ietkit/ietkit/internal/arraysim/symclone/cmd/symclonesim"

func TestMain(m *testing.M) {
	code := m.Run()
	snaptest.Cleanup()
	os.Exit(code)
}

// rig is a driver wired to a simulator holding device group DGCVI.
type rig struct {
	t     *testing.T
	d     *Driver
	state string
	log   *bytes.Buffer
	loc   *time.Location
	pairs []sim.Pair
}

// the array's zone, not the host's, so that a parse in the wrong zone
// shows.
const arrayTZ = "America/New_York"

func newRig(t *testing.T, n int, state string, last time.Time, kv map[string]string) *rig {
	t.Helper()
	loc, err := time.LoadLocation(arrayTZ)
	if err != nil {
		t.Skip(err)
	}
	bin := snaptest.BuildSim(t, simPkg, "symclone", "symld")
	dir := t.TempDir()
	pairs := sim.Pairs(n)
	if err := sim.Seed(dir, "DGCVI", pairs, state, last); err != nil {
		t.Fatal(err)
	}
	t.Setenv(sim.TZEnv, arrayTZ) // before snaptest.Env, which copies the environment
	var buf bytes.Buffer
	env := snaptest.Env(t, bin, dir, &buf, nil)
	env.Location = loc
	var names []string
	for _, p := range pairs {
		names = append(names, p.Source+":"+p.Target)
	}
	keys := map[string]string{"dg": "DGCVI", "pairs": strings.Join(names, " ")}
	for k, v := range kv {
		keys[k] = v
	}
	d, err := New(snapdrivers.NewSection("sync#1", keys), env)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, d: d, state: dir, log: &buf, loc: loc, pairs: pairs}
}

func (r *rig) commands() []string { return snaptest.CommandLog(r.t, r.state) }

func (r *rig) sessions() map[string]string {
	r.t.Helper()
	st, err := sim.Load(r.state)
	if err != nil {
		r.t.Fatal(err)
	}
	m := map[string]string{}
	for _, s := range st.Groups["DGCVI"].Sessions {
		m[s.Source+":"+s.Target] = s.State
	}
	return m
}

// changes are the plan's steps that change something, as command lines.
func changes(t *testing.T, d *Driver, a snapdrivers.Action) []string {
	t.Helper()
	steps, err := d.Plan(a)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range steps {
		if !s.Check {
			out = append(out, strings.Join(s.Argv, " "))
		}
	}
	return out
}

// ran are the logged commands that are not queries.
func ran(log []string) []string {
	var out []string
	for _, l := range log {
		if l != "symclone -g DGCVI query" && l != "symld -g DGCVI list -v" {
			out = append(out, l)
		}
	}
	return out
}

var t0 = time.Date(2024, 7, 1, 10, 20, 56, 0, time.UTC)

const (
	query    = "symclone -g DGCVI query"
	recreate = "symclone -g DGCVI -noprompt recreate -precopy -i 20 -c 30 DEV001 sym ld CLONE001 DEV002 sym ld CLONE002"
	activate = "symclone -g DGCVI -noprompt activate -i 20 -c 30 DEV001 sym ld CLONE001 DEV002 sym ld CLONE002"
)

func TestResyncAndUpdate(t *testing.T) {
	for _, action := range []snapdrivers.Action{snapdrivers.ActionResync, snapdrivers.ActionUpdate} {
		t.Run(string(action), func(t *testing.T) {
			r := newRig(t, 2, "Copied", t0, nil)
			run := r.d.Resync
			if action == snapdrivers.ActionUpdate {
				run = r.d.Update
			}
			if err := run(context.Background()); err != nil {
				t.Fatal(err)
			}
			log := r.commands()
			if diff := cmp.Diff([]string{query, recreate}, log); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(changes(t, r.d, action), ran(log)); diff != "" {
				t.Errorf("plan and run differ (-plan +run):\n%s", diff)
			}
			want := map[string]string{"DEV001:CLONE001": "Precopy", "DEV002:CLONE002": "Precopy"}
			if diff := cmp.Diff(want, r.sessions()); diff != "" {
				t.Errorf("sessions (-want +got):\n%s", diff)
			}
			// Seed 002: the success messages come on stderr, a warning.
			if !strings.Contains(r.log.String(), "WARNING - command successful but stderr") {
				t.Errorf("log lacks the stderr warning:\n%s", r.log)
			}
		})
	}
}

func TestResyncStates(t *testing.T) {
	tests := []struct {
		name     string
		precopy  string
		states   [2]string
		wantCmds []string
		wantLog  string
		wantErr  error
		after    map[string]string
	}{
		{
			name:     "created, without precopy",
			precopy:  "no",
			states:   [2]string{"Created", "Created"},
			wantCmds: []string{query, "symclone -g DGCVI -noprompt recreate -i 20 -c 30 DEV001 sym ld CLONE001 DEV002 sym ld CLONE002"},
			after:    map[string]string{"DEV001:CLONE001": "Recreated", "DEV002:CLONE002": "Recreated"},
		},
		{
			name:     "all already recreated",
			states:   [2]string{"Precopy", "Recreated"},
			wantCmds: []string{query},
			wantLog:  "symclone target devices are already recreated",
			after:    map[string]string{"DEV001:CLONE001": "Precopy", "DEV002:CLONE002": "Recreated"},
		},
		{
			name:     "one already recreated",
			states:   [2]string{"Precopy", "CopyInProg"},
			wantCmds: []string{query, "symclone -g DGCVI -noprompt recreate -precopy -i 20 -c 30 DEV002 sym ld CLONE002"},
			wantLog:  "DEV001 sym ld CLONE001 is already Precopy: left out of the recreate",
			after:    map[string]string{"DEV001:CLONE001": "Precopy", "DEV002:CLONE002": "Precopy"},
		},
		{
			name:     "one split",
			states:   [2]string{"Copied", "Split"},
			wantCmds: []string{query},
			wantErr:  ErrUnexpectedState,
			after:    map[string]string{"DEV001:CLONE001": "Copied", "DEV002:CLONE002": "Split"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := map[string]string{}
			if tt.precopy != "" {
				kv["precopy"] = tt.precopy
			}
			r := newRig(t, 2, tt.states[0], t0, kv)
			if err := sim.SetState(r.state, "DGCVI", r.pairs[1], tt.states[1]); err != nil {
				t.Fatal(err)
			}
			err := r.d.Resync(context.Background())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resync = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantCmds, r.commands()); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
			if !strings.Contains(r.log.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, r.log)
			}
			if diff := cmp.Diff(tt.after, r.sessions()); diff != "" {
				t.Errorf("sessions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActionsRefuseMissingPairs(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(r *rig) error
		wantErr error
	}{
		{"target not in the group", func(r *rig) error { return sim.RemoveDevice(r.state, "DGCVI", "CLONE002") }, ErrNotInGroup},
		{"no session for a pair", func(r *rig) error { return sim.RemoveSession(r.state, "DGCVI", r.pairs[0]) }, ErrNotInGroup},
		{"no session at all", func(r *rig) error {
			if err := sim.RemoveSession(r.state, "DGCVI", r.pairs[0]); err != nil {
				return err
			}
			return sim.RemoveSession(r.state, "DGCVI", r.pairs[1])
		}, ErrNoSession},
	}
	for _, tt := range tests {
		for _, action := range []snapdrivers.Action{snapdrivers.ActionResync, snapdrivers.ActionBreak} {
			t.Run(tt.name+"/"+string(action), func(t *testing.T) {
				r := newRig(t, 2, "Precopy", t0, nil)
				if err := tt.breakIt(r); err != nil {
					t.Fatal(err)
				}
				run := r.d.Resync
				if action == snapdrivers.ActionBreak {
					run = r.d.Break
				}
				err := run(context.Background())
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("%s = %v, want %v", action, err, tt.wantErr)
				}
				if diff := cmp.Diff([]string{query}, r.commands()); diff != "" {
					t.Errorf("commands (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestBreak(t *testing.T) {
	r := newRig(t, 2, "Precopy", t0, nil)
	if err := r.d.Break(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := r.commands()
	// The simulator shows CopyInProg to DefaultCopyPolls queries, then
	// Copied.
	want := []string{query, activate, query, query, query}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(changes(t, r.d, snapdrivers.ActionBreak), ran(log)); diff != "" {
		t.Errorf("plan and run differ (-plan +run):\n%s", diff)
	}
	if got := strings.Count(r.log.String(), "INFO - waiting for copied state (max 300 secs)"); got != 1 {
		t.Errorf("the wait is logged %d times, want once:\n%s", got, r.log)
	}
	want2 := map[string]string{"DEV001:CLONE001": "Copied", "DEV002:CLONE002": "Copied"}
	if diff := cmp.Diff(want2, r.sessions()); diff != "" {
		t.Errorf("sessions (-want +got):\n%s", diff)
	}
}

func TestBreakConsistent(t *testing.T) {
	r := newRig(t, 1, "Created", t0, map[string]string{"consistent": "yes"})
	if err := sim.SetCopyPolls(r.state, "DGCVI", r.pairs[0], 0); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Break(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{query, "symclone -g DGCVI -noprompt activate -i 20 -c 30 -consistent DEV001 sym ld CLONE001", query}
	if diff := cmp.Diff(want, r.commands()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if strings.Contains(r.log.String(), "waiting for copied state") {
		t.Errorf("waited although copied at once:\n%s", r.log)
	}
}

func TestBreakAlreadyActive(t *testing.T) {
	r := newRig(t, 2, "Copied", t0, nil)
	if err := sim.SetState(r.state, "DGCVI", r.pairs[1], "CopyInProg"); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Break(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{query}, r.commands()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.log.String(), "INFO - symclone target devices are already active") {
		t.Errorf("log lacks the already-active line:\n%s", r.log)
	}
}

func TestBreakStuck(t *testing.T) {
	r := newRig(t, 2, "Precopy", t0, map[string]string{"activate_timeout": "60", "poll_interval": "20"})
	if err := sim.SetCopyPolls(r.state, "DGCVI", r.pairs[1], sim.Stuck); err != nil {
		t.Fatal(err)
	}
	err := r.d.Break(context.Background())
	if !errors.Is(err, ErrNotCopied) {
		t.Fatalf("Break = %v, want ErrNotCopied", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "DEV002 sym ld CLONE002 (CopyInProg 39%)") || strings.Contains(msg, "DEV001 sym ld") {
		t.Errorf("error does not name the stuck pair alone: %v", err)
	}
	// A query right after activate, then one every 20 s for 60 s.
	want := []string{query, activate, query, query, query, query}
	if diff := cmp.Diff(want, r.commands()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	for _, l := range []string{"INFO - waiting for copied state (max 60 secs)", "ERROR - timed out waiting for copied state (60 secs)"} {
		if !strings.Contains(r.log.String(), l) {
			t.Errorf("log lacks %q:\n%s", l, r.log)
		}
	}
}

func TestBreakCancelled(t *testing.T) {
	r := newRig(t, 1, "Precopy", t0, nil)
	if err := sim.SetCopyPolls(r.state, "DGCVI", r.pairs[0], sim.Stuck); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.d.env.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	if err := r.d.Break(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Break = %v, want context.Canceled", err)
	}
}

func TestStatusUp(t *testing.T) {
	const n = 64
	r := newRig(t, n, "Copied", t0, nil)
	older := t0.Add(-90 * time.Minute)
	if err := sim.SetLastAction(r.state, "DGCVI", r.pairs[41], older); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetState(r.state, "DGCVI", r.pairs[3], "Precopy"); err != nil {
		t.Fatal(err)
	}
	st, err := r.d.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Two commands whatever the number of pairs.
	if diff := cmp.Diff([]string{query, "symld -g DGCVI list -v"}, r.commands()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if len(st.Problems) != 0 {
		t.Errorf("problems: %q", st.Problems)
	}
	if !st.HasTime || !st.LastSync.Equal(older) || st.ProblemState != snapdrivers.Down {
		t.Errorf("HasTime %v LastSync %v ProblemState %v; want true, %v (the oldest), down", st.HasTime, st.LastSync, st.ProblemState, older)
	}
	if st.LastSync.Location() != r.loc {
		t.Errorf("LastSync in %v, want the array's zone %v", st.LastSync.Location(), r.loc)
	}
	if len(st.Pairs) != n {
		t.Fatalf("%d pairs, want %d", len(st.Pairs), n)
	}
	want := []snapdrivers.PairStatus{
		{Source: "DEV001", Target: "CLONE001", State: "Copied", Synced: t0},
		{Source: "DEV004", Target: "CLONE004", State: "Precopy", Synced: t0},
		{Source: "DEV042", Target: "CLONE042", State: "Copied", Synced: older},
	}
	got := []snapdrivers.PairStatus{st.Pairs[0], st.Pairs[3], st.Pairs[41]}
	if diff := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
}

func TestStatusProblems(t *testing.T) {
	tests := []struct {
		name         string
		breakIt      func(r *rig) error
		wantProblems []string
		wantStates   []string
		wantNoTime   bool
	}{
		{
			name:         "unexpected state",
			breakIt:      func(r *rig) error { return sim.SetState(r.state, "DGCVI", r.pairs[1], "Split") },
			wantProblems: []string{"Pair DEV002:CLONE002 is in state Split, not one of Copied, CopyInProg, Precopy, Recreated, Created."},
			wantStates:   []string{"Copied", "Split"},
		},
		{
			name:         "copy on access",
			breakIt:      func(r *rig) error { return sim.SetState(r.state, "DGCVI", r.pairs[0], "CopyOnAccess") },
			wantProblems: []string{"Pair DEV001:CLONE001 is in state CopyOnAccess, not one of Copied, CopyInProg, Precopy, Recreated, Created."},
			wantStates:   []string{"CopyOnAccess", "Copied"},
		},
		{
			name:         "target not in the group",
			breakIt:      func(r *rig) error { return sim.RemoveDevice(r.state, "DGCVI", "CLONE002") },
			wantProblems: []string{"Device CLONE002 of pair DEV002:CLONE002 is not present in device group DGCVI."},
			wantStates:   []string{"Copied", "missing"},
			wantNoTime:   true,
		},
		{
			name:    "no session",
			breakIt: func(r *rig) error { return sim.RemoveSession(r.state, "DGCVI", r.pairs[0]) },
			wantProblems: []string{
				"Pair DEV001:CLONE001: the source device and the target device do not form a copy session in device group DGCVI.",
			},
			wantStates: []string{"no session", "Copied"},
			wantNoTime: true,
		},
		{
			name: "no session at all",
			breakIt: func(r *rig) error {
				if err := sim.RemoveSession(r.state, "DGCVI", r.pairs[0]); err != nil {
					return err
				}
				return sim.RemoveSession(r.state, "DGCVI", r.pairs[1])
			},
			wantProblems: []string{
				"Pair DEV001:CLONE001: the source device and the target device do not form a copy session in device group DGCVI.",
				"Pair DEV002:CLONE002: the source device and the target device do not form a copy session in device group DGCVI.",
			},
			wantStates: []string{"no session", "no session"},
			wantNoTime: true,
		},
		{
			name:         "no time",
			breakIt:      func(r *rig) error { return sim.SetLastAction(r.state, "DGCVI", r.pairs[1], time.Time{}) },
			wantProblems: []string{"Device CLONE002 of pair DEV002:CLONE002 has no time of last clone action."},
			wantStates:   []string{"Copied", "Copied"},
			wantNoTime:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, 2, "Copied", t0, nil)
			if err := tt.breakIt(r); err != nil {
				t.Fatal(err)
			}
			st, err := r.d.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantProblems, st.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if st.ProblemState != snapdrivers.Down {
				t.Errorf("ProblemState = %v, want down (seed 002)", st.ProblemState)
			}
			var states []string
			for _, p := range st.Pairs {
				states = append(states, p.State)
			}
			if diff := cmp.Diff(tt.wantStates, states); diff != "" {
				t.Errorf("pair states (-want +got):\n%s", diff)
			}
			if st.LastSync.IsZero() != tt.wantNoTime {
				t.Errorf("LastSync = %v, want zero %v", st.LastSync, tt.wantNoTime)
			}
		})
	}
}

func TestCommandFailures(t *testing.T) {
	const msg = "Cannot proceed because the device group is locked" // any symcli error
	tests := []struct {
		name     string
		action   snapdrivers.Action
		fail     sim.Failure
		state    string
		wantArgv string
		wantCmds []string
		wantErr  error
	}{
		{
			name:     "recreate fails",
			action:   snapdrivers.ActionResync,
			state:    "Copied",
			fail:     sim.Failure{Command: "symclone", Arg: "recreate", Code: 2, Message: msg},
			wantArgv: recreate,
			wantCmds: []string{query, recreate},
		},
		{
			name:     "activate fails: no wait",
			action:   snapdrivers.ActionBreak,
			state:    "Precopy",
			fail:     sim.Failure{Command: "symclone", Arg: "activate", Code: 3, Message: msg},
			wantArgv: activate,
			wantCmds: []string{query, activate},
		},
		{
			name:     "query fails: nothing changed",
			action:   snapdrivers.ActionBreak,
			state:    "Precopy",
			fail:     sim.Failure{Command: "symclone", Arg: "query", Code: 1, Message: msg, Stdout: true},
			wantArgv: query,
			wantCmds: []string{query},
		},
		{
			name:     "symld fails",
			action:   snapdrivers.ActionStatus,
			state:    "Copied",
			fail:     sim.Failure{Command: "symld", Code: 1, Message: msg},
			wantArgv: "symld -g DGCVI list -v",
			wantCmds: []string{query, "symld -g DGCVI list -v"},
		},
		{
			name:     "recreate exits 0 without its message",
			action:   snapdrivers.ActionResync,
			state:    "Copied",
			fail:     sim.Failure{Command: "symclone", Arg: "recreate", Code: 0, Message: msg},
			wantArgv: recreate,
			wantCmds: []string{query, recreate},
			wantErr:  ErrNoSuccessMessage,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, 2, tt.state, t0, nil)
			if err := sim.Fail(r.state, tt.fail); err != nil {
				t.Fatal(err)
			}
			var err error
			switch tt.action {
			case snapdrivers.ActionResync:
				err = r.d.Resync(context.Background())
			case snapdrivers.ActionBreak:
				err = r.d.Break(context.Background())
			case snapdrivers.ActionStatus:
				_, err = r.d.Status(context.Background())
			}
			var ce *snapdrivers.CommandError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CommandError", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if got := strings.Join(ce.Argv, " "); got != tt.wantArgv {
				t.Errorf("argv = %q, want %q", got, tt.wantArgv)
			}
			if ce.Code != tt.fail.Code || !strings.Contains(ce.Output, msg) {
				t.Errorf("code %d output %q; want %d and %q", ce.Code, ce.Output, tt.fail.Code, msg)
			}
			if tt.fail.Code == 0 && !strings.Contains(ce.Reason, "DEV001 sym ld CLONE001, DEV002 sym ld CLONE002") {
				t.Errorf("reason %q does not name the pairs", ce.Reason)
			}
			if diff := cmp.Diff(tt.wantCmds, r.commands()); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	r := newRig(t, 2, "Copied", t0, map[string]string{"activate_timeout": "10m", "poll_interval": "30"})
	tests := []struct {
		action snapdrivers.Action
		want   []string
	}{
		{snapdrivers.ActionResync, []string{
			"(check) symclone -g DGCVI query    # pairs already Precopy or Recreated are left out; nothing runs when all are",
			recreate,
		}},
		{snapdrivers.ActionBreak, []string{
			"(check) symclone -g DGCVI query    # pairs already Copied or CopyInProg are left out; nothing runs when all are",
			activate,
			"(check) symclone -g DGCVI query    # every 30s until every pair is Copied, at most 10m0s",
		}},
		{snapdrivers.ActionStatus, []string{"(check) symclone -g DGCVI query", "(check) symld -g DGCVI list -v"}},
	}
	for _, tt := range tests {
		steps, err := r.d.Plan(tt.action)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range steps {
			got = append(got, s.String())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Plan(%s) (-want +got):\n%s", tt.action, diff)
		}
	}
	if _, err := r.d.Plan("restore"); !errors.Is(err, snapdrivers.ErrNotSupported) {
		t.Errorf("Plan(restore) = %v, want ErrNotSupported", err)
	}
	if len(r.commands()) != 0 {
		t.Errorf("Plan ran commands: %q", r.commands())
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		body    string // the keys of [sync#1], from line 4
		want    *Driver
		wantErr []string
	}{
		{
			name: "defaults",
			body: "dg = DGCVI\npairs = DEV001:CLONE001\n  DEV002:CLONE002, DEV001:CLONE003\n",
			want: &Driver{dg: "DGCVI", pairs: []Pair{{"DEV001", "CLONE001"}, {"DEV002", "CLONE002"}, {"DEV001", "CLONE003"}},
				precopy: true, activateTimeout: 300 * time.Second, pollInterval: 20 * time.Second},
		},
		{
			name: "everything set",
			body: "dg = DGCVI\npairs = DEV001:CLONE001\nprecopy = no\nconsistent = yes\nactivate_timeout = 15m\npoll_interval = 5\n",
			want: &Driver{dg: "DGCVI", pairs: []Pair{{"DEV001", "CLONE001"}}, consistent: true,
				activateTimeout: 15 * time.Minute, pollInterval: 5 * time.Second},
		},
		{
			name:    "nothing",
			body:    "sync_max_delay = 1440\n",
			wantErr: []string{"svc.conf:2: [sync#1] dg is required", "svc.conf:2: [sync#1] pairs is required"},
		},
		{
			name: "bad values",
			body: "dg = -DG\npairs = DEV001:CLONE001 DEV002 DEV003:CLONE001 DEV004:DEV004 CLONE001:X DEV005:\nprecopy = maybe\n" +
				"activate_timeout = soon\npoll_interval = 0\n",
			wantErr: []string{
				`svc.conf:4: [sync#1] dg: "-DG" is not a device group name`,
				`svc.conf:5: [sync#1] pairs: "DEV002": want SOURCE:TARGET`,
				`svc.conf:5: [sync#1] pairs: DEV003:CLONE001: CLONE001 is already the target of DEV001:CLONE001`,
				`svc.conf:5: [sync#1] pairs: DEV004:DEV004: a device cannot be its own clone`,
				`svc.conf:5: [sync#1] pairs: CLONE001:X: CLONE001 is already the target of DEV001:CLONE001`,
				`svc.conf:5: [sync#1] pairs: "DEV005:": "" is not a logical device name`,
				`svc.conf:6: [sync#1] precopy: "maybe": want yes or no`,
				`svc.conf:7: [sync#1] activate_timeout: "soon"`,
				`svc.conf:8: [sync#1] poll_interval: must be more than 0`,
			},
		},
		{
			name:    "misspelt keyword",
			body:    "dg = DGCVI\npairs = DEV001:CLONE001\npre_copy = no\n",
			wantErr: []string{`svc.conf:6: [sync#1] unknown keyword "pre_copy"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "# a resource\n[sync#1]\ntype = symclone\n" + tt.body
			sf, err := snapdrivers.ParseServiceFile(strings.NewReader(text), "svc.conf")
			if err != nil {
				t.Fatal(err)
			}
			sec := sf.Sections[0]
			sec.Lookup("type") // the parent reads it
			sec.Lookup("sync_max_delay")
			d, err := New(sec, snapdrivers.Env{})
			if err == nil {
				err = errors.Join(sec.Unused()...)
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, d, cmp.AllowUnexported(Driver{})); diff != "" {
					t.Errorf("New (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("New accepted %q", tt.body)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// The log of a break reads as seed 002's.
func TestBreakLog(t *testing.T) {
	r := newRig(t, 1, "Precopy", t0, nil)
	if err := r.d.Break(context.Background()); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(r.log.String()), "\n") {
		_, rest, ok := strings.Cut(l, " - test.SYNC#1 - ")
		if ok && (strings.HasPrefix(rest, "INFO - symclone") || strings.HasPrefix(rest, "INFO - waiting") || strings.HasPrefix(rest, "WARNING")) {
			lines = append(lines, rest)
		}
	}
	want := []string{
		"INFO - symclone -g DGCVI query",
		"INFO - symclone -g DGCVI -noprompt activate -i 20 -c 30 DEV001 sym ld CLONE001",
		"WARNING - command successful but stderr:",
		"INFO - symclone -g DGCVI query",
		"INFO - waiting for copied state (max 300 secs)",
	}
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Fatalf("log line %d: want %q; log:\n%s", i, w, strings.Join(lines, "\n"))
		}
	}
}
