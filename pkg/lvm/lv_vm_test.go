package lvm

// Tests against real LVM: they run only in the VM tier's guest (see
// internal/vmtier and test/vmtier/README.md) and skip elsewhere:
//
//	CGO_ENABLED=0 go test -exec "$PWD/test/vmtier/vm-exec.sh" -count=1 ./pkg/lvm/
//
// TestVMReportFixtures checks the lvs-*.json fixtures against what lvm
// prints; with -update-lvs it rewrites them (from the repository root):
//
//	CGO_ENABLED=0 go test -exec "$PWD/test/vmtier/vm-exec.sh" -count=1 -run TestVMReportFixtures ./pkg/lvm/ -update-lvs

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/internal/vmtier"
	"github.com/ietkit/ietkit/pkg/remote"
)

var updateFixtures = flag.Bool("update-lvs", false, "rewrite testdata/lvs-*.json from the guest's lvm (VM tier only)")

const vmMiB = 1 << 20

func vmLVM(t *testing.T) *LVM {
	return &LVM{Runner: remote.Local{}, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
}

// fill writes n bytes of b at the start of a block device, synced.
func vmFill(t *testing.T, dev string, b byte, n int) {
	t.Helper()
	f, err := os.OpenFile(dev, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(bytes.Repeat([]byte{b}, n)); err != nil {
		t.Fatalf("write %s: %v", dev, err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("sync %s: %v", dev, err)
	}
}

// head reads the first n bytes of a block device.
func vmHead(t *testing.T, dev string, n int) []byte {
	t.Helper()
	f, err := os.Open(dev)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(f, buf); err != nil {
		t.Fatalf("read %s: %v", dev, err)
	}
	return buf
}

// mustLV returns a function that fails t on an error and otherwise passes
// the LVInfo through: ok := mustLV(t); lv := ok(m.Create(...)).
func mustLV(t *testing.T) func(LVInfo, error) LVInfo {
	return func(lv LVInfo, err error) LVInfo {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return lv
	}
}

func parseFixture(t *testing.T, data []byte) []LVInfo {
	t.Helper()
	lvs, err := ParseLVs(data)
	if err != nil {
		t.Fatal(err)
	}
	return lvs
}

func TestVMReportFixtures(t *testing.T) {
	vg := vmtier.VG(t, "vgt", 256*vmMiB)
	ctx := t.Context()
	m := vmLVM(t)
	ok := mustLV(t)
	ok(m.Create(ctx, vg, "lv0", 64*vmMiB))
	vmFill(t, "/dev/vgt/lv0", 'A', 2*vmMiB)
	ok(m.Create(ctx, vg, "plain", 32*vmMiB))
	ok(m.CreateSnapshot(ctx, vg, "lv0", "snap0", 16*vmMiB))
	ok(m.CreateSnapshot(ctx, vg, "lv0", "snap1", 4*vmMiB))
	vmFill(t, "/dev/vgt/lv0", 'B', 8*vmMiB) // overflows snap1's 4 MiB

	captures := []struct {
		file  string
		names []string
	}{
		{"lvs-snapshot.json", []string{"vgt"}},
		{"lvs-origin.json", []string{"vgt/lv0"}},
		{"lvs-active-snapshot.json", []string{"vgt/snap0"}},
		{"lvs-invalid-snapshot.json", []string{"vgt/snap1"}},
		{"lvs-plain.json", []string{"vgt/plain"}},
		{"lvs-inactive.json", []string{"vgt/lv0", "vgt/snap0"}}, // after lvchange -an below
	}
	for i, c := range captures {
		if c.file == "lvs-inactive.json" {
			vmtier.Run(t, "lvchange", "-an", "vgt/lv0")
		}
		res, err := remote.Local{}.Run(ctx, remote.Cmd{Argv: lvsArgv(c.names...), Env: []string{"LC_ALL=C"}})
		if err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
		path := filepath.Join("testdata", c.file)
		if *updateFixtures {
			if err := os.WriteFile(path, res.Stdout, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (generate the fixtures with -update-lvs)", err)
		}
		wantLVs := parseFixture(t, want)
		gotLVs := parseFixture(t, res.Stdout)
		if diff := cmp.Diff(wantLVs, gotLVs); diff != "" {
			t.Errorf("%s no longer matches lvm's report (-fixture +lvm), rerun with -update-lvs:\n%s\n%s", c.file, diff, res.Stdout)
		}
	}
}

func TestVMCreateExtendRemove(t *testing.T) {
	vg := vmtier.VG(t, "vgc", 128*vmMiB)
	ctx := t.Context()
	m := vmLVM(t)
	ok := mustLV(t)

	lv := ok(m.Create(ctx, vg, "data", 10*vmMiB+1))
	if lv.Size != 12*vmMiB || lv.VG != vg || lv.Name != "data" || lv.Path != "/dev/vgc/data" || !lv.Active || lv.IsSnapshot() || lv.IsOrigin() {
		t.Errorf("created %+v, want an active plain LV of 12 MiB (10 MiB + 1 rounded up to 4 MiB extents)", lv)
	}
	var ee *remote.ExitError
	if _, err := m.Create(ctx, vg, "data", vmMiB); !errors.Is(err, ErrExists) || !errors.As(err, &ee) || ee.Code != 5 {
		t.Errorf("create again: %v, want ErrExists wrapping the exit error (code 5)", err)
	}
	if _, err := m.Create(ctx, vg, "huge", 1<<30); !errors.Is(err, ErrNoSpace) {
		t.Errorf("create 1 GiB in 128 MiB: %v, want ErrNoSpace", err)
	}

	if got := ok(m.Extend(ctx, vg, "data", 4*vmMiB)); got.Size != 12*vmMiB {
		t.Errorf("extend to less: size %d, want it unchanged", got.Size)
	}
	if got := ok(m.Extend(ctx, vg, "data", 20*vmMiB)); got.Size != 20*vmMiB {
		t.Errorf("extend to 20 MiB: size %d", got.Size)
	}
	if _, err := m.Extend(ctx, vg, "data", 1<<30); !errors.Is(err, ErrNoSpace) {
		t.Errorf("extend to 1 GiB: %v, want ErrNoSpace", err)
	}

	// A file system signature left on the extents must not stop the next
	// lvcreate (without --yes it prompts, reads EOF, and gives up).
	vmtier.Run(t, "mke2fs", "-q", "/dev/vgc/data")
	if err := m.Remove(ctx, vg, "data"); err != nil {
		t.Fatal(err)
	}
	again := ok(m.Create(ctx, vg, "again", 20*vmMiB))
	if again.Size != 20*vmMiB {
		t.Errorf("recreated %+v", again)
	}

	// An open LV is not removed.
	f, err := os.Open("/dev/vgc/again")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Remove(ctx, vg, "again"); !errors.Is(err, ErrInUse) {
		t.Errorf("remove an open LV: %v, want ErrInUse", err)
	}
	f.Close()
	if err := m.Remove(ctx, vg, "again"); err != nil {
		t.Fatal(err)
	}

	if _, err := m.LV(ctx, vg, "again"); !errors.Is(err, ErrNoSuchLV) {
		t.Errorf("lv after remove: %v, want ErrNoSuchLV", err)
	}
	if err := m.Remove(ctx, vg, "again"); !errors.Is(err, ErrNoSuchLV) {
		t.Errorf("remove twice: %v, want ErrNoSuchLV", err)
	}
	if _, err := m.LV(ctx, "novg", "x"); !errors.Is(err, ErrNoSuchLV) || !errors.Is(err, ErrNoSuchVG) {
		t.Errorf("lv in a missing VG: %v, want ErrNoSuchLV and ErrNoSuchVG", err)
	}
}

func TestVMSnapshots(t *testing.T) {
	vg := vmtier.VG(t, "vgs", 256*vmMiB)
	ctx := t.Context()
	m := vmLVM(t)
	ok := mustLV(t)

	origin := ok(m.Create(ctx, vg, "lv0", 64*vmMiB))
	ok(m.Create(ctx, vg, "plain", 8*vmMiB))
	vmFill(t, "/dev/vgs/lv0", 'A', 4*vmMiB)

	size := DefaultToolsConf().SnapSize(origin.Size) // 20% of 64 MiB, 13 MiB
	snap := ok(m.CreateSnapshot(ctx, vg, "lv0", "lv0_snap", size))
	if !snap.IsSnapshot() || snap.Origin != "lv0" || !snap.Active || snap.Invalid() || snap.Size < size || snap.Size != 16*vmMiB {
		t.Errorf("snapshot %+v, want an active valid snapshot of lv0 of 16 MiB (%d rounded up to extents)", snap, size)
	}
	vmFill(t, "/dev/vgs/lv0", 'B', 4*vmMiB)
	if got := vmHead(t, "/dev/vgs/lv0_snap", 4*vmMiB); !bytes.Equal(got, bytes.Repeat([]byte{'A'}, 4*vmMiB)) {
		t.Error("the snapshot does not hold the origin's data as it was")
	}

	// The origin is refused, and stays, with its snapshot.
	err := m.RemoveSnapshot(ctx, vg, "lv0")
	var nse *NotSnapshotError
	if !errors.Is(err, ErrNotSnapshot) || !errors.As(err, &nse) || !strings.Contains(nse.What, "origin of snapshot(s) lv0_snap") {
		t.Errorf("remove snapshot of the origin: %v, want ErrNotSnapshot naming it the origin of lv0_snap", err)
	}
	t.Logf("refused: %v", err)
	if o := ok(m.LV(ctx, vg, "lv0")); !o.IsOrigin() {
		t.Errorf("origin after the refusal: %+v", o)
	}
	ok(m.LV(ctx, vg, "lv0_snap"))
	if err := m.RemoveSnapshot(ctx, vg, "plain"); !errors.Is(err, ErrNotSnapshot) || !strings.Contains(err.Error(), "plain logical volume") {
		t.Errorf("remove snapshot of a plain LV: %v", err)
	}

	// An origin with an active snapshot cannot be extended.
	_, err = m.Extend(ctx, vg, "lv0", 128*vmMiB)
	if !errors.Is(err, ErrOriginActive) || !strings.Contains(err.Error(), "lv0_snap") || !strings.Contains(err.Error(), "lvchange -an vgs/lv0") {
		t.Errorf("extend an active origin: %v, want ErrOriginActive naming the snapshot and lvchange -an", err)
	}

	t.Logf("refused: %v", err)

	// A snapshot whose COW space overflows becomes invalid.
	small := ok(m.CreateSnapshot(ctx, vg, "lv0", "small", 4*vmMiB))
	if small.Invalid() {
		t.Fatalf("new snapshot already invalid: %+v", small)
	}
	vmFill(t, "/dev/vgs/lv0", 'C', 8*vmMiB)
	small = ok(m.LV(ctx, vg, "small"))
	if !small.Invalid() || !small.IsSnapshot() {
		t.Errorf("overflowed snapshot %+v, want Invalid", small)
	}
	if err := m.RemoveSnapshot(ctx, vg, "small"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.LV(ctx, vg, "small"); !errors.Is(err, ErrNoSuchLV) {
		t.Errorf("after remove: %v", err)
	}

	// Without snapshots, the origin is a plain LV again and extends.
	if err := m.RemoveSnapshot(ctx, vg, "lv0_snap"); err != nil {
		t.Fatal(err)
	}
	o := ok(m.Extend(ctx, vg, "lv0", 128*vmMiB))
	if o.Size != 128*vmMiB || o.IsOrigin() {
		t.Errorf("extended %+v", o)
	}
}
