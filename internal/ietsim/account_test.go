package ietsim

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func wantAccounts(tid uint32, want Accounts) func(t *testing.T, s *Sim) {
	return func(t *testing.T, s *Sim) {
		t.Helper()
		st, err := s.State()
		if err != nil {
			t.Fatal(err)
		}
		got := st.Discovery
		if tid != 0 {
			got = target(t, s, tid).Accounts
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("accounts of tid %d (-want +got):\n%s", tid, diff)
		}
	}
}

func withAccounts(t *testing.T, s *Sim) {
	withTarget(t, s)
	mustRun(t, s, "--op", "new", "--tid=1", "--user", "--params", "IncomingUser=alice,Password=alicesecret1")
	mustRun(t, s, "--op", "new", "--tid=1", "--user", "--params", "IncomingUser=bob,Password=bobsecret123")
	mustRun(t, s, "--op", "new", "--tid=1", "--user", "--params", "OutgoingUser=tgt,Password=targetsecret")
}

func TestAccounts(t *testing.T) {
	user := func(op, tid, params string) []string {
		args := []string{"--op", op, "--user"}
		if tid != "" {
			args = append(args, "--tid="+tid)
		}
		if params != "" {
			args = append(args, "--params", params)
		}
		return args
	}
	three := Accounts{
		Incoming: []Account{{"bob", "bobsecret123"}, {"alice", "alicesecret1"}},
		Outgoing: &Account{"tgt", "targetsecret"},
	}
	runOpCases(t, []opCase{
		{name: "incoming users accumulate, newest first", setup: withAccounts, args: user("show", "1", ""),
			stdout: "IncomingUser bob\nIncomingUser alice\nOutgoingUser tgt\n", check: wantAccounts(1, three)},
		{
			name: "a second outgoing user replaces the first", setup: withAccounts,
			args:  user("new", "1", "OutgoingUser=tgt2,Password=othersecret1"),
			check: wantAccounts(1, Accounts{Incoming: three.Incoming, Outgoing: &Account{"tgt2", "othersecret1"}}),
		},
		{name: "keys are case-insensitive", setup: withTarget, args: user("new", "1", "incominguser=u,password=p"),
			check: wantAccounts(1, Accounts{Incoming: []Account{{"u", "p"}}})},
		{name: "no tid is discovery", args: user("new", "", "IncomingUser=d,Password=p"),
			check: wantAccounts(0, Accounts{Incoming: []Account{{"d", "p"}}})},
		{name: "tid 0 is discovery", args: user("new", "0", "OutgoingUser=d,Password=p"),
			check: wantAccounts(0, Accounts{Incoming: []Account{}, Outgoing: &Account{"d", "p"}})},
		{name: "missing password", setup: withTarget, args: user("new", "1", "IncomingUser=u"), exit: 234,
			stderr: "You need to specify a user and its password (null) u\n" + errEINVAL, check: wantAccounts(1, Accounts{Incoming: []Account{}})},
		{name: "missing user", setup: withTarget, args: user("new", "1", "Password=p"), exit: 234,
			stderr: "You need to specify a user and its password p (null)\n" + errEINVAL},
		{name: "no params", setup: withTarget, args: user("new", "1", ""), exit: 234,
			stderr: "You need to specify a user and its password (null) (null)\n" + errEINVAL},
		{name: "unknown key", setup: withTarget, args: user("new", "1", "IncomingUser=u,Secret=p"), exit: 234,
			stderr: "Unknown parameter Secret\n" + errEINVAL},
		{name: "unknown target", args: user("new", "3", "IncomingUser=u,Password=p"), exit: 254, stderr: errENOENT},
		{name: "delete incoming", setup: withAccounts, args: user("delete", "1", "IncomingUser=alice"),
			check: wantAccounts(1, Accounts{Incoming: three.Incoming[:1], Outgoing: three.Outgoing})},
		{name: "delete outgoing", setup: withAccounts, args: user("delete", "1", "OutgoingUser=tgt"),
			check: wantAccounts(1, Accounts{Incoming: three.Incoming})},
		{name: "delete missing user", setup: withAccounts, args: user("delete", "1", "IncomingUser=carol"), exit: 254, stderr: errENOENT,
			check: wantAccounts(1, three)},
		{name: "delete outgoing by the wrong name", setup: withAccounts, args: user("delete", "1", "OutgoingUser=alice"), exit: 254, stderr: errENOENT},
		{name: "show before 1.4.20 is unsupported", version: "1.4.19", setup: withAccounts, args: user("show", "1", ""), exit: 234,
			stderr: "Unsupported.\n" + errEINVAL},
		{name: "update is unsupported", setup: withAccounts, args: user("update", "1", "IncomingUser=alice,Password=x"), exit: 234,
			stderr: "Unsupported.\n" + errEINVAL},
		{name: "--user with --lun", setup: withTarget, args: []string{"--op", "new", "--tid=1", "--lun=0", "--user", "--params", "IncomingUser=u,Password=p"},
			exit: 234, stderr: errEINVAL},
		{name: "show discovery", args: user("show", "", ""), stdout: ""},
	})
}
