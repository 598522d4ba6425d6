package lvm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// flipWriter damages what it writes: the first byte of every write.
type flipWriter struct{ f *os.File }

func (w flipWriter) Write(p []byte) (int, error) {
	q := append([]byte(nil), p...)
	q[0] ^= 0x80
	return w.f.Write(q)
}

func TestReadBack(t *testing.T) {
	ctx := context.Background()
	data := testData(20<<20+777, 41)
	for _, damaged := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "dst")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := NewReadBack(ctx, f, p, MD5)
		if err != nil {
			t.Fatal(err)
		}
		var w Sink = f
		if damaged {
			w = flipWriter{f}
		}
		res, err := Copy(ctx, w, bytes.NewReader(data), int64(len(data)), CopyOptions{Hash: MD5, Counter: rb})
		if err != nil {
			t.Fatal(err)
		}
		f.Sync()
		f.Close() // the copy is done with its descriptor before the read-back ends
		sum, err := rb.Finish(int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if (sum == res.Sum) == damaged {
			t.Errorf("damaged %v: source %s, read back %s", damaged, res.Sum, sum)
		}
	}
}

func TestReadBackShortTarget(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dst")
	f, _ := os.Create(p)
	f.Write(make([]byte, 1000))
	rb, err := NewReadBack(context.Background(), f, p, MD5)
	if err != nil {
		t.Fatal(err)
	}
	rb.Add(1000)
	f.Close()
	if _, err := rb.Finish(5000); err == nil {
		t.Error("a target shorter than the source passed")
	}
}
