package iet

import (
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/ietkit/ietkit/internal/ietsim"
	"github.com/ietkit/ietkit/pkg/ietd/ietdtest"
	"github.com/ietkit/ietkit/pkg/remote"
)

// TestSuite runs the backend conformance suite against the IET
// simulator, one simulated ietd 1.4.20 per test; Login adds a session
// the way an initiator logging in would.
func TestSuite(t *testing.T) {
	bin := ietsim.BuildFakeIetadm(t)
	var sids atomic.Uint64
	sids.Store(281474997486080)
	ietdtest.Run(t, func(t *testing.T) ietdtest.Env {
		root := t.TempDir()
		sim, err := ietsim.Open(filepath.Join(t.TempDir(), "sim"), root, "1.4.20")
		if err != nil {
			t.Fatal(err)
		}
		b := &Backend{Root: root, Ietadm: bin, Runner: remote.Local{Env: append(os.Environ(), sim.Env()...)}}
		login := func(t *testing.T, tid int, iqn string) func() {
			sid := sids.Add(1 << 16)
			conn := ietsim.Conn{CID: 0, IP: netip.MustParseAddr("198.51.100.10")}
			if err := sim.AddSession(uint32(tid), sid, "iqn.1993-08.org.debian:01:suite", conn); err != nil {
				t.Fatalf("log in to %s: %v", iqn, err)
			}
			// Logging out of a session the target closed already is no error.
			return func() { _ = sim.RemoveSession(uint32(tid), sid) }
		}
		return ietdtest.Env{Backend: b, Dir: t.TempDir(), Login: login}
	})
}
