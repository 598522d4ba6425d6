package snapdrivers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/remote"
)

// fakeDriver records what it was asked in calls.
type fakeDriver struct {
	rid   string
	calls *[]string
	fail  map[Action]error
	arr   ArrayStatus
	qerr  error
}

func (f *fakeDriver) Kind() string { return "fake" }
func (f *fakeDriver) Plan(a Action) ([]Step, error) {
	return []Step{{Argv: []string{"fakecli", string(a), f.rid}}}, nil
}
func (f *fakeDriver) do(a Action) error {
	*f.calls = append(*f.calls, f.rid+" "+string(a))
	return f.fail[a]
}
func (f *fakeDriver) Resync(context.Context) error { return f.do(ActionResync) }
func (f *fakeDriver) Update(context.Context) error { return f.do(ActionUpdate) }
func (f *fakeDriver) Break(context.Context) error  { return f.do(ActionBreak) }
func (f *fakeDriver) Status(context.Context) (ArrayStatus, error) {
	*f.calls = append(*f.calls, f.rid+" status")
	return f.arr, f.qerr
}

type fakeEnv struct {
	svc     *Service
	calls   []string
	drivers map[string]*fakeDriver
	now     time.Time
}

func newFakeService(t *testing.T, conf string) *fakeEnv {
	t.Helper()
	e := &fakeEnv{drivers: map[string]*fakeDriver{}, now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	sf, err := ParseServiceFile(strings.NewReader(conf), "svc.conf")
	if err != nil {
		t.Fatal(err)
	}
	factory := func(kind string, sec *Section, env Env) (Driver, error) {
		if kind != "fake" {
			return nil, sec.Errorf("type", "unknown type %q", kind)
		}
		sec.Get("pairs")
		d := &fakeDriver{rid: sec.Name, calls: &e.calls, fail: map[Action]error{}}
		e.drivers[sec.Name] = d
		return d, nil
	}
	e.svc, err = NewService("svc", sf, LoadOptions{Factory: factory, Runner: remote.Local{}, StateDir: t.TempDir(), Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const fakeConf = `[sync#1]
type = fake
sync_min_delay = 30
sync_max_delay = 120
[sync#2]
type = fake
`

func TestServiceRunsInOrderAndRecords(t *testing.T) {
	e := newFakeService(t, fakeConf)
	out, err := e.svc.Run(context.Background(), ActionResync, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sync#1 status", "sync#2 status", "sync#1 resync", "sync#2 resync"}
	if diff := cmp.Diff(want, e.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if out[0].Result != "done" || out[1].Result != "done" {
		t.Errorf("outcomes %+v", out)
	}
	rec, err := e.svc.ReadRecord("sync#1")
	if err != nil || rec == nil || !rec.Finished.Equal(e.now) || rec.Action != ActionResync {
		t.Fatalf("record %+v, %v", rec, err)
	}

	// Within sync_min_delay: refused, nothing run; --force goes through.
	e.calls = nil
	e.now = e.now.Add(10 * time.Minute)
	out, err = e.svc.Run(context.Background(), ActionResync, RunOptions{})
	if err == nil || out[0].Result != "refused" || !errors.Is(out[0].Err, ErrTooSoon) {
		t.Fatalf("second resync: %v, %+v", err, out)
	}
	if out[1].Result != "refused" {
		t.Errorf("sync#2 (default min delay 30 min) should refuse too: %+v", out[1])
	}
	for _, c := range e.calls {
		if !strings.HasSuffix(c, " status") {
			t.Errorf("a refused run ran %q", c)
		}
	}
	out, err = e.svc.Run(context.Background(), ActionResync, RunOptions{Force: true, RIDs: []string{"SYNC#2"}})
	if err != nil || len(out) != 1 || out[0].Result != "done" {
		t.Fatalf("--force --rid sync#2: %v %+v", err, out)
	}
	if e.calls[len(e.calls)-1] != "sync#2 resync" {
		t.Errorf("calls %v", e.calls)
	}
}

func TestServiceStopsAtFirstFailure(t *testing.T) {
	e := newFakeService(t, fakeConf)
	boom := &CommandError{Argv: []string{"fakecli", "resync"}, Code: 3, Output: "array says no"}
	e.drivers["sync#1"].fail[ActionResync] = boom
	out, err := e.svc.Run(context.Background(), ActionResync, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "later resources were not run") {
		t.Fatalf("err = %v", err)
	}
	if out[0].Result != "failed" || !errors.As(out[0].Err, new(*CommandError)) || out[1].Result != "not run" {
		t.Errorf("outcomes %+v", out)
	}
	if rec, _ := e.svc.ReadRecord("sync#1"); rec != nil {
		t.Errorf("a failed resync was recorded: %+v", rec)
	}
	for _, c := range e.calls {
		if c == "sync#2 resync" {
			t.Error("sync#2 ran after sync#1 failed")
		}
	}
}

func TestServicePrecheckRefuses(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "db-is-down")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"oracle instance $1 is running\"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newFakeService(t, fakeConf+"precheck = "+script+" ORCL\n")
	out, err := e.svc.Run(context.Background(), ActionUpdate, RunOptions{})
	if err == nil || out[1].Result != "refused" || !errors.Is(out[1].Err, ErrInUse) || !strings.Contains(out[1].Err.Error(), "oracle instance ORCL is running") {
		t.Fatalf("precheck: %v, %+v", err, out)
	}
	if out[0].Result != "not run" {
		t.Errorf("sync#1 ran although sync#2 refused: %+v", out[0])
	}
	// --force does not override the precheck: it only bypasses the delay.
	if _, err := e.svc.Run(context.Background(), ActionUpdate, RunOptions{Force: true}); err == nil {
		t.Error("--force bypassed the precheck")
	}
	// break needs no precheck.
	if _, err := e.svc.Run(context.Background(), ActionBreak, RunOptions{}); err != nil {
		t.Errorf("break: %v", err)
	}
}

func TestServiceStatus(t *testing.T) {
	e := newFakeService(t, fakeConf)
	st, err := e.svc.Status(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st[0].State != NA || st[1].State != NA {
		t.Fatalf("never synced: %+v", st)
	}
	if _, err := e.svc.Run(context.Background(), ActionResync, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Hour)
	st, _ = e.svc.Status(context.Background(), nil)
	if st[0].State != Up || st[0].Source != "record" {
		t.Errorf("an hour after: %+v", st[0])
	}
	e.now = e.now.Add(time.Hour + time.Minute)
	st, _ = e.svc.Status(context.Background(), nil)
	if st[0].State != Warn || st[1].State != Up {
		t.Errorf("past sync#1's 120 min: %s %s", st[0].State, st[1].State)
	}
	if _, err := e.svc.Status(context.Background(), []string{"sync#9"}); err == nil || !strings.Contains(err.Error(), "it has sync#1, sync#2") {
		t.Errorf("unknown rid: %v", err)
	}
}

func TestNewServiceErrors(t *testing.T) {
	tests := []struct{ name, conf, want string }{
		{"unknown type", "[sync#1]\ntype = hal9000\n", `svc.conf:2: [sync#1] type: unknown type "hal9000"`},
		{"no type", "[sync#1]\npairs = a:b\n", "svc.conf:1: [sync#1] type is required"},
		{"misspelt keyword", "[sync#1]\ntype = fake\nsync_max_dealy = 5\n", `svc.conf:3: [sync#1] unknown keyword "sync_max_dealy"`},
		{"bad timezone", "[sync#1]\ntype = fake\ntimezone = Mars/Olympus\n", "svc.conf:3: [sync#1] timezone"},
		{"min above max", "[sync#1]\ntype = fake\nsync_min_delay = 200\nsync_max_delay = 100\n", "longer than sync_max_delay"},
		{"zero max", "[sync#1]\ntype = fake\nsync_max_delay = 0\n", "cannot be 0"},
		{"relative precheck", "[sync#1]\ntype = fake\nprecheck = srv/db\n", "want an absolute path"},
		{"unused default", "[DEFAULT]\nfoo = 1\n[sync#1]\ntype = fake\n", `svc.conf:2: [DEFAULT] unknown keyword "foo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sf, err := ParseServiceFile(strings.NewReader(tt.conf), "svc.conf")
			if err != nil {
				t.Fatal(err)
			}
			factory := func(kind string, sec *Section, env Env) (Driver, error) {
				if kind != "fake" {
					return nil, sec.Errorf("type", "unknown type %q", kind)
				}
				return &fakeDriver{}, nil
			}
			_, err = NewService("svc", sf, LoadOptions{Factory: factory})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
