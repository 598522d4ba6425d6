package tgt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/internal/testenv"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/ietd/ietdtest"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

const (
	iqn1 = "iqn.2001-04.com.example:live.one"
	iqn2 = "iqn.2001-04.com.example:live.two"
)

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func state(t *testing.T, b *Backend) *ietd.State { t.Helper(); return ietdtest.State(t, b) }

// TestLiveOptions checks every option Caps() claims against tgtd: it is
// set live and, where comparable, shows back as set.
func TestLiveOptions(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	must(t, "add target", l.b.AddTarget(ctx, 1, iqn1))
	values := map[string]string{
		"InitialR2T": "No", "ImmediateData": "No", "MaxConnections": "4",
		"MaxRecvDataSegmentLength": "131072", "MaxXmitDataSegmentLength": "65536",
		"MaxBurstLength": "524288", "FirstBurstLength": "32768",
		"DefaultTime2Wait": "5", "DefaultTime2Retain": "0", "MaxOutstandingR2T": "4",
		"DataPDUInOrder": "Yes", "DataSequenceInOrder": "Yes", "ErrorRecoveryLevel": "0",
		"HeaderDigest": "CRC32C,None", "DataDigest": "None,CRC32C",
		"OFMarker": "No", "IFMarker": "No", "OFMarkInt": "2048", "IFMarkInt": "2048",
	}
	caps := l.b.Caps()
	if len(caps.Options) != len(values) {
		t.Errorf("Caps().Options has %d options, the test %d", len(caps.Options), len(values))
	}
	var opts []targetconf.Option
	for k := range caps.Options {
		spec, ok := targetconf.LookupOption(k)
		if !ok || spec.Name != k || !spec.Live {
			t.Errorf("%s is not a live targetconf option", k)
		}
		opts = append(opts, targetconf.Option{Key: k, Value: values[k]})
	}
	must(t, "set options", l.b.SetOptions(ctx, 1, opts))
	s := state(t, l.b)
	must(t, "details", l.b.Details(ctx, s, 1))
	must(t, "details of discovery", l.b.Details(ctx, s, 0))
	if s.DiscoveryUsersKnown {
		t.Error("tgt has no discovery users to know")
	}
	got := ietdtest.Target(t, s, 1).Options
	for _, o := range opts {
		spec, _ := targetconf.LookupOption(o.Key)
		if _, shown := got[o.Key]; !shown {
			t.Errorf("%s is not shown", o.Key)
		} else if spec.Comparable && got[o.Key] != spec.Shown(o.Value) {
			t.Errorf("%s=%s shows as %q, want %q", o.Key, o.Value, got[o.Key], spec.Shown(o.Value))
		}
	}
	if len(got) != len(caps.Options) {
		t.Errorf("Details shows %v", got)
	}
	must(t, "set a digest back", l.b.SetOptions(ctx, 1, []targetconf.Option{{Key: "HeaderDigest", Value: "None"}}))
	s = state(t, l.b)
	must(t, "details", l.b.Details(ctx, s, 1))
	if v := ietdtest.Target(t, s, 1).Options["HeaderDigest"]; v != "None" {
		t.Errorf("HeaderDigest shows %q after setting None", v)
	}
	for _, k := range []string{"Wthreads", "QueuedCommands", "NOPInterval", "NOPTimeout"} {
		wantErr(t, k, l.b.SetOptions(ctx, 1, []targetconf.Option{{Key: k, Value: "4"}}), ietd.ErrInvalid)
	}
	wantErr(t, "missing target", l.b.SetOptions(ctx, 9, opts[:1]), ietd.ErrNotFound)
}

