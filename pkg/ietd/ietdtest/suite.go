package ietdtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Env is one fresh, empty daemon for one test.
type Env struct {
	Backend ietd.Backend
	// Dir holds the backing files the tests create.
	Dir string
	// Login makes a session on target tid (named iqn, with LUN 0 added)
	// and returns a function that ends it for good.
	Login func(t *testing.T, tid int, iqn string) (closeSession func())
}

// The names of the suite's targets.
const (
	IQNA = "iqn.2001-04.com.example:suite.a"
	IQNB = "iqn.2001-04.com.example:suite.b"
)

// Wait bounds how long the tests wait for a daemon to show a change
// (a session after login, its end after closing).
const Wait = 20 * time.Second

// Run runs every test of the suite, each against its own newEnv(t).
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e Env)
	}{
		{"AddTarget", testAddTarget},
		{"DuplicateTarget", testDuplicateTarget},
		{"LUN", testLUN},
		{"DuplicateLUN", testDuplicateLUN},
		{"NotFound", testNotFound},
		{"Session", testSession},
		{"BusyTarget", testBusyTarget},
		{"Options", testOptions},
		{"Users", testUsers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newEnv(t)) })
	}
}

// BackingFile creates a sparse file of size bytes in dir.
func BackingFile(t *testing.T, dir, name string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

// State reads the daemon's state and fails the test on error.
func State(t *testing.T, b ietd.Backend) *ietd.State {
	t.Helper()
	s, err := b.State(context.Background())
	if err != nil {
		t.Fatalf("state: %v", err)
	}
	s.Sort()
	return s
}

// Target finds tid in s, failing the test when it is missing.
func Target(t *testing.T, s *ietd.State, tid int) *ietd.Target {
	t.Helper()
	for i := range s.Targets {
		if s.Targets[i].TID == tid {
			return &s.Targets[i]
		}
	}
	t.Fatalf("target %d missing from %+v", tid, s.Targets)
	return nil
}

// WaitState polls the state until ok holds, for at most Wait.
func WaitState(t *testing.T, b ietd.Backend, what string, ok func(*ietd.State) bool) *ietd.State {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for {
		s := State(t, b)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v still not %s: %+v", Wait, what, s.Targets)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustAddTarget(t *testing.T, b ietd.Backend, tid int, iqn string) {
	t.Helper()
	if err := b.AddTarget(context.Background(), tid, iqn); err != nil {
		t.Fatalf("add target: %v", err)
	}
}

func mustAddLUN(t *testing.T, e Env, tid int, l targetconf.LUN) {
	t.Helper()
	if err := e.Backend.AddLUN(context.Background(), tid, l); err != nil {
		t.Fatalf("add lun: %v", err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func testAddTarget(t *testing.T, e Env) {
	mustAddTarget(t, e.Backend, 1, IQNA)
	mustAddTarget(t, e.Backend, 3, IQNB)
	s := State(t, e.Backend)
	if len(s.Targets) != 2 || s.Targets[0].TID != 1 || s.Targets[0].Name != IQNA || s.Targets[1].TID != 3 || s.Targets[1].Name != IQNB {
		t.Fatalf("targets %+v", s.Targets)
	}
	for _, tg := range s.Targets {
		if len(tg.LUNs) != 0 || len(tg.Sessions) != 0 {
			t.Errorf("new target %d shows LUNs or sessions: %+v", tg.TID, tg)
		}
	}
	if err := e.Backend.DeleteTarget(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if s := State(t, e.Backend); len(s.Targets) != 1 || s.Targets[0].TID != 1 {
		t.Errorf("after delete: %+v", s.Targets)
	}
}

func testDuplicateTarget(t *testing.T, e Env) {
	ctx := context.Background()
	mustAddTarget(t, e.Backend, 1, IQNA)
	wantErr(t, "tid taken", e.Backend.AddTarget(ctx, 1, IQNB), ietd.ErrExists)
	wantErr(t, "name taken", e.Backend.AddTarget(ctx, 2, IQNA), ietd.ErrExists)
	if s := State(t, e.Backend); len(s.Targets) != 1 {
		t.Errorf("a refused add left a target: %+v", s.Targets)
	}
}

func testLUN(t *testing.T, e Env) {
	const size = 64<<20 + 4096
	p0 := BackingFile(t, e.Dir, "lun0.img", size)
	p3 := BackingFile(t, e.Dir, "lun3.img", size)
	mustAddTarget(t, e.Backend, 1, IQNA)
	mustAddLUN(t, e, 1, targetconf.LUN{Number: 0, Path: p0, Type: "fileio"})
	mustAddLUN(t, e, 1, targetconf.LUN{Number: 3, Path: p3, Type: "fileio", IOMode: "wb"})
	tg := Target(t, State(t, e.Backend), 1)
	if len(tg.LUNs) != 2 {
		t.Fatalf("want LUNs 0 and 3, got %+v", tg.LUNs)
	}
	for _, want := range []struct {
		n          int
		path, mode string
	}{{0, p0, "wt"}, {3, p3, "wb"}} {
		l, ok := tg.LUN(want.n)
		if !ok {
			t.Fatalf("lun %d missing: %+v", want.n, tg.LUNs)
		}
		if l.Path != want.path || l.IOType != "fileio" {
			t.Errorf("lun %d: %+v", want.n, l)
		}
		if l.IOMode != "" && l.IOMode != want.mode {
			t.Errorf("lun %d: iomode %q, want %q", want.n, l.IOMode, want.mode)
		}
		checkSize(t, *l, size)
	}
	if err := e.Backend.DeleteLUN(context.Background(), 1, 3); err != nil {
		t.Fatal(err)
	}
	tg = Target(t, State(t, e.Backend), 1)
	if len(tg.LUNs) != 1 || tg.LUNs[0].Number != 0 {
		t.Errorf("after deleting lun 3: %+v", tg.LUNs)
	}
}

// checkSize checks the size a LUN shows, exactly or roughly as the
// daemon shows it.
func checkSize(t *testing.T, l ietd.LUN, size int64) {
	t.Helper()
	switch {
	case l.SizeKnown:
		if l.Size() != size {
			t.Errorf("lun %d serves %d bytes, want %d", l.Number, l.Size(), size)
		}
	case l.ApproxTolerance > 0:
		if d := size - l.Approx; d < -l.ApproxTolerance || d > l.ApproxTolerance {
			t.Errorf("lun %d serves about %d ± %d bytes, want %d", l.Number, l.Approx, l.ApproxTolerance, size)
		}
	default:
		t.Logf("lun %d: the daemon shows no size", l.Number)
	}
}

func testDuplicateLUN(t *testing.T, e Env) {
	p := BackingFile(t, e.Dir, "lun.img", 8<<20)
	mustAddTarget(t, e.Backend, 1, IQNA)
	l := targetconf.LUN{Number: 2, Path: p, Type: "fileio"}
	mustAddLUN(t, e, 1, l)
	wantErr(t, "second add", e.Backend.AddLUN(context.Background(), 1, l), ietd.ErrExists)
	if tg := Target(t, State(t, e.Backend), 1); len(tg.LUNs) != 1 {
		t.Errorf("LUNs %+v", tg.LUNs)
	}
}

func testNotFound(t *testing.T, e Env) {
	ctx := context.Background()
	b := e.Backend
	wantErr(t, "delete missing target", b.DeleteTarget(ctx, 9), ietd.ErrNotFound)
	mustAddTarget(t, b, 1, IQNA)
	wantErr(t, "delete missing lun", b.DeleteLUN(ctx, 1, 5), ietd.ErrNotFound)
	wantErr(t, "delete lun of missing target", b.DeleteLUN(ctx, 9, 0), ietd.ErrNotFound)
	wantErr(t, "close missing connection", b.CloseConnection(ctx, 1, 12345, 0), ietd.ErrNotFound)
	wantErr(t, "close connection of missing target", b.CloseConnection(ctx, 9, 12345, 0), ietd.ErrNotFound)
	wantErr(t, "delete missing user", b.DeleteUser(ctx, 1, targetconf.Incoming, "nobody"), ietd.ErrNotFound)
}

// loginSession adds target 1 with LUN 0, logs in and waits for the
// session.
func loginSession(t *testing.T, e Env) (ietd.Session, func()) {
	t.Helper()
	mustAddTarget(t, e.Backend, 1, IQNA)
	mustAddLUN(t, e, 1, targetconf.LUN{Number: 0, Path: BackingFile(t, e.Dir, "lun0.img", 16<<20), Type: "fileio"})
	closeSession := e.Login(t, 1, IQNA)
	s := WaitState(t, e.Backend, "logged in", func(s *ietd.State) bool {
		tg := Target(t, s, 1)
		return len(tg.Sessions) > 0 && len(tg.Sessions[0].Conns) > 0
	})
	sess := Target(t, s, 1).Sessions[0]
	if sess.Initiator == "" {
		t.Errorf("session without initiator name: %+v", sess)
	}
	for _, c := range sess.Conns {
		if !c.IP.IsValid() {
			t.Errorf("connection without address: %+v", c)
		}
	}
	return sess, closeSession
}

func testSession(t *testing.T, e Env) {
	ctx := context.Background()
	sess, closeSession := loginSession(t, e)
	defer closeSession()
	for _, c := range sess.Conns {
		if err := e.Backend.CloseConnection(ctx, 1, sess.SID, c.CID); err != nil {
			t.Fatalf("close connection %d of session %d: %v", c.CID, sess.SID, err)
		}
	}
	WaitState(t, e.Backend, fmt.Sprintf("without session %d", sess.SID), func(s *ietd.State) bool {
		for _, x := range Target(t, s, 1).Sessions {
			if x.SID == sess.SID {
				return false
			}
		}
		return true
	})
	wantErr(t, "close a closed connection", e.Backend.CloseConnection(ctx, 1, sess.SID, sess.Conns[0].CID), ietd.ErrNotFound)
}

func testBusyTarget(t *testing.T, e Env) {
	ctx := context.Background()
	_, closeSession := loginSession(t, e)
	wantErr(t, "delete a target with a session", e.Backend.DeleteTarget(ctx, 1), ietd.ErrBusy)
	closeSession()
	deadline := time.Now().Add(Wait)
	for {
		err := e.Backend.DeleteTarget(ctx, 1)
		if err == nil {
			break
		}
		if !errors.Is(err, ietd.ErrBusy) || time.Now().After(deadline) {
			t.Fatalf("delete the target after the session ended: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := State(t, e.Backend); len(s.Targets) != 0 {
		t.Errorf("targets left: %+v", s.Targets)
	}
}

func testOptions(t *testing.T, e Env) {
	ctx := context.Background()
	mustAddTarget(t, e.Backend, 1, IQNA)
	caps := e.Backend.Caps()
	var set []targetconf.Option
	for _, o := range []targetconf.Option{
		{Key: "MaxRecvDataSegmentLength", Value: "131072"},
		{Key: "InitialR2T", Value: "No"},
		{Key: "HeaderDigest", Value: "CRC32C,None"},
	} {
		if caps.Options == nil || caps.Options[o.Key] {
			set = append(set, o)
		}
	}
	if err := e.Backend.SetOptions(ctx, 1, set); err != nil {
		t.Fatal(err)
	}
	s := State(t, e.Backend)
	if err := e.Backend.Details(ctx, s, 0); err != nil {
		t.Fatalf("details of discovery: %v", err)
	}
	if err := e.Backend.Details(ctx, s, 1); err != nil {
		t.Fatal(err)
	}
	tg := Target(t, s, 1)
	if tg.Options == nil {
		t.Log("the daemon shows no options")
		return
	}
	for _, o := range set {
		spec, _ := targetconf.LookupOption(o.Key)
		if got := tg.Options[o.Key]; spec.Comparable && got != spec.Shown(o.Value) {
			t.Errorf("option %s shows %q, want %q", o.Key, got, spec.Shown(o.Value))
		}
	}
	for k := range tg.Options {
		if caps.Options != nil && !caps.Options[k] {
			t.Errorf("Details shows option %s, which the daemon cannot set", k)
		}
	}
}

func testUsers(t *testing.T, e Env) {
	ctx := context.Background()
	b := e.Backend
	mustAddTarget(t, b, 1, IQNA)
	in := func(n string) targetconf.User {
		return targetconf.User{Dir: targetconf.Incoming, Name: n, Secret: targetconf.Secret(n + "-secret-01")}
	}
	out := func(n string) targetconf.User {
		return targetconf.User{Dir: targetconf.Outgoing, Name: n, Secret: targetconf.Secret(n + "-secret-01")}
	}
	for _, u := range []targetconf.User{in("alice"), in("bob"), out("tgt1"), out("tgt2")} {
		if err := b.AddUser(ctx, 1, u); err != nil {
			t.Fatalf("add user %s: %v", u.Name, err)
		}
	}
	check := func(when string, want ...targetconf.User) {
		t.Helper()
		s := State(t, b)
		if err := b.Details(ctx, s, 1); err != nil {
			t.Fatal(err)
		}
		tg := Target(t, s, 1)
		if !tg.UsersKnown {
			t.Logf("%s: the daemon shows no users", when)
			return
		}
		got := map[ietd.UserRef]bool{}
		for _, u := range tg.Users {
			got[u] = true
		}
		for _, u := range want {
			if !got[ietd.UserRef{Dir: u.Dir, Name: u.Name}] {
				t.Errorf("%s: %s user %s missing from %v", when, u.Dir, u.Name, tg.Users)
			}
		}
		if len(got) != len(want) || len(tg.Users) != len(want) {
			t.Errorf("%s: users %v, want %d", when, tg.Users, len(want))
		}
	}
	check("added (the second outgoing user replaces the first)", in("alice"), in("bob"), out("tgt2"))
	if err := b.DeleteUser(ctx, 1, targetconf.Incoming, "alice"); err != nil {
		t.Fatal(err)
	}
	check("alice deleted", in("bob"), out("tgt2"))
	wantErr(t, "delete a deleted user", b.DeleteUser(ctx, 1, targetconf.Incoming, "alice"), ietd.ErrNotFound)
	if err := b.DeleteUser(ctx, 1, targetconf.Outgoing, "tgt2"); err != nil {
		t.Fatal(err)
	}
	check("outgoing user deleted", in("bob"))
}
