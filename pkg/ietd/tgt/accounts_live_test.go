package tgt

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/ietd/ietdtest"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

func in(name, secret string) targetconf.User {
	return targetconf.User{Dir: targetconf.Incoming, Name: name, Secret: targetconf.Secret(secret)}
}

func out(name, secret string) targetconf.User {
	return targetconf.User{Dir: targetconf.Outgoing, Name: name, Secret: targetconf.Secret(secret)}
}

// users shows the accounts of every target as tgtadm lists them, in
// order ("alice", "tgt (outgoing)").
func users(t *testing.T, b *Backend) map[int][]string {
	t.Helper()
	m := map[int][]string{}
	for _, tg := range state(t, b).Targets {
		if !tg.UsersKnown {
			t.Fatalf("users of target %d not known", tg.TID)
		}
		for _, u := range tg.Users {
			s := u.Name
			if u.Dir == targetconf.Outgoing {
				s += " (outgoing)"
			}
			m[tg.TID] = append(m[tg.TID], s)
		}
	}
	return m
}

// twoTargets adds targets 1 and 2 with LUN 0 each, open to every
// initiator.
func twoTargets(t *testing.T, l *live) {
	t.Helper()
	ctx := context.Background()
	for tid, iqn := range map[int]string{1: iqn1, 2: iqn2} {
		must(t, "add target", l.b.AddTarget(ctx, tid, iqn))
		must(t, "add lun", l.b.AddLUN(ctx, tid, targetconf.LUN{Number: 0, Path: ietdtest.BackingFile(t, l.dir, iqn, 8<<20), Type: "fileio"}))
		must(t, "bind", l.b.BindInitiators(ctx, tid, []string{"ALL"}))
	}
}

// TestLiveAddUserNewSecret: adding an account again with a new secret
// keeps it bound to every target it was bound to, and the new password is
// the one that logs in.
func TestLiveAddUserNewSecret(t *testing.T) {
	l := newLive(t)
	ctx, b := context.Background(), l.b
	h0 := l.net.Hosts[0]
	const name0 = "iqn.1993-08.org.debian:01:host0"
	twoTargets(t, l)
	must(t, "add alice to 1", b.AddUser(ctx, 1, in("alice", "alice-pass-0001")))
	must(t, "add bob to 1", b.AddUser(ctx, 1, in("bob", "bob-pass-00001")))
	must(t, "add alice to 2", b.AddUser(ctx, 2, in("alice", "alice-pass-0001")))
	if !l.canLogin(t, h0, iqn1, name0, "alice%alice-pass-0001") || l.canLogin(t, h0, iqn1, name0, "") {
		t.Fatal("target 1 should take alice's password, and require CHAP")
	}
	must(t, "add alice with a new secret", b.AddUser(ctx, 1, in("alice", "alice-pass-0002")))
	if diff := cmp.Diff(map[int][]string{1: {"alice", "bob"}, 2: {"alice"}}, users(t, b)); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"alice", "bob"}, slices.Sorted(slices.Values(l.accounts(t)))); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	for _, iqn := range []string{iqn1, iqn2} {
		if !l.canLogin(t, h0, iqn, name0, "alice%alice-pass-0002") {
			t.Errorf("%s: the new password does not log in", iqn)
		}
		if l.canLogin(t, h0, iqn, name0, "alice%alice-pass-0001") {
			t.Errorf("%s: the old password still logs in", iqn)
		}
	}
	wantErr(t, "discovery user", b.AddUser(ctx, 0, in("disc", "disc-pass-00001")), ietd.ErrUnsupported)
	wantErr(t, "missing target", b.AddUser(ctx, 9, in("carol", "carol-pass-0001")), ietd.ErrNotFound)
	wantErr(t, "delete discovery user", b.DeleteUser(ctx, 0, targetconf.Incoming, "disc"), ietd.ErrUnsupported)

	must(t, "delete alice from 2", b.DeleteUser(ctx, 2, targetconf.Incoming, "alice"))
	if diff := cmp.Diff(map[int][]string{1: {"alice", "bob"}}, users(t, b)); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
	must(t, "delete alice from 1", b.DeleteUser(ctx, 1, targetconf.Incoming, "alice"))
	if diff := cmp.Diff([]string{"bob"}, l.accounts(t)); diff != "" {
		t.Errorf("accounts after deleting alice's last binding (-want +got):\n%s", diff)
	}
	wantErr(t, "delete a deleted user", b.DeleteUser(ctx, 1, targetconf.Incoming, "alice"), ietd.ErrNotFound)
	wantErr(t, "delete bob as outgoing", b.DeleteUser(ctx, 1, targetconf.Outgoing, "bob"), ietd.ErrNotFound)
}

