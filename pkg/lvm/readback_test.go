package lvm

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ietkit/ietkit/internal/testenv"
)

// flipWriter damages what it writes: the first byte of every write, in
// place (the copy hashed the block before; an aligned block stays so).
type flipWriter struct{ w io.Writer }

func (w flipWriter) Write(p []byte) (int, error) {
	p[0] ^= 0x80
	return w.w.Write(p)
}

func TestReadBack(t *testing.T) {
	ctx := context.Background()
	data := testData(20<<20+777, 41)
	tests := []struct {
		name string
		// damaged flips a byte on the way to the target.
		damaged bool
		// direct writes the target with O_DIRECT.
		direct bool
	}{
		{name: "buffered"},
		{name: "buffered damaged", damaged: true},
		{name: "direct", direct: true},
		{name: "direct damaged", damaged: true, direct: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "dst")
			tg, err := PrepareLocalTarget(ctx, Endpoint{Kind: File, Path: p}, int64(len(data)), nil, true)
			if err != nil {
				t.Fatal(err)
			}
			opts := CopyOptions{Hash: MD5}
			if tc.direct {
				if !tg.UseDirect() {
					testenv.Skip(t, "the filesystem of %s has no O_DIRECT", dir)
				}
				opts.Buffers, opts.BlockSize = AlignedBuffer, 4<<20
			}
			rb, err := NewReadBack(ctx, tg.File, p, MD5)
			if err != nil {
				t.Fatal(err)
			}
			if rb.direct != hasDirectIO(t, dir) {
				t.Errorf("read back with O_DIRECT %v, the filesystem has it %v", rb.direct, hasDirectIO(t, dir))
			}
			opts.Counter = rb
			var w Sink = tg
			if tc.damaged {
				w = flipWriter{tg}
			}
			res, err := Copy(ctx, w, bytes.NewReader(data), int64(len(data)), opts)
			if err != nil {
				t.Fatal(err)
			}
			// The copy is done with its descriptor before the read-back ends.
			if err := tg.Finish(); err != nil {
				t.Fatal(err)
			}
			sum, err := rb.Finish(int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if (sum == res.Sum) == tc.damaged || res.Sum != md5hex(data) {
				t.Errorf("source %s (data %s), read back %s", res.Sum, md5hex(data), sum)
			}
		})
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
