package necism

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sim "github.com/ietkit/ietkit/internal/arraysim/necism"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

const simPkg = "github.com/ietkit/ietkit/internal/arraysim/necism/cmd/necismsim"

func TestMain(m *testing.M) {
	code := m.Run()
	snaptest.Cleanup()
	os.Exit(code)
}

// The array's zone differs from UTC and from the host's, so that a time
// read in the wrong zone shows.
const arrayTZ = "Asia/Tokyo"

type fixtureEnv struct {
	d     *Driver
	state string
	log   *bytes.Buffer
	loc   *time.Location
}

// newFixture seeds pairs taken at at and builds a driver for them
// running the simulator.
func newFixture(t *testing.T, pairs []sim.Pair, at time.Time, extra string) fixtureEnv {
	t.Helper()
	loc, err := time.LoadLocation(arrayTZ)
	if err != nil {
		t.Fatal(err)
	}
	bin := snaptest.BuildSim(t, simPkg, sim.Commands...)
	state := t.TempDir()
	if err := sim.Seed(state, pairs, at); err != nil {
		t.Fatal(err)
	}
	t.Setenv(sim.TZEnv, arrayTZ)
	var log bytes.Buffer
	env := snaptest.Env(t, bin, state, &log, nil)
	env.Location = loc
	d, err := New(section(t, "pairs = "+sim.Keyword(pairs)+"\n"+extra), env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("driver log:\n%s", log.String())
		}
	})
	return fixtureEnv{d: d, state: state, log: &log, loc: loc}
}

func argvs(steps []snapdrivers.Step) []string {
	var s []string
	for _, st := range steps {
		s = append(s, strings.Join(st.Argv, " "))
	}
	return s
}

func TestResyncFromFresh(t *testing.T) {
	for _, action := range []snapdrivers.Action{snapdrivers.ActionResync, snapdrivers.ActionUpdate} {
		t.Run(string(action), func(t *testing.T) {
			f := newFixture(t, sim.LogPairs(), time.Date(2014, 9, 18, 5, 15, 4, 0, time.UTC), "")
			before := time.Now().Truncate(time.Second)
			run := f.d.Resync
			if action == snapdrivers.ActionUpdate {
				run = f.d.Update
			}
			if err := run(context.Background()); err != nil {
				t.Fatal(err)
			}
			after := time.Now()
			want := []string{
				"iSMsc_query -bv SOURCE_0001 -bvflg ld -detail",
				"iSMsc_query -bv SOURCE_0002 -bvflg ld -detail",
				"iSMsc_unlink -lv SOURCE_0001_LV00A6 -lvflg ld",
				"iSMsc_unlink -lv SOURCE_0002_LV009E -lvflg ld",
				"iSMsc_query -bv SOURCE_0001 -bvflg ld -detail",
				"iSMsc_create -bv SOURCE_0001 -sv SOURCE_0001_SV006D -bvflg ld -svflg ld",
				"iSMsc_query -bv SOURCE_0002 -bvflg ld -detail",
				"iSMsc_create -bv SOURCE_0002 -sv SOURCE_0002_SV0055 -bvflg ld -svflg ld",
				"iSMsc_link -lv SOURCE_0001_LV00A6 -sv SOURCE_0001_SV006D -lvflg ld -svflg ld",
				"iSMsc_link -lv SOURCE_0002_LV009E -sv SOURCE_0002_SV0055 -lvflg ld -svflg ld",
			}
			ran := snaptest.CommandLog(t, f.state)
			if diff := cmp.Diff(want, ran); diff != "" {
				t.Errorf("commands run (-want +got):\n%s", diff)
			}
			plan, err := f.d.Plan(action)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(argvs(plan), ran); diff != "" {
				t.Errorf("plan and run differ (-plan +run):\n%s", diff)
			}

			st, err := f.d.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Problems) != 0 {
				t.Errorf("problems after resync: %q", st.Problems)
			}
			if st.LastSync.Before(before) || st.LastSync.After(after) {
				t.Errorf("LastSync %v, want between %v and %v", st.LastSync, before, after)
			}
			for _, p := range sim.LogPairs() {
				got, err := sim.SVTime(f.state, p.SV)
				if err != nil {
					t.Fatal(err)
				}
				if got.Before(st.LastSync) {
					t.Errorf("SV %s taken at %v, before LastSync %v (not the oldest)", p.SV, got, st.LastSync)
				}
			}
		})
	}
}

