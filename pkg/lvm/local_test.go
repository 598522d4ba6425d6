package lvm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ietkit/ietkit/internal/testenv"
	"golang.org/x/sys/unix"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLocalFileCopyAndVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := testData(5<<20+1234, 9)
	src := writeFile(t, dir, "src", data)
	for _, comp := range []Compression{NoCompression, Gzip, Zstd} {
		s, err := OpenLocalSource(Endpoint{Kind: File, Path: src}, true)
		if err != nil {
			t.Fatal(err)
		}
		if s.Size != int64(len(data)) || s.Direct {
			t.Errorf("size %d direct %v (files are never read with O_DIRECT)", s.Size, s.Direct)
		}
		dst := filepath.Join(dir, "dst-"+string(comp))
		tg, err := PrepareLocalTarget(context.Background(), Endpoint{Kind: File, Path: dst}, s.Size, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Copy(ctx, tg, s, s.Size, CopyOptions{Hash: MD5, Compress: comp})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := tg.Finish(); err != nil {
			t.Fatal(err)
		}
		got, err := HashLocal(ctx, dst, s.Size, MD5, comp)
		if err != nil || got != res.Sum || got != md5hex(data) {
			t.Errorf("%q: target sum %s (%v), source %s", comp, got, err, res.Sum)
		}
		if st, _ := os.Stat(dst); st.Mode().Perm() != 0o600 {
			t.Errorf("new target mode %v, want 0600", st.Mode().Perm())
		}
	}
}

func TestHashLocalDetectsDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := testData(1<<20, 10)
	p := writeFile(t, dir, "t", data)
	want := md5hex(data)
	data[500000] ^= 1
	os.WriteFile(p, data, 0o600)
	if got, _ := HashLocal(ctx, p, int64(len(data)), MD5, NoCompression); got == want {
		t.Error("a flipped bit went unnoticed")
	}
	if _, err := HashLocal(ctx, p, int64(len(data))+10, MD5, NoCompression); err == nil || !strings.Contains(err.Error(), "holds 1048576 bytes, the source 1048586") {
		t.Errorf("short target: %v", err)
	}
}

func TestPrepareLocalTargetRefusals(t *testing.T) {
	dir := t.TempDir()
	if _, err := PrepareLocalTarget(context.Background(), Endpoint{Kind: File, Path: dir}, 1, nil, true); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("directory as target: %v", err)
	}
	if _, err := PrepareLocalTarget(context.Background(), Endpoint{Kind: Dev, Path: filepath.Join(dir, "nodev")}, 1, nil, true); err == nil {
		t.Error("missing device accepted")
	}
	if _, err := OpenLocalSource(Endpoint{Kind: File, Path: filepath.Join(dir, "missing")}, false); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing source: %v", err)
	}
	if _, err := OpenLocalSource(Endpoint{Kind: Dev, Path: writeFile(t, dir, "f", []byte("x"))}, false); err == nil || !strings.Contains(err.Error(), "is not a block device") {
		t.Errorf("file as dev source: %v", err)
	}
	// -p prepares and opens nothing; the file is created only by an open.
	tg, err := PrepareLocalTarget(context.Background(), Endpoint{Kind: File, Path: filepath.Join(dir, "p")}, 10, nil, false)
	if err != nil || tg.File != nil {
		t.Errorf("prepare only: %v %v", tg, err)
	}
}

// loopDevice attaches a loop device over a file of size bytes.
func loopDevice(t *testing.T, size int64, data []byte) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for loop devices")
	}
	if _, err := exec.LookPath("losetup"); err != nil {
		t.Skip("losetup not installed")
	}
	img := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(img, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, size); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "--find", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("cannot attach a loop device here: %v %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	return dev
}

