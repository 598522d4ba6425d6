package lvm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ietkit/ietkit/pkg/blockdev"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
	"golang.org/x/sys/unix"
)

// MismatchError is a verification that failed: both sums, for the log.
type MismatchError struct {
	Kind           HashKind
	Source, Target string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("verification failed: %s of the source %s, of the target %s", e.Kind, e.Source, e.Target)
}

// HashLocal reads back the first size bytes of what a copy wrote to path
// and hashes them; a compressed target is decompressed on the way, and
// must hold exactly size bytes. The target was flushed before: its pages
// are dropped from the cache first (or a block device is read with
// O_DIRECT), so that the sum is of what is on the disk.
func HashLocal(ctx context.Context, path string, size int64, kind HashKind, comp Compression) (string, error) {
	h, err := NewHash(kind)
	if err != nil {
		return "", err
	}
	flags := os.O_RDONLY
	direct := blockdev.IsBlockDevice(path)
	if direct {
		flags |= unix.O_DIRECT
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		return "", fmt.Errorf("verify %s: %w", path, err)
	}
	defer f.Close()
	if !direct {
		unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	}
	var r io.Reader = &ctxReader{ctx: ctx, r: f}
	switch comp {
	case Gzip:
		zr, err := pgzip.NewReader(bufio.NewReaderSize(r, 1<<20))
		if err != nil {
			return "", fmt.Errorf("verify %s: gzip: %w", path, err)
		}
		defer zr.Close()
		r = zr
	case Zstd:
		zr, err := zstd.NewReader(r)
		if err != nil {
			return "", fmt.Errorf("verify %s: zstd: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	buf := AlignedBuffer(4 << 20)
	var total int64
	for total < size {
		want := len(buf)
		if rest := size - total; rest < int64(want) {
			want = int(rest)
		}
		n, err := io.ReadFull(r, buf[:want])
		h.Write(buf[:n])
		total += int64(n)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return "", fmt.Errorf("verify %s: it holds %d bytes, the source %d", path, total, size)
		}
		if err != nil {
			return "", fmt.Errorf("verify %s: %w", path, err)
		}
	}
	if comp != NoCompression {
		if n, _ := r.Read(buf[:1]); n > 0 {
			return "", fmt.Errorf("verify %s: it decompresses to more than the source's %d bytes", path, size)
		}
	}
	return Sum(h), nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
