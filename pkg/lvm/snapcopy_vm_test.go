package lvm

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/vmtier"
	"github.com/ietkit/ietkit/pkg/remote"
)

// snapVG makes a VG with an origin of originMiB filled with known data.
func snapVG(t *testing.T, vg string, originMiB int) (*LVM, Endpoint, []byte) {
	t.Helper()
	vmtier.VG(t, vg, 512<<20)
	m := &LVM{Runner: remote.Local{}}
	ctx := context.Background()
	if _, err := m.Create(ctx, vg, "data", int64(originMiB)<<20); err != nil {
		t.Fatal(err)
	}
	data := testData(originMiB<<20, 31)
	dev := "/dev/" + vg + "/data"
	if err := os.WriteFile(dev, data, 0); err != nil {
		t.Fatal(err)
	}
	origin, _ := ParseEndpoint("lvm:" + dev)
	return m, origin, data
}

func snapshotsOf(t *testing.T, m *LVM, vg string) []string {
	t.Helper()
	lvs, err := m.LVs(context.Background(), vg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range lvs {
		if l.IsSnapshot() {
			out = append(out, l.Name)
		}
	}
	return out
}

// TestVMSnapCopyWhileWriting: the origin is written to during the copy;
// the copy equals the origin as it was when the snapshot was taken, and
// the snapshot is gone afterwards.
func TestVMSnapCopyWhileWriting(t *testing.T) {
	m, origin, data := snapVG(t, "vgsc", 64)
	ctx := context.Background()
	dst := filepath.Join(t.TempDir(), "copy.img")
	target, _ := ParseEndpoint("file:" + dst)

	// A writer overwrites the origin while the copy runs: it starts as
	// soon as the snapshot exists (it waits for it in lvs).
	stop := make(chan struct{})
	wrote := make(chan int, 1)
	go func() {
		n := 0
		defer func() { wrote <- n }()
		for len(snapshotsOf(t, m, "vgsc")) == 0 {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		f, err := os.OpenFile(origin.Path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		junk := bytes.Repeat([]byte{0xAB}, 1<<20)
		// 16 MiB of writes: well within the 32 MiB snapshot.
		for off := int64(0); off < 64<<20; off += 4 << 20 {
			select {
			case <-stop:
				return
			default:
			}
			f.WriteAt(junk, off)
			n++
		}
	}()
	job := CopyJob{Src: origin, Dst: target, Verify: true}
	rep, err := SnapCopy(ctx, m, job, "snap", 32<<20, DefaultToolsConf())
	close(stop)
	n := <-wrote
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	if md5.Sum(got) != md5.Sum(data) {
		t.Errorf("the copy is not the origin at snapshot time (%d MiB were overwritten meanwhile)", n)
	}
	if n == 0 {
		t.Log("the writer did not get to write during the copy")
	}
	if s := snapshotsOf(t, m, "vgsc"); len(s) != 0 {
		t.Errorf("snapshot left behind: %v", s)
	}
	if rep.SourceSum != rep.TargetSum || rep.SourceSum == "" {
		t.Errorf("report %+v", rep)
	}
}

// TestVMSnapCopyRemovesSnapshotOnFailure: a failing copy and a cancelled
// one both remove their snapshot.
func TestVMSnapCopyRemovesSnapshotOnFailure(t *testing.T) {
	m, origin, _ := snapVG(t, "vgsf", 32)
	bad, _ := ParseEndpoint("file:/nonexistent-dir/copy.img")
	_, err := SnapCopy(context.Background(), m, CopyJob{Src: origin, Dst: bad}, "snap", 8<<20, DefaultToolsConf())
	if err == nil {
		t.Fatal("copy into a missing directory succeeded")
	}
	if s := snapshotsOf(t, m, "vgsf"); len(s) != 0 {
		t.Errorf("snapshot left after a failed copy: %v", s)
	}

	ctx, cancel := context.WithCancel(context.Background())
	dst, _ := ParseEndpoint("file:" + filepath.Join(t.TempDir(), "c.img"))
	counter := &cancelAfter{n: 1 << 20, cancel: cancel}
	_, err = SnapCopy(ctx, m, CopyJob{Src: origin, Dst: dst, Counter: counter}, "snap", 8<<20, DefaultToolsConf())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled copy: %v", err)
	}
	if s := snapshotsOf(t, m, "vgsf"); len(s) != 0 {
		t.Errorf("snapshot left after a cancelled copy: %v", s)
	}
}

// cancelAfter cancels once n bytes were copied (SIGTERM arriving mid-copy).
type cancelAfter struct {
	n      int64
	seen   int64
	cancel func()
}

func (c *cancelAfter) Add(n int64) {
	c.seen += n
	if c.seen >= c.n {
		c.cancel()
	}
}

// TestVMSnapCopyOverflow: a snapshot too small for the writes during the
// copy overflows; the copy fails instead of passing off a broken image.
func TestVMSnapCopyOverflow(t *testing.T) {
	m, origin, _ := snapVG(t, "vgso", 64)
	dst, _ := ParseEndpoint("file:" + filepath.Join(t.TempDir(), "c.img"))
	// The counter overwrites the whole origin after the first block: far
	// more than the 4 MiB of copy-on-write space.
	counter := &overwriteOnce{path: origin.Path, data: bytes.Repeat([]byte{1}, 48<<20)}
	_, err := SnapCopy(context.Background(), m, CopyJob{Src: origin, Dst: dst, Counter: counter}, "snap", 4<<20, DefaultToolsConf())
	if !errors.Is(err, ErrSnapshotInvalid) {
		t.Errorf("overflowed snapshot: %v", err)
	}
	if s := snapshotsOf(t, m, "vgso"); len(s) != 0 {
		t.Errorf("snapshot left: %v", s)
	}
}

// overwriteOnce is a Counter that writes data at off of the device at
// path when it hears of the first block copied: the origin changes while
// its snapshot is read.
type overwriteOnce struct {
	path string
	off  int64
	data []byte
	done bool
}

func (o *overwriteOnce) Add(int64) {
	if o.done {
		return
	}
	o.done = true
	f, err := os.OpenFile(o.path, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteAt(o.data, o.off)
	f.Sync()
}

// TestVMSnapshotPolicy: without a size, the snapshot gets lvm_tools.conf's
// share of the origin.
func TestVMSnapshotPolicy(t *testing.T) {
	m, origin, _ := snapVG(t, "vgsp", 100)
	conf := DefaultToolsConf()
	conf.SnapSpaceSM = 10
	snap, info, err := m.TakeSnapshot(context.Background(), origin, "pol", 0, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer m.RemoveSnapshot(context.Background(), snap.VG, snap.LV)
	// 10% of 100 MiB is 10 MiB; LVM rounds up to its 4 MiB extents.
	if snap.LV != "data_pol" || info.Size < 10<<20 || info.Size > 12<<20 {
		t.Errorf("snapshot %s of %d bytes", snap.LV, info.Size)
	}
	if err := m.RemoveSnapshot(context.Background(), origin.VG, origin.LV); !errors.Is(err, ErrNotSnapshot) {
		t.Errorf("removing the origin: %v", err)
	}
}

// TestVMCopyToLV: a logical volume target is created when missing,
// extended when smaller, left as it is when larger (with a note), and -p
// prepares it without copying.
func TestVMCopyToLV(t *testing.T) {
	vmtier.VG(t, "vgct", 256<<20)
	m := &LVM{Runner: remote.Local{}}
	ctx := context.Background()
	data := testData(40<<20+4096, 51)
	src := filepath.Join(t.TempDir(), "src")
	os.WriteFile(src, data, 0o600)
	from, _ := ParseEndpoint("file:" + src)

	prep, _ := ParseEndpoint("lvm:/dev/vgct/prepared")
	rep, err := (&CopyJob{Src: from, Dst: prep, PrepareOnly: true}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := m.LV(ctx, "vgct", "prepared"); err != nil || info.Size < int64(len(data)) || rep.Result.Read != 0 {
		t.Errorf("-p: %+v %v, read %d", info, err, rep.Result.Read)
	}

	fresh, _ := ParseEndpoint("lvm:/dev/vgct/fresh")
	rep, err = (&CopyJob{Src: from, Dst: fresh, Verify: true}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Unbuffered {
		t.Error("a logical volume target was written through the page cache")
	}
	got := make([]byte, len(data))
	f, _ := os.Open("/dev/vgct/fresh")
	f.ReadAt(got, 0)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Error("created LV holds other data")
	}

	if _, err := m.Create(ctx, "vgct", "small", 8<<20); err != nil {
		t.Fatal(err)
	}
	small, _ := ParseEndpoint("lvm:/dev/vgct/small")
	rep, err = (&CopyJob{Src: from, Dst: small, Verify: true}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := m.LV(ctx, "vgct", "small"); info.Size < int64(len(data)) || len(rep.Notes) == 0 {
		t.Errorf("not extended: %+v, notes %v", info, rep.Notes)
	}

	if _, err := m.Create(ctx, "vgct", "big", 96<<20); err != nil {
		t.Fatal(err)
	}
	big, _ := ParseEndpoint("lvm:/dev/vgct/big")
	rep, err = (&CopyJob{Src: from, Dst: big, Buffered: true, Verify: true}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unbuffered {
		t.Error("--buffered: the target was written unbuffered")
	}
	if info, _ := m.LV(ctx, "vgct", "big"); info.Size != 96<<20 || len(rep.Notes) == 0 {
		t.Errorf("a larger target changed or was not noted: %+v, %v", info, rep.Notes)
	}
}

// TestVMSnapCopyThinOrigin: a thin volume (in a thin pool) is snapshotted
// like any other, with copy-on-write space of its own: the copy is the
// volume as it was at snapshot time, the snapshot goes afterwards, and the
// thin origin cannot be removed as if it were a snapshot.
func TestVMSnapCopyThinOrigin(t *testing.T) {
	vmtier.VG(t, "vgtn", 512<<20)
	m := &LVM{Runner: remote.Local{}}
	ctx := context.Background()
	for _, argv := range [][]string{
		{"lvcreate", "-y", "--type", "thin-pool", "-L", "128M", "-n", "pool", "vgtn"},
		{"lvcreate", "-y", "-V", "64M", "--thin", "-n", "thin", "vgtn/pool"},
	} {
		if _, err := m.run(ctx, argv...); err != nil {
			t.Fatal(err)
		}
	}
	data := testData(64<<20, 61)
	dev := "/dev/vgtn/thin"
	if err := os.WriteFile(dev, data, 0); err != nil {
		t.Fatal(err)
	}
	origin, _ := ParseEndpoint("lvm:" + dev)
	dst, _ := ParseEndpoint("file:" + filepath.Join(t.TempDir(), "thin.img"))
	// The origin changes as soon as the copy has started.
	counter := &overwriteOnce{path: dev, off: 32 << 20, data: bytes.Repeat([]byte{0xCD}, 8<<20)}
	rep, err := SnapCopy(ctx, m, CopyJob{Src: origin, Dst: dst, Verify: true, Counter: counter}, "snap", 16<<20, DefaultToolsConf())
	if err != nil {
		t.Fatal(err)
	}
	if !counter.done {
		t.Fatal("the copy reported no progress")
	}
	got, err := os.ReadFile(dst.Path)
	if err != nil || md5.Sum(got) != md5.Sum(data) {
		t.Errorf("the copy is not the thin volume at snapshot time (%v)", err)
	}
	if rep.SourceSum != rep.TargetSum || rep.SourceSum != md5hex(data) {
		t.Errorf("report %+v", rep)
	}
	if s := snapshotsOf(t, m, "vgtn"); len(s) != 0 {
		t.Errorf("snapshot left behind: %v", s)
	}
	now, err := os.ReadFile(dev)
	if err != nil || md5.Sum(now) == md5.Sum(data) {
		t.Errorf("the origin's own change is lost (%v)", err)
	}
	if err := m.RemoveSnapshot(ctx, "vgtn", "thin"); !errors.Is(err, ErrNotSnapshot) {
		t.Errorf("removing the thin origin as a snapshot: %v", err)
	}
	if _, err := m.LV(ctx, "vgtn", "thin"); err != nil {
		t.Errorf("the thin origin is gone: %v", err)
	}
}
