package ietsim

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantCIDs checks the sessions of target 1: sid → its cids.
func wantCIDs(want map[uint64][]uint32) func(t *testing.T, s *Sim) {
	return func(t *testing.T, s *Sim) {
		t.Helper()
		got := map[uint64][]uint32{}
		for _, ss := range target(t, s, 1).Sessions {
			got[ss.SID] = []uint32{}
			for _, c := range ss.Conns {
				got[ss.SID] = append(got[ss.SID], c.CID)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("sessions (-want +got):\n%s", diff)
		}
	}
}

func TestConnDelete(t *testing.T) {
	both := map[uint64][]uint32{100: {0, 1}}
	runOpCases(t, []opCase{
		{
			name: "closes one connection", setup: withSession,
			args:  []string{"--op", "delete", "--tid=1", "--sid=100", "--cid=0"},
			check: wantCIDs(map[uint64][]uint32{100: {1}}),
		},
		{
			name: "a session without connections goes too",
			setup: func(t *testing.T, s *Sim) {
				withSession(t, s)
				mustRun(t, s, "--op", "delete", "--tid=1", "--sid=100", "--cid=0")
			},
			args: []string{"--op", "delete", "--tid=1", "--sid=100", "--cid=1"},
			check: func(t *testing.T, s *Sim) {
				wantCIDs(map[uint64][]uint32{})(t, s)
				if got := readProc(t, s, "session"); got != "tid:1 name:iqn.2001-04.com.example:t1\n" {
					t.Errorf("session = %q", got)
				}
				mustRun(t, s, "--op", "delete", "--tid=1") // no longer busy
			},
		},
		{name: "missing connection", setup: withSession, args: []string{"--op", "delete", "--tid=1", "--sid=100", "--cid=7"}, exit: 254, stderr: errENOENT, check: wantCIDs(both)},
		{name: "missing session", setup: withSession, args: []string{"--op", "delete", "--tid=1", "--sid=101", "--cid=0"}, exit: 254, stderr: errENOENT, check: wantCIDs(both)},
		{name: "missing target", setup: withSession, args: []string{"--op", "delete", "--tid=2", "--sid=100", "--cid=0"}, exit: 254, stderr: errENOENT},
		{
			name: "delete --sid without --cid does nothing and says EINVAL", setup: withSession,
			args: []string{"--op", "delete", "--tid=1", "--sid=100"}, exit: 234, stderr: errEINVAL,
			check: wantCIDs(both),
		},
		{name: "new connection is unsupported", setup: withSession, args: []string{"--op", "new", "--tid=1", "--sid=100", "--cid=2"}, exit: 234, stderr: "Unsupported.\n" + errEINVAL},
		{name: "update session is unsupported", setup: withSession, args: []string{"--op", "update", "--tid=1", "--sid=100"}, exit: 234, stderr: "Unsupported.\n" + errEINVAL},
		{name: "--cid needs --tid and --sid", setup: withSession, args: []string{"--op", "delete", "--tid=1", "--cid=0"}, exit: 234, stderr: errEINVAL, check: wantCIDs(both)},
		{name: "show an existing connection prints nothing", setup: withSession, args: []string{"--op", "show", "--tid=1", "--sid=100", "--cid=1"}},
	})
}

func TestAddRemoveSession(t *testing.T) {
	s := newSim(t, "")
	withTarget(t, s)
	ip := netip.MustParseAddr("198.51.100.9")
	for _, tc := range []struct {
		name string
		err  error
		do   func() error
	}{
		{"unknown target", syscall.ENOENT, func() error { return s.AddSession(2, 1, "iqn.x:i") }},
		{"no connections is allowed", nil, func() error { return s.AddSession(1, 1, "iqn.x:i") }},
		{"sid in use", syscall.EEXIST, func() error { return s.AddSession(1, 1, "iqn.x:j", Conn{IP: ip}) }},
		{"cid twice", syscall.EEXIST, func() error { return s.AddSession(1, 2, "iqn.x:j", Conn{IP: ip}, Conn{IP: ip}) }},
		{"connection without address", syscall.EINVAL, func() error { return s.AddSession(1, 2, "iqn.x:j", Conn{CID: 3}) }},
		{"remove", nil, func() error { return s.RemoveSession(1, 1) }},
		{"remove again", syscall.ENOENT, func() error { return s.RemoveSession(1, 1) }},
	} {
		if err := tc.do(); !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
	}
	if got := target(t, s, 1).Sessions; len(got) != 0 {
		t.Errorf("sessions left: %+v", got)
	}
	if err := s.AddSession(1, 5, "iqn.x:k", Conn{CID: 2, IP: ip, State: "closing", HD: "crc32c"}); err != nil {
		t.Fatal(err)
	}
	want := "tid:1 name:iqn.2001-04.com.example:t1\n\tsid:5 initiator:iqn.x:k\n" +
		"\t\tcid:2 ip:198.51.100.9 state:closing hd:crc32c dd:none\n"
	if got := readProc(t, s, "session"); got != want {
		t.Errorf("session = %q, want %q", got, want)
	}
}