// TestLiveOutgoingUser: a new outgoing account replaces the target's
// previous one, which goes once no target uses it.
func TestLiveOutgoingUser(t *testing.T) {
	l := newLive(t)
	ctx, b := context.Background(), l.b
	twoTargets(t, l)
	must(t, "add out1 to 1", b.AddUser(ctx, 1, out("out1", "out1-pass-00001")))
	must(t, "add out1 to 2", b.AddUser(ctx, 2, out("out1", "out1-pass-00001")))
	must(t, "add out2 to 1", b.AddUser(ctx, 1, out("out2", "out2-pass-00001")))
	if diff := cmp.Diff(map[int][]string{1: {"out2 (outgoing)"}, 2: {"out1 (outgoing)"}}, users(t, b)); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
	must(t, "add out2 to 2", b.AddUser(ctx, 2, out("out2", "out2-pass-00001")))
	if diff := cmp.Diff([]string{"out2"}, l.accounts(t)); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	// An account may be a target's incoming and outgoing one at once.
	must(t, "add out2 as incoming", b.AddUser(ctx, 1, in("out2", "out2-pass-00001")))
	must(t, "add out2 again", b.AddUser(ctx, 1, out("out2", "out2-pass-00001")))
	if diff := cmp.Diff(map[int][]string{1: {"out2", "out2 (outgoing)"}, 2: {"out2 (outgoing)"}}, users(t, b)); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
}

// TestLiveAccountHole: tgtd 1.0.85 keeps a target's incoming accounts
// in an array and treats its first entries as the list: unbinding one
// that is not the last leaves a hole that crashes tgtd at the next show
// and hides the accounts after it from CHAP. The backend moves the last
// account into the hole.
func TestLiveAccountHole(t *testing.T) {
	l := newLive(t)
	ctx, b := context.Background(), l.b
	h0 := l.net.Hosts[0]
	const name0 = "iqn.1993-08.org.debian:01:host0"
	twoTargets(t, l)
	step := func(what string, err error, want map[int][]string) {
		t.Helper()
		must(t, what, err)
		if diff := cmp.Diff(want, users(t, b)); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", what, diff)
		}
	}
	for _, n := range []string{"a", "b", "c", "d"} {
		must(t, "add "+n, b.AddUser(ctx, 1, in(n, n+"-pass-000001")))
	}
	// Recreated to be bound to target 2 as well, a and b keep their
	// places on target 1.
	step("add a to 2", b.AddUser(ctx, 2, in("a", "a-pass-000001")), map[int][]string{1: {"a", "b", "c", "d"}, 2: {"a"}})
	step("add b to 2", b.AddUser(ctx, 2, in("b", "b-pass-000001")), map[int][]string{1: {"a", "b", "c", "d"}, 2: {"a", "b"}})
	// d, the last, moves into a's place.
	step("delete a from 1", b.DeleteUser(ctx, 1, targetconf.Incoming, "a"), map[int][]string{1: {"d", "b", "c"}, 2: {"a", "b"}})
	step("new secret for a", b.AddUser(ctx, 2, in("a", "a-pass-000002")), map[int][]string{1: {"d", "b", "c"}, 2: {"a", "b"}})
	step("delete d", b.DeleteUser(ctx, 1, targetconf.Incoming, "d"), map[int][]string{1: {"c", "b"}, 2: {"a", "b"}})
	step("delete b from 1", b.DeleteUser(ctx, 1, targetconf.Incoming, "b"), map[int][]string{1: {"c"}, 2: {"a", "b"}})
	if diff := cmp.Diff([]string{"a", "b", "c"}, slices.Sorted(slices.Values(l.accounts(t)))); diff != "" {
		t.Errorf("accounts, placeholders included (-want +got):\n%s", diff)
	}
	logins := []struct {
		iqn, cred string
		ok        bool
	}{
		{iqn1, "", false},
		{iqn1, "c%c-pass-000001", true},
		{iqn1, "b%b-pass-000001", false},
		{iqn2, "", false},
		{iqn2, "a%a-pass-000002", true},
		{iqn2, "a%a-pass-000001", false},
		{iqn2, "b%b-pass-000001", true},
	}
	for _, lg := range logins {
		if got := l.canLogin(t, h0, lg.iqn, name0, lg.cred); got != lg.ok {
			user, _, _ := strings.Cut(lg.cred, "%")
			t.Errorf("login to %s as %q: %v, want %v", lg.iqn, user, got, lg.ok)
		}
	}
}

// TestLiveSecretsStayOutOfErrors: a failing command that echoes its
// arguments does not leak the password into the error.
func TestLiveSecretsStayOutOfErrors(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	must(t, "add target", l.b.AddTarget(ctx, 1, iqn1))
	b := &Backend{ControlPort: l.d.ControlPort, Runner: failingRunner{func(argv []string) bool {
		return slices.Contains(argv, "--password")
	}}}
	err := b.AddUser(ctx, 1, in("alice", "topsecret-123"))
	wantErr(t, "add user", err, ietd.ErrInvalid)
	if err == nil || strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), "--password ***") {
		t.Errorf("error %q", err)
	}
	if tg := ietdtest.Target(t, state(t, l.b), 1); len(tg.Users) != 0 {
		t.Errorf("users %v after a failed add", tg.Users)
	}
}
