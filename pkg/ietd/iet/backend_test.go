package iet

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ietkit/ietkit/internal/ietsim"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// simBackend is the IET backend driving a simulated ietd through the
// fake-ietadm binary, as it drives the real one.
func simBackend(t *testing.T, version string) (*Backend, *ietsim.Sim) {
	t.Helper()
	bin := ietsim.BuildFakeIetadm(t)
	root := t.TempDir()
	sim, err := ietsim.Open(filepath.Join(t.TempDir(), "sim"), root, version)
	if err != nil {
		t.Fatal(err)
	}
	return &Backend{Root: root, Ietadm: bin, Runner: remote.Local{Env: append(os.Environ(), sim.Env()...)}}, sim
}

func backingFile(t *testing.T, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lun.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestBackendAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	b, sim := simBackend(t, "1.4.20")
	const iqn = "iqn.2001-04.com.example:t1"
	if err := b.AddTarget(ctx, 3, iqn); err != nil {
		t.Fatal(err)
	}
	if err := b.AddTarget(ctx, 4, iqn); !errors.Is(err, ietd.ErrExists) {
		t.Errorf("duplicate name: %v, want ErrExists", err)
	}
	img := backingFile(t, 64<<20)
	l := targetconf.LUN{Number: 0, Path: img, Type: "fileio", ScsiID: "ID-1", ScsiSN: "SN-1"}
	if err := b.AddLUN(ctx, 3, l); err != nil {
		t.Fatal(err)
	}
	if err := b.AddLUN(ctx, 3, l); !errors.Is(err, ietd.ErrExists) {
		t.Errorf("second add: %v, want ErrExists", err)
	}
	if err := b.SetOptions(ctx, 3, []targetconf.Option{{Key: "InitialR2T", Value: "No"}, {Key: "MaxRecvDataSegmentLength", Value: "131072"}}); err != nil {
		t.Fatal(err)
	}
	u := targetconf.User{Dir: targetconf.Incoming, Name: "alice", Secret: "alicesecret-01"}
	if err := b.AddUser(ctx, 3, u); err != nil {
		t.Fatal(err)
	}
	if err := b.AddUser(ctx, 0, targetconf.User{Dir: targetconf.Incoming, Name: "disc", Secret: "discsecret-001"}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddSession(3, 281474997486080, "iqn.1993-08.org.debian:01:a",
		ietsim.Conn{CID: 0, IP: netip.MustParseAddr("198.51.100.10")}, ietsim.Conn{CID: 1, IP: netip.MustParseAddr("198.51.100.11")}); err != nil {
		t.Fatal(err)
	}

	s, err := b.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Details(ctx, s, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Details(ctx, s, 3); err != nil {
		t.Fatal(err)
	}
	tg, ok := s.Target(iqn)
	if !ok || tg.TID != 3 {
		t.Fatalf("target not found in %+v", s)
	}
	got, _ := tg.LUN(0)
	if got == nil || got.Path != img || !got.SizeKnown || got.Size() != 64<<20 || got.IOType != "fileio" || got.IOMode != "wt" {
		t.Errorf("lun %+v", got)
	}
	if tg.Options["InitialR2T"] != "No" || tg.Options["MaxRecvDataSegmentLength"] != "131072" || tg.Options["Wthreads"] != "8" {
		t.Errorf("options %v", tg.Options)
	}
	if !tg.UsersKnown || len(tg.Users) != 1 || tg.Users[0].Name != "alice" {
		t.Errorf("users %v (known %v)", tg.Users, tg.UsersKnown)
	}
	if !s.DiscoveryUsersKnown || len(s.DiscoveryUsers) != 1 || s.DiscoveryUsers[0].Name != "disc" {
		t.Errorf("discovery users %v", s.DiscoveryUsers)
	}
	if len(tg.Sessions) != 1 || len(tg.Sessions[0].Conns) != 2 {
		t.Fatalf("sessions %+v", tg.Sessions)
	}

	if err := b.DeleteTarget(ctx, 3); !errors.Is(err, ietd.ErrBusy) {
		t.Errorf("delete with sessions: %v, want ErrBusy", err)
	}
	for _, c := range tg.Sessions[0].Conns {
		if err := b.CloseConnection(ctx, 3, tg.Sessions[0].SID, c.CID); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.CloseConnection(ctx, 3, tg.Sessions[0].SID, 0); !errors.Is(err, ietd.ErrNotFound) {
		t.Errorf("closing a closed connection: %v, want ErrNotFound", err)
	}
	if err := b.DeleteUser(ctx, 3, targetconf.Incoming, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteUser(ctx, 3, targetconf.Incoming, "alice"); !errors.Is(err, ietd.ErrNotFound) {
		t.Errorf("deleting a deleted user: %v", err)
	}
	if err := b.DeleteLUN(ctx, 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteLUN(ctx, 3, 0); !errors.Is(err, ietd.ErrNotFound) {
		t.Errorf("deleting a deleted lun: %v", err)
	}
	if err := b.DeleteTarget(ctx, 3); err != nil {
		t.Fatal(err)
	}
	s, err = b.State(ctx)
	if err != nil || len(s.Targets) != 0 {
		t.Errorf("state after deleting everything: %+v, %v", s, err)
	}
}

func TestBackendSecretsStayOutOfErrors(t *testing.T) {
	b, _ := simBackend(t, "1.4.20")
	b.Runner = remote.Local{Env: append(b.Runner.(remote.Local).Env, "IETSIM_FAIL=user-new:EINVAL")}
	err := b.AddUser(context.Background(), 0, targetconf.User{Dir: targetconf.Incoming, Name: "disc", Secret: "topsecret-123"})
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), "Password=***") {
		t.Errorf("error %q", err)
	}
}

func TestBackendOldIETShowsNoDetails(t *testing.T) {
	ctx := context.Background()
	b, _ := simBackend(t, "1.4.19")
	if err := b.AddTarget(ctx, 1, "iqn.2001-04.com.example:t1"); err != nil {
		t.Fatal(err)
	}
	img := backingFile(t, 8<<20)
	if err := b.AddLUN(ctx, 1, targetconf.LUN{Number: 0, Path: img, Type: "fileio"}); err != nil {
		t.Fatal(err)
	}
	s, err := b.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Details(ctx, s, 1); err != nil {
		t.Fatal(err)
	}
	if err := b.Details(ctx, s, 0); err != nil {
		t.Fatal(err)
	}
	tg := s.Targets[0]
	if tg.Options != nil || tg.UsersKnown || s.DiscoveryUsersKnown || tg.LUNs[0].SizeKnown {
		t.Errorf("1.4.19 should show no options, users or sizes: %+v", tg)
	}
}

func TestBackendNotRunning(t *testing.T) {
	ctx := context.Background()
	b, sim := simBackend(t, "1.4.20")
	if err := sim.SetRunning(false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.State(ctx); !errors.Is(err, ietd.ErrNotRunning) || !strings.Contains(err.Error(), "proc/net/iet/volume does not exist") {
		t.Errorf("State: %v", err)
	}
	if err := b.AddTarget(ctx, 1, "iqn.2001-04.com.example:t1"); !errors.Is(err, ietd.ErrNotRunning) {
		t.Errorf("AddTarget: %v", err)
	}
}