func TestLiveACL(t *testing.T) {
	l := newLive(t)
	ctx, b := context.Background(), l.b
	h0, h1 := l.net.Hosts[0], l.net.Hosts[1]
	const name0 = "iqn.1993-08.org.debian:01:host0"
	must(t, "add target", b.AddTarget(ctx, 1, iqn1))
	must(t, "add lun", b.AddLUN(ctx, 1, targetconf.LUN{Number: 0, Path: ietdtest.BackingFile(t, l.dir, "l0", 8<<20), Type: "fileio"}))
	acl := func() []string {
		t.Helper()
		tg := ietdtest.Target(t, state(t, b), 1)
		if !tg.ACLKnown {
			t.Fatal("ACL not known")
		}
		return slices.Sorted(slices.Values(tg.ACL))
	}
	if len(acl()) != 0 || l.canLogin(t, h0, iqn1, name0, "") {
		t.Fatal("a target without ACL entries lets an initiator in")
	}
	must(t, "bind host 1", b.BindInitiators(ctx, 1, []string{h1.Addr4.String()}))
	if l.canLogin(t, h0, iqn1, name0, "") || !l.canLogin(t, h1, iqn1, "iqn.1993-08.org.debian:01:host1", "") {
		t.Error("binding host 1's address should let host 1 in and not host 0")
	}
	// tgt 1.0.85 admits an initiator that matches an address entry or an
	// initiator-name entry, as IET's initiators.allow does.
	must(t, "bind host 0 by name", b.BindInitiators(ctx, 1, []string{name0}))
	if !l.canLogin(t, h0, iqn1, name0, "") || l.canLogin(t, h0, iqn1, name0+"x", "") {
		t.Error("a name entry should let that name in from anywhere, and no other name from elsewhere")
	}
	must(t, "bind host 0's address", b.BindInitiators(ctx, 1, []string{h0.Addr4.String() + "/32"}))
	if !l.canLogin(t, h0, iqn1, name0+"x", "") {
		t.Error("an address entry should let any name in from that address")
	}
	must(t, "bind more", b.BindInitiators(ctx, 1, []string{"2001:DB8:1::7/64", "[2001:db8::5]", "all"}))
	must(t, "bind again", b.BindInitiators(ctx, 1, []string{h1.Addr4.String(), "ALL"}))
	want := []string{"198.51.100.10", "198.51.100.11", "2001:db8:1::/64", "2001:db8::5", "ALL", name0}
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), acl()); diff != "" {
		t.Errorf("ACL (-want +got):\n%s", diff)
	}
	wantErr(t, "bind garbage", b.BindInitiators(ctx, 1, []string{"garbage"}), ietd.ErrInvalid)
	wantErr(t, "bind to missing target", b.BindInitiators(ctx, 9, []string{"ALL"}), ietd.ErrNotFound)

	// A rule written by hand in another spelling is found and unbound.
	l.tgtadm(t, "--op", "bind", "--mode", "target", "--tid", "1", "--initiator-address", "2001:DB8::7")
	must(t, "unbind", b.UnbindInitiators(ctx, 1, []string{"2001:db8::7", "ALL", h0.Addr4.String(), name0, "198.51.100.99"}))
	if diff := cmp.Diff([]string{"198.51.100.11", "2001:db8:1::/64", "2001:db8::5"}, acl()); diff != "" {
		t.Errorf("ACL after unbind (-want +got):\n%s", diff)
	}
	if l.canLogin(t, h0, iqn1, name0, "") {
		t.Error("host 0 still gets in")
	}
	must(t, "unbind what is not bound", b.UnbindInitiators(ctx, 1, []string{"ALL"}))
	wantErr(t, "unbind from missing target", b.UnbindInitiators(ctx, 9, []string{"ALL"}), ietd.ErrNotFound)
	wantErr(t, "unbind garbage", b.UnbindInitiators(ctx, 1, []string{"garbage"}), ietd.ErrInvalid)
}