func TestDeviceCopyDirect(t *testing.T) {
	ctx := context.Background()
	data := testData(6<<20, 11)
	srcDev := loopDevice(t, 6<<20+512, data) // not a multiple of the block size
	dstDev := loopDevice(t, 8<<20, nil)
	small := loopDevice(t, 4<<20, nil)
	s, err := OpenLocalSource(Endpoint{Kind: Dev, Path: srcDev}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Direct || s.Size != 6<<20+512 {
		t.Fatalf("direct %v size %d", s.Direct, s.Size)
	}
	if _, err := PrepareLocalTarget(context.Background(), Endpoint{Kind: Dev, Path: small}, s.Size, nil, true); err == nil || !strings.Contains(err.Error(), "less than the source's") {
		t.Errorf("too small a device: %v", err)
	}
	tg, err := PrepareLocalTarget(context.Background(), Endpoint{Kind: Dev, Path: dstDev}, s.Size, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tg.Note, "larger than the source") {
		t.Errorf("note %q", tg.Note)
	}
	if !tg.UseDirect() {
		t.Fatal("a loop device target refused O_DIRECT")
	}
	res, err := Copy(ctx, tg, s, s.Size, CopyOptions{Hash: MD5, Buffers: AlignedBuffer})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Direct() {
		t.Error("the last 512 bytes (not a multiple of 4096) went unbuffered")
	}
	if err := tg.Finish(); err != nil {
		t.Fatal(err)
	}
	got, err := HashLocal(ctx, dstDev, s.Size, MD5, NoCompression)
	if err != nil || got != res.Sum {
		t.Errorf("device sums: source %s target %s (%v)", res.Sum, got, err)
	}
	want := append(append([]byte{}, data...), make([]byte, 512)...)
	if res.Sum != md5hex(want) {
		t.Error("source sum differs from the data")
	}
	if !SameLocalFile(srcDev, srcDev) || SameLocalFile(srcDev, dstDev) {
		t.Error("SameLocalFile")
	}
	if _, err := OpenLocalSource(Endpoint{Kind: File, Path: srcDev}, false); err == nil {
		t.Error("a device named file: accepted")
	}
}

// hasDirectIO tells whether files in dir can be opened with O_DIRECT
// (ext4 on the host can, the VM tier's tmpfs cannot).
func hasDirectIO(t *testing.T, dir string) bool {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "direct-probe"), os.O_CREATE|os.O_WRONLY|unix.O_DIRECT, 0o600)
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// directTarget opens a new file target with O_DIRECT writes, or skips
// when the test directory's filesystem has no direct I/O.
func directTarget(t *testing.T, size int64) (*LocalTarget, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dst")
	tg, err := PrepareLocalTarget(context.Background(), Endpoint{Kind: File, Path: p}, size, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	if !tg.UseDirect() {
		testenv.Skip(t, "the filesystem of %s has no O_DIRECT", p)
	}
	return tg, p
}

func TestLocalTargetDirectWrites(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		// writes are the lengths written one after the other.
		writes []int
		// unaligned writes from a buffer not on a 4 KiB boundary.
		unaligned  bool
		wantDirect bool
	}{
		{name: "whole blocks", writes: []int{mib, mib, mib}, wantDirect: true},
		{name: "4 KiB", writes: []int{4096}, wantDirect: true},
		{name: "last block partial", writes: []int{mib, mib, 12345}},
		{name: "smaller than a page", writes: []int{100}},
		{name: "partial then whole", writes: []int{5000, mib}},
		{name: "unaligned buffer", writes: []int{mib, mib}, unaligned: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			total := 0
			for _, n := range tc.writes {
				total += n
			}
			data := testData(total, 12)
			tg, p := directTarget(t, int64(total))
			buf := AlignedBuffer(total + 1)
			if tc.unaligned {
				buf = buf[1:]
			}
			copy(buf, data)
			off := 0
			for _, n := range tc.writes {
				got, err := tg.Write(buf[off : off+n])
				if err != nil || got != n {
					t.Fatalf("write %d at %d: %d, %v", n, off, got, err)
				}
				off += n
			}
			if tg.Direct() != tc.wantDirect {
				t.Errorf("direct after the writes = %v, want %v", tg.Direct(), tc.wantDirect)
			}
			if err := tg.Finish(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if md5hex(got) != md5hex(data) || len(got) != total {
				t.Errorf("target holds %d bytes, md5 %s; want %d, %s", len(got), md5hex(got), total, md5hex(data))
			}
		})
	}
}

func TestLocalTargetDirectSparse(t *testing.T) {
	data := testData(3<<20+777, 13)
	// testData's first 3 MiB are zeros: two runs of zero chunks around
	// two data bytes.
	data[0], data[2<<20] = 1, 1
	const wantHoles = 3<<20 - 2*holeChunk
	tg, p := directTarget(t, int64(len(data)))
	buf := AlignedBuffer(len(data))
	copy(buf, data)
	holes, err := writeSparse(tg, tg, buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Truncate(int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if err := tg.Finish(); err != nil {
		t.Fatal(err)
	}
	if holes != wantHoles {
		t.Errorf("holes %d, want %d", holes, wantHoles)
	}
	got, err := os.ReadFile(p)
	if err != nil || md5hex(got) != md5hex(data) {
		t.Errorf("target differs from the data (%v)", err)
	}
}
