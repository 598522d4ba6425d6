package lvm

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// testData is n pseudo-random bytes with zero runs in it.
func testData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	for i := 0; i+3<<20 < n; i += 7 << 20 {
		clear(b[i : i+3<<20])
	}
	return b
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func TestCopySizes(t *testing.T) {
	const bs = 1 << 20
	for _, n := range []int{0, 1, 511, 512, bs - 1, bs, bs + 1, 10*bs + 123} {
		data := testData(n, uint64(n))
		var out bytes.Buffer
		res, err := Copy(context.Background(), &out, bytes.NewReader(data), int64(n), CopyOptions{BlockSize: bs, InFlight: 2, Hash: MD5})
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(out.Bytes(), data) || res.Read != int64(n) || res.Written != int64(n) {
			t.Errorf("%d bytes: copied %d, read %d, written %d", n, out.Len(), res.Read, res.Written)
		}
		if res.Sum != md5hex(data) {
			t.Errorf("%d bytes: sum %s, want %s", n, res.Sum, md5hex(data))
		}
	}
}

func TestCopyHashes(t *testing.T) {
	data := testData(3<<20+17, 1)
	for _, k := range []HashKind{MD5, XXH3, BLAKE3} {
		res, err := Copy(context.Background(), io.Discard, bytes.NewReader(data), int64(len(data)), CopyOptions{BlockSize: 1 << 20, Hash: k})
		if err != nil {
			t.Fatal(err)
		}
		h, _ := NewHash(k)
		h.Write(data)
		if res.Sum != Sum(h) {
			t.Errorf("%s: streamed sum %s, whole-buffer sum %s", k, res.Sum, Sum(h))
		}
	}
	if _, err := Copy(context.Background(), io.Discard, bytes.NewReader(data), 1, CopyOptions{Hash: "sha1"}); err == nil {
		t.Error("unknown hash accepted")
	}
}

// TestCopyMatchesMD5Sum checks the md5 against the md5sum program.
func TestCopyMatchesMD5Sum(t *testing.T) {
	if _, err := exec.LookPath("md5sum"); err != nil {
		t.Skip("md5sum not installed")
	}
	data := testData(5<<20+3, 2)
	p := filepath.Join(t.TempDir(), "src")
	os.WriteFile(p, data, 0o600)
	res, err := Copy(context.Background(), io.Discard, bytes.NewReader(data), int64(len(data)), CopyOptions{Hash: MD5})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("md5sum", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(out))[0]; got != res.Sum {
		t.Errorf("md5sum %s, copy %s", got, res.Sum)
	}
}

func TestCopyGzipReadableByGunzip(t *testing.T) {
	data := testData(9<<20+5, 3)
	p := filepath.Join(t.TempDir(), "out.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Copy(context.Background(), f, bytes.NewReader(data), int64(len(data)), CopyOptions{Compress: Gzip, BlockSize: 1 << 20})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.Written >= int64(len(data)) {
		t.Errorf("nothing compressed: %d of %d", res.Written, len(data))
	}
	if _, err := exec.LookPath("gunzip"); err != nil {
		t.Skip("gunzip not installed")
	}
	out, err := exec.Command("gunzip", "-c", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, data) {
		t.Error("gunzip -c output differs from the source")
	}
}

func TestCopyZstd(t *testing.T) {
	data := testData(6<<20, 4)
	var out bytes.Buffer
	if _, err := Copy(context.Background(), &out, bytes.NewReader(data), int64(len(data)), CopyOptions{Compress: Zstd}); err != nil {
		t.Fatal(err)
	}
	d, err := zstd.NewReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(d)
	if err != nil || !bytes.Equal(back, data) {
		t.Errorf("zstd round trip: %v", err)
	}
}

func TestCopySparse(t *testing.T) {
	data := testData(16<<20, 5) // zero runs of 3 MiB at 0 and 7 MiB
	p := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Copy(context.Background(), f, bytes.NewReader(data), int64(len(data)), CopyOptions{BlockSize: 1 << 20, Sparse: true})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	back, _ := os.ReadFile(p)
	if !bytes.Equal(back, data) {
		t.Fatal("sparse copy differs")
	}
	if res.Holes != 6<<20 || res.Written != int64(len(data))-6<<20 {
		t.Errorf("holes %d, written %d", res.Holes, res.Written)
	}
	var st syscall.Stat_t
	syscall.Stat(p, &st)
	if st.Blocks*512 > int64(len(data))-5<<20 {
		t.Errorf("file occupies %d bytes: no holes", st.Blocks*512)
	}
	// A file of zeros only, shorter than a block: all hole, right size.
	z := filepath.Join(t.TempDir(), "zeros")
	f, _ = os.Create(z)
	if _, err := Copy(context.Background(), f, bytes.NewReader(make([]byte, 1000)), 1000, CopyOptions{Sparse: true}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if st, _ := os.Stat(z); st.Size() != 1000 {
		t.Errorf("size %d", st.Size())
	}
	if _, err := Copy(context.Background(), io.Discard, bytes.NewReader(data), 1, CopyOptions{Sparse: true}); err == nil {
		t.Error("holes into a non-file accepted")
	}
}

func TestCopyShortSource(t *testing.T) {
	_, err := Copy(context.Background(), io.Discard, bytes.NewReader(make([]byte, 1000)), 5000, CopyOptions{BlockSize: 512})
	if !errors.Is(err, ErrShortSource) || !strings.Contains(err.Error(), "at byte 1000 of 5000") {
		t.Errorf("err = %v", err)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("I/O error")
	}
	r.n -= len(p)
	return len(p), nil
}

func TestCopyErrors(t *testing.T) {
	data := testData(8<<20, 6)
	_, err := Copy(context.Background(), &failingWriter{after: 2}, bytes.NewReader(data), int64(len(data)), CopyOptions{BlockSize: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "write target: disk full") {
		t.Errorf("write error: %v", err)
	}
	_, err = Copy(context.Background(), io.Discard, &failingReader{n: 3 << 20}, 8<<20, CopyOptions{BlockSize: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "read source at byte 3145728: I/O error") {
		t.Errorf("read error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Copy(ctx, io.Discard, bytes.NewReader(data), int64(len(data)), CopyOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