// TestLiveBusyTarget: a target with a session cannot be deleted; once its
// connections are closed (and its ACL keeps the initiator from coming
// back) it can, and the accounts only it used go with it.
func TestLiveBusyTarget(t *testing.T) {
	l := newLive(t)
	ctx, b := context.Background(), l.b
	h0 := l.net.Hosts[0]
	const name0 = "iqn.1993-08.org.debian:01:host0"
	must(t, "add target", b.AddTarget(ctx, 1, iqn1))
	must(t, "add target 2", b.AddTarget(ctx, 2, iqn2))
	must(t, "add lun", b.AddLUN(ctx, 1, targetconf.LUN{Number: 0, Path: ietdtest.BackingFile(t, l.dir, "l0", 8<<20), Type: "fileio"}))
	must(t, "bind", b.BindInitiators(ctx, 1, []string{"ALL"}))
	alice := targetconf.User{Dir: targetconf.Incoming, Name: "alice", Secret: "alice-secret-01"}
	shared := targetconf.User{Dir: targetconf.Incoming, Name: "shared", Secret: "shared-secret-01"}
	out := targetconf.User{Dir: targetconf.Outgoing, Name: "tgtout", Secret: "tgtout-secret-01"}
	for _, u := range []targetconf.User{alice, shared, out} {
		must(t, "add user "+u.Name, b.AddUser(ctx, 1, u))
	}
	must(t, "add shared user to target 2", b.AddUser(ctx, 2, shared))

	l.login(t, h0, iqn1, name0, "alice%alice-secret-01")
	s := ietdtest.WaitState(t, b, "logged in", func(s *ietd.State) bool {
		tg := ietdtest.Target(t, s, 1)
		return len(tg.Sessions) == 1 && len(tg.Sessions[0].Conns) > 0
	})
	sess := ietdtest.Target(t, s, 1).Sessions[0]
	if sess.Initiator != name0 || sess.Conns[0].IP != h0.Addr4 {
		t.Errorf("session %+v, want initiator %s from %s", sess, name0, h0.Addr4)
	}
	wantErr(t, "delete target with a session", b.DeleteTarget(ctx, 1), ietd.ErrBusy)
	must(t, "keep the initiator out", b.UnbindInitiators(ctx, 1, []string{"ALL"}))
	for _, c := range sess.Conns {
		must(t, "close connection", b.CloseConnection(ctx, 1, sess.SID, c.CID))
	}
	ietdtest.WaitState(t, b, "without sessions", func(s *ietd.State) bool { return len(ietdtest.Target(t, s, 1).Sessions) == 0 })
	wantErr(t, "close a closed connection", b.CloseConnection(ctx, 1, sess.SID, sess.Conns[0].CID), ietd.ErrNotFound)
	deadline := time.Now().Add(ietdtest.Wait)
	for err := b.DeleteTarget(ctx, 1); err != nil; err = b.DeleteTarget(ctx, 1) {
		if !errors.Is(err, ietd.ErrBusy) || time.Now().After(deadline) {
			t.Fatalf("delete target: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if diff := cmp.Diff([]string{"shared"}, l.accounts(t)); diff != "" {
		t.Errorf("accounts after deleting the target (-want +got):\n%s", diff)
	}
	wantErr(t, "delete a deleted target", b.DeleteTarget(ctx, 1), ietd.ErrNotFound)
}

func TestLiveNotRunning(t *testing.T) {
	testenv.RequireTool(t, "tgtadm")
	ctx := context.Background()
	port := 32767
	for ; port > 20000; port-- {
		if _, err := os.Stat(fmt.Sprintf("/var/run/tgtd/socket.%d", port)); err != nil {
			break
		}
	}
	b := &Backend{ControlPort: port, Runner: remote.Local{}}
	_, err := b.State(ctx)
	wantErr(t, "state", err, ietd.ErrNotRunning)
	wantErr(t, "add target", b.AddTarget(ctx, 1, iqn1), ietd.ErrNotRunning)
	if Reachable(ctx, remote.Local{}, "", port) {
		t.Error("Reachable without a tgtd")
	}
	l := newLive(t)
	if !Reachable(ctx, remote.Local{}, "", l.d.ControlPort) {
		t.Error("the test's tgtd is not Reachable")
	}
}

func TestSuite(t *testing.T) {
	ietdtest.Run(t, func(t *testing.T) ietdtest.Env {
		l := newLive(t)
		login := func(t *testing.T, tid int, iqn string) func() {
			// tgtd admits nobody without an ACL entry.
			must(t, "let initiators in", l.b.BindInitiators(context.Background(), tid, []string{"ALL"}))
			return l.login(t, l.net.Hosts[0], iqn, "iqn.1993-08.org.debian:01:suite", "")
		}
		return ietdtest.Env{Backend: l.b, Dir: l.dir, Login: login}
	})
}