func TestStatusUp(t *testing.T) {
	loc, _ := time.LoadLocation(arrayTZ)
	at := time.Date(2014, 9, 18, 5, 15, 4, 0, loc)
	f := newFixture(t, sim.LogPairs(), at, "")
	if err := sim.Update(f.state, func(s *sim.State) error {
		s.BVs[1].SVs[0].Time = at.Add(38 * time.Second) // the second create, as in seed 000
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := f.d.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := snapdrivers.ArrayStatus{
		LastSync:     at,
		HasTime:      true,
		ProblemState: snapdrivers.Warn,
		Pairs: []snapdrivers.PairStatus{
			{Source: "SOURCE_0001", Target: "SOURCE_0001_SV006D (LV SOURCE_0001_LV00A6)", State: "snap/active link", Synced: at},
			{Source: "SOURCE_0002", Target: "SOURCE_0002_SV0055 (LV SOURCE_0002_LV009E)", State: "snap/active link", Synced: at.Add(38 * time.Second)},
		},
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Status (-want +got):\n%s", diff)
	}
	if !st.LastSync.Equal(time.Date(2014, 9, 17, 20, 15, 4, 0, time.UTC)) {
		t.Errorf("LastSync %v is not 05:15:04 in Tokyo", st.LastSync)
	}
	plan, _ := f.d.Plan(snapdrivers.ActionStatus)
	if diff := cmp.Diff(argvs(plan), snaptest.CommandLog(t, f.state)); diff != "" {
		t.Errorf("status ran other commands than its plan (-plan +run):\n%s", diff)
	}
}

func TestStatusProblems(t *testing.T) {
	pairs := sim.LogPairs()
	at := time.Date(2014, 9, 18, 5, 15, 4, 0, time.UTC)
	tests := []struct {
		name     string
		bad      func(dir string) error
		want     []string
		wantTime bool // LastSync still set
	}{
		{"SV missing", func(dir string) error { return sim.RemoveSV(dir, pairs[1].SV) },
			[]string{"SV:SOURCE_0002_SV0055 not found on BV:SOURCE_0002"}, false},
		{"SV in error state", func(dir string) error { return sim.SetSVState(dir, pairs[0].SV, "snap/fault", 0) },
			[]string{"SV:SOURCE_0001_SV006D is snap/fault, not snap/active"}, true},
		{"SV changing", func(dir string) error { return sim.SetSVState(dir, pairs[0].SV, "snap/deleting", 0) },
			[]string{"SV:SOURCE_0001_SV006D is snap/deleting, not snap/active"}, true},
		{"no time", func(dir string) error { return sim.ClearTime(dir, pairs[1].SV) },
			[]string{"SV:SOURCE_0002_SV0055 has no snapshot time"}, false},
		{"LV unlinked", func(dir string) error { return sim.UnlinkLV(dir, pairs[0].LV) },
			[]string{"LD:SOURCE_0001_LV00A6 is not linked to SV:SOURCE_0001_SV006D"}, true},
		{"BV not queryable", func(dir string) error {
			return sim.FailOn(dir, sim.Failure{Command: "iSMsc_query", Arg: pairs[0].BV, Code: 1,
				Message: "iSMsc_query:Error: iSM21102: Specified BV does not exist (SOURCE_0001)"})
		}, []string{"BV:SOURCE_0001 could not be queried for SV:SOURCE_0001_SV006D: iSMsc_query:Error: iSM21102: Specified BV does not exist (SOURCE_0001)"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, pairs, at, "")
			if err := tt.bad(f.state); err != nil {
				t.Fatal(err)
			}
			st, err := f.d.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, st.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if st.ProblemState != snapdrivers.Warn {
				t.Errorf("ProblemState %q, want warn", st.ProblemState)
			}
			if got := !st.LastSync.IsZero(); got != tt.wantTime {
				t.Errorf("LastSync %v, want set: %v", st.LastSync, tt.wantTime)
			}
		})
	}
}

func TestResyncFails(t *testing.T) {
	pairs := sim.LogPairs()
	tests := []struct {
		name     string
		failure  sim.Failure
		wantLast string // the last command run
		wantCode int
		wantOut  string
		wantIs   error
	}{
		{"create fails",
			sim.Failure{Command: "iSMsc_create", Arg: pairs[1].SV, Code: 3, Message: "iSMsc_create:Error: iSM19999: the array says no"},
			"iSMsc_create -bv SOURCE_0002 -sv SOURCE_0002_SV0055 -bvflg ld -svflg ld", 3,
			"iSMsc_create:Error: iSM19999: the array says no", nil},
		{"create busy",
			sim.Failure{Command: "iSMsc_create", Code: 1, Message: "iSMsc_create:Error: iSM19411: in progress"},
			"iSMsc_create -bv SOURCE_0001 -sv SOURCE_0001_SV006D -bvflg ld -svflg ld", 1,
			"iSMsc_create:Error: iSM19411: in progress", ErrBusy},
		{"unlink exits 0 without its message",
			sim.Failure{Command: "iSMsc_unlink", Arg: pairs[0].LV, Code: 0, Message: "iSMsc_unlink:Info: something else", Stdout: true},
			"iSMsc_unlink -lv SOURCE_0001_LV00A6 -lvflg ld", 0,
			"iSMsc_unlink:Info: something else", nil},
		{"link fails",
			sim.Failure{Command: "iSMsc_link", Code: 1},
			"iSMsc_link -lv SOURCE_0001_LV00A6 -sv SOURCE_0001_SV006D -lvflg ld -svflg ld", 1,
			"iSMsc_link:Error: iSM90001: Communication with the disk array failed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, pairs, time.Date(2014, 9, 18, 5, 15, 4, 0, time.UTC), "")
			if err := sim.FailOn(f.state, tt.failure); err != nil {
				t.Fatal(err)
			}
			err := f.d.Resync(context.Background())
			var ce *snapdrivers.CommandError
			if !errors.As(err, &ce) {
				t.Fatalf("Resync = %v, want a *CommandError", err)
			}
			ran := snaptest.CommandLog(t, f.state)
			if last := ran[len(ran)-1]; last != tt.wantLast {
				t.Errorf("last command run %q, want %q (the failing one)", last, tt.wantLast)
			}
			if got := strings.Join(ce.Argv, " "); got != tt.wantLast {
				t.Errorf("error argv %q, want %q", got, tt.wantLast)
			}
			if ce.Code != tt.wantCode || ce.Output != tt.wantOut {
				t.Errorf("error code %d output %q, want %d %q", ce.Code, ce.Output, tt.wantCode, tt.wantOut)
			}
			if tt.wantCode == 0 && ce.Reason == "" {
				t.Error("a command without its success message has no reason")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
		})
	}
}

func TestResyncWaitsForChangingSV(t *testing.T) {
	// Two SVs of one BV: the other one is being deleted.
	pairs := []sim.Pair{{BV: "SRC", SV: "SRC_SV1", LV: "SRC_LV1"}, {BV: "SRC", SV: "SRC_SV2", LV: "SRC_LV2"}}
	at := time.Date(2014, 9, 18, 5, 15, 4, 0, time.UTC)
	query := "iSMsc_query -bv SRC -bvflg ld -detail"
	create1 := "iSMsc_create -bv SRC -sv SRC_SV1 -bvflg ld -svflg ld"

	t.Run("settles", func(t *testing.T) {
		f := newFixture(t, pairs[:1], at, "")
		if err := sim.Update(f.state, func(s *sim.State) error {
			s.BVs[0].SVs = append(s.BVs[0].SVs, &sim.SV{Name: "SRC_SV9", Type: "LX", Generation: -2, State: "snap/deleting", Size: "1.0GB", Settle: 3})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := f.d.Resync(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The link-state query is the first of the 3 that show it changing.
		want := []string{query, "iSMsc_unlink -lv SRC_LV1 -lvflg ld", query, query, query, create1,
			"iSMsc_link -lv SRC_LV1 -sv SRC_SV1 -lvflg ld -svflg ld"}
		if diff := cmp.Diff(want, snaptest.CommandLog(t, f.state)); diff != "" {
			t.Errorf("commands run (-want +got):\n%s", diff)
		}
		if !strings.Contains(f.log.String(), "SV are changing states : SRC_SV9:snap/deleting. Wait 30sec before retry") {
			t.Errorf("the wait is not logged:\n%s", f.log)
		}
	})

	t.Run("stuck", func(t *testing.T) {
		f := newFixture(t, pairs, at, "create_wait = 90\n")
		if err := sim.SetSVState(f.state, "SRC_SV2", "snap/deleting", 0); err != nil {
			t.Fatal(err)
		}
		err := f.d.Resync(context.Background())
		if !errors.Is(err, ErrChanging) {
			t.Fatalf("Resync = %v, want ErrChanging", err)
		}
		if want := "SRC_SV2:snap/deleting"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
		ran := snaptest.CommandLog(t, f.state)
		want := []string{query, "iSMsc_unlink -lv SRC_LV1 -lvflg ld", "iSMsc_unlink -lv SRC_LV2 -lvflg ld",
			query, query, query, query} // the first look and 3 more over 90 s
		if diff := cmp.Diff(want, ran); diff != "" {
			t.Errorf("commands run (-want +got):\n%s", diff)
		}
	})
}

func TestResyncSkipsUnlinkedLV(t *testing.T) {
	pairs := sim.LogPairs()
	f := newFixture(t, pairs, time.Date(2014, 9, 18, 5, 15, 4, 0, time.UTC), "")
	if err := sim.UnlinkLV(f.state, pairs[1].LV); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Resync(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range snaptest.CommandLog(t, f.state) {
		if c == "iSMsc_unlink -lv SOURCE_0002_LV009E -lvflg ld" {
			t.Error("an unlinked LV was unlinked")
		}
	}
	if !strings.Contains(f.log.String(), "SV:SOURCE_0002_SV0055 is already unlinked from LD:SOURCE_0002_LV009E") {
		t.Errorf("the skip is not logged:\n%s", f.log)
	}
	st, err := f.d.Status(context.Background())
	if err != nil || len(st.Problems) != 0 {
		t.Errorf("after resync: %v, problems %q", err, st.Problems)
	}
}

func TestResyncRefusesMissingSV(t *testing.T) {
	pairs := sim.LogPairs()
	f := newFixture(t, pairs, time.Date(2014, 9, 18, 5, 15, 4, 0, time.UTC), "")
	if err := sim.RemoveSV(f.state, pairs[1].SV); err != nil {
		t.Fatal(err)
	}
	err := f.d.Resync(context.Background())
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "SV:SOURCE_0002_SV0055 not found on BV:SOURCE_0002") {
		t.Fatalf("Resync = %v, want ErrNotFound naming the SV", err)
	}
	for _, c := range snaptest.CommandLog(t, f.state) {
		if !strings.HasPrefix(c, "iSMsc_query ") {
			t.Errorf("ran %q: something changed", c)
		}
	}
}

func TestBreak(t *testing.T) {
	d, err := New(section(t, "pairs = A:S:L\n"), snapdrivers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Break(context.Background()); !errors.Is(err, snapdrivers.ErrNotSupported) {
		t.Errorf("Break = %v, want ErrNotSupported", err)
	}
}

// BenchmarkStatus64 is one status of a 64-pair resource (64 BVs, so 64
// queries) against the simulator, process start-ups included.
func BenchmarkStatus64(b *testing.B) {
	pairs := sim.Pairs(64)
	bin := snaptest.BuildSim(b, simPkg, sim.Commands...)
	state := b.TempDir()
	if err := sim.Seed(state, pairs, time.Now()); err != nil {
		b.Fatal(err)
	}
	sec := snapdrivers.NewSection("sync#1", map[string]string{"pairs": sim.Keyword(pairs)})
	d, err := New(sec, snaptest.Env(b, bin, state, io.Discard, nil))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		st, err := d.Status(context.Background())
		if err != nil || len(st.Problems) > 0 {
			b.Fatal(err, st.Problems)
		}
	}
}
