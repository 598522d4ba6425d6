package lvm

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/ietkit/ietkit/pkg/blockdev"
	"golang.org/x/sys/unix"
)

// ReadBack verifies a local target while the copy is still running: as
// the copy reports bytes written (it is a Counter), a goroutine of its own
// pushes them to the device (sync_file_range) and reads them back through
// a second descriptor, unbuffered (O_DIRECT) or else after dropping them
// from the page cache, hashing them. The target's sum is ready soon after
// the copy ends, instead of after a second pass over the whole target, and
// what it sums is what the device holds, not what the page cache does.
type ReadBack struct {
	// w is a duplicate of the target's descriptor, for sync_file_range:
	// the copy closes its own when it is done.
	w, r   *os.File
	h      hash.Hash
	marks  chan int64
	done   chan error
	buf    []byte
	direct bool
	pos    int64
}

// readBackChunk is how far the writer gets ahead before the verifier
// starts on a range.
const readBackChunk = 8 << 20

// NewReadBack starts verifying the target written through w (at path).
func NewReadBack(ctx context.Context, w *os.File, path string, kind HashKind) (*ReadBack, error) {
	h, err := NewHash(kind)
	if err != nil {
		return nil, err
	}
	// The target is read back unbuffered where it can be: straight from
	// the device, without filling the page cache or copying through it.
	direct := true
	r, err := os.OpenFile(path, os.O_RDONLY|unix.O_DIRECT, 0)
	if errors.Is(err, unix.EINVAL) && !blockdev.IsBlockDevice(path) {
		direct = false // a filesystem without direct I/O
		r, err = os.OpenFile(path, os.O_RDONLY, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	fd, err := unix.Dup(int(w.Fd()))
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	rb := &ReadBack{w: os.NewFile(uintptr(fd), path), r: r, h: h, marks: make(chan int64, 64), done: make(chan error, 1),
		buf: AlignedBuffer(readBackChunk), direct: direct}
	go func() { rb.done <- rb.loop(ctx) }()
	return rb, nil
}

// Add implements Counter: n more bytes of the target were written. Their
// writeback starts now, so that the verifier rarely waits for it.
func (rb *ReadBack) Add(n int64) {
	unix.SyncFileRange(int(rb.w.Fd()), rb.pos, n, unix.SYNC_FILE_RANGE_WRITE)
	rb.pos += n
	select {
	case rb.marks <- rb.pos:
	default: // the verifier is behind: it will catch up from a later mark
	}
}

// Finish reads back up to size (the copy is over and flushed) and
// returns the sum.
func (rb *ReadBack) Finish(size int64) (string, error) {
	rb.marks <- -size - 1 // the last mark, told apart from the others
	close(rb.marks)
	err := <-rb.done
	rb.r.Close()
	rb.w.Close()
	if err != nil {
		return "", err
	}
	return Sum(rb.h), nil
}

func (rb *ReadBack) loop(ctx context.Context) error {
	// One goroutine reads ranges back (waiting on the device), this one
	// hashes them: the reads overlap the hashing.
	type chunk struct{ buf []byte }
	filled := make(chan chunk, 2)
	free := make(chan []byte, 2)
	free <- rb.buf
	free <- AlignedBuffer(readBackChunk)
	readErr := make(chan error, 1)
	go func() {
		defer close(filled)
		var done int64
		for m := range rb.marks {
			last := m < 0
			if last {
				m = -m - 1
			}
			for (last && done < m) || m-done >= readBackChunk {
				if err := ctx.Err(); err != nil {
					readErr <- err
					return
				}
				n := int64(readBackChunk)
				if m-done < n {
					n = m - done
				}
				buf := <-free
				if err := rb.readRange(buf[:n], done); err != nil {
					readErr <- err
					return
				}
				filled <- chunk{buf[:n]}
				done += n
			}
		}
		readErr <- nil
	}()
	for c := range filled {
		rb.h.Write(c.buf)
		free <- c.buf[:cap(c.buf)]
	}
	err := <-readErr
	// Let Add and Finish go on if the reader stopped early.
	go func() {
		for range rb.marks {
		}
	}()
	return err
}

// readRange flushes, drops and re-reads the range at off into buf.
func (rb *ReadBack) readRange(buf []byte, off int64) error {
	n := int64(len(buf))
	// Push the range to the device and wait for it; then the cache copy
	// can go, and the read comes from the device.
	if err := unix.SyncFileRange(int(rb.w.Fd()), off, n, unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER); err != nil && !errors.Is(err, unix.ESPIPE) {
		return fmt.Errorf("verify: flush bytes %d to %d: %w", off, off+n, err)
	}
	read := buf
	if rb.direct {
		// O_DIRECT reads whole blocks: the last range is rounded up
		// (buf's capacity is a multiple of the block size).
		read = buf[:(n+directAlign-1)&^(directAlign-1)]
	} else {
		unix.Fadvise(int(rb.r.Fd()), off, n, unix.FADV_DONTNEED)
	}
	got, err := rb.r.ReadAt(read, off)
	// Only a read short of n bytes is short: a rounded-up one ends at
	// the end of the target.
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			return fmt.Errorf("verify: the target holds %d bytes, the source more", off+int64(got))
		}
		return fmt.Errorf("verify: read back bytes %d to %d: %w", off, off+n, err)
	}
	return nil
}

// writeBehind starts the writeback of each range as soon as it is
// written, instead of leaving gigabytes dirty for the final fsync: the
// device works while the copy goes on, and the page cache of a busy node
// is not flooded with the copy's dirty pages.
type writeBehind struct {
	f   *os.File
	pos int64
}

func (w *writeBehind) Add(n int64) {
	unix.SyncFileRange(int(w.f.Fd()), w.pos, n, unix.SYNC_FILE_RANGE_WRITE)
	w.pos += n
}

// multiCounter tells several counters.
type multiCounter []Counter

func (m multiCounter) Add(n int64) {
	for _, c := range m {
		c.Add(n)
	}
}

// SetTotal passes the size on to counters that want it.
func (m multiCounter) SetTotal(n int64) {
	for _, c := range m {
		if t, ok := c.(Totaler); ok {
			t.SetTotal(n)
		}
	}
}
