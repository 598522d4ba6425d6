package lvm

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// Compression of a copy's target.
type Compression string

const (
	NoCompression Compression = ""
	Gzip          Compression = "gzip"
	Zstd          Compression = "zstd"
)

// Counter hears how many bytes of the source were copied so far. The
// engine knows nothing of terminals; callers draw progress from it.
type Counter interface{ Add(n int64) }

// Totaler is a Counter that also wants the size of the whole copy.
type Totaler interface{ SetTotal(n int64) }

// NoopCounter counts nothing.
type NoopCounter struct{}

// Add implements Counter.
func (NoopCounter) Add(int64) {}

// Sink is a copy's target. A sink that can also Seek and Truncate (a
// file) can receive holes for zero blocks.
type Sink interface{ io.Writer }

type sparseSink interface {
	io.Writer
	io.Seeker
	Truncate(size int64) error
}

// CopyOptions tune a copy. The zero value copies in 4 MiB blocks, four in
// flight, with no hash, compression or holes.
type CopyOptions struct {
	// BlockSize is the unit of reads and writes (1 MiB: measured faster than
	// 4 MiB, the blocks staying in the caches between reader and writer).
	BlockSize int
	// InFlight bounds the blocks between reader and writer (4); memory
	// use is about BlockSize × (InFlight + 1), whatever the volume size.
	InFlight int
	// Hash is computed over the source as it is read.
	Hash HashKind
	// Compress compresses what is written.
	Compress Compression
	// Sparse turns zero blocks into holes; the sink must be a file and
	// Compress none.
	Sparse  bool
	Counter Counter
	// Buffers, when set, allocates the blocks (aligned ones for O_DIRECT).
	Buffers func(size int) []byte
}

// CopyResult says what a copy did.
type CopyResult struct {
	// Read is what was read of the source, Written what was written to
	// the sink (compressed bytes when compressing, holes excluded).
	Read, Written int64
	// Holes is how many zero bytes became holes.
	Holes int64
	// Sum is the source's hash (hex), when asked.
	Sum      string
	Duration time.Duration
}

// Rate is the copy's rate in bytes per second of source.
func (r CopyResult) Rate() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Read) / r.Duration.Seconds()
}

// ErrShortSource is returned when the source ends before its size.
var ErrShortSource = errors.New("source ended early")

type block struct {
	buf []byte
	n   int
}

// Copy streams size bytes from src to dst. The source is read once, in
// blocks, by one goroutine that also hashes them, while the caller's
// goroutine compresses and writes: both cores work, and memory stays
// bounded. It stops at the first error and checks ctx between blocks.
// The caller flushes and closes dst.
func Copy(ctx context.Context, dst Sink, src io.Reader, size int64, opts CopyOptions) (CopyResult, error) {
	start := time.Now()
	if opts.BlockSize <= 0 {
		opts.BlockSize = 1 << 20
	}
	if opts.InFlight <= 0 {
		opts.InFlight = 4
	}
	if opts.Counter == nil {
		opts.Counter = NoopCounter{}
	}
	if t, ok := opts.Counter.(Totaler); ok {
		t.SetTotal(size)
	}
	if opts.Buffers == nil {
		opts.Buffers = func(n int) []byte { return make([]byte, n) }
	}
	var sparse sparseSink
	if opts.Sparse {
		s, ok := dst.(sparseSink)
		if !ok || opts.Compress != NoCompression {
			return CopyResult{}, errors.New("copy: holes need a file target without compression")
		}
		sparse = s
	}
	var h hash.Hash
	if opts.Hash != NoHash {
		var err error
		if h, err = NewHash(opts.Hash); err != nil {
			return CopyResult{}, fmt.Errorf("copy: %w", err)
		}
	}

	counted := &countingWriter{w: dst}
	var out io.Writer = counted
	var closeOut func() error
	switch opts.Compress {
	case NoCompression:
	case Gzip:
		zw := pgzip.NewWriter(counted)
		// Blocks of 1 MiB, as many as cores: pgzip's own advice.
		if err := zw.SetConcurrency(1<<20, 4); err != nil {
			return CopyResult{}, fmt.Errorf("copy: gzip: %w", err)
		}
		out, closeOut = zw, zw.Close
	case Zstd:
		zw, err := zstd.NewWriter(counted, zstd.WithEncoderLevel(zstd.SpeedFastest))
		if err != nil {
			return CopyResult{}, fmt.Errorf("copy: zstd: %w", err)
		}
		out, closeOut = zw, zw.Close
	default:
		return CopyResult{}, fmt.Errorf("copy: unknown compression %q", opts.Compress)
	}

	free := make(chan []byte, opts.InFlight)
	for i := 0; i < opts.InFlight; i++ {
		free <- opts.Buffers(opts.BlockSize)
	}
	filled := make(chan block, opts.InFlight)
	readErr := make(chan error, 1)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(filled)
		readErr <- readBlocks(rctx, src, size, h, free, filled)
	}()

	res := CopyResult{}
	var werr error
	for b := range filled {
		if werr == nil {
			werr = ctx.Err()
		}
		if werr == nil {
			data := b.buf[:b.n]
			if sparse != nil {
				var holes int64
				holes, werr = writeSparse(sparse, counted, data)
				res.Holes += holes
			} else {
				_, werr = out.Write(data)
			}
			if werr == nil {
				res.Read += int64(b.n)
				opts.Counter.Add(int64(b.n))
			} else {
				werr = fmt.Errorf("write target: %w", werr)
				cancel()
			}
		}
		free <- b.buf
	}
	rerr := <-readErr
	if werr == nil && closeOut != nil {
		if err := closeOut(); err != nil {
			werr = fmt.Errorf("write target: %w", err)
		}
	}
	if werr == nil && sparse != nil {
		if err := sparse.Truncate(size); err != nil {
			werr = fmt.Errorf("write target: set its size: %w", err)
		}
	}
	res.Written = counted.n
	res.Duration = time.Since(start)
	switch {
	case werr != nil:
		return res, werr
	case rerr != nil:
		return res, rerr
	}
	if h != nil {
		res.Sum = Sum(h)
	}
	return res, nil
}

// readBlocks reads size bytes of src in blocks, hashing them, until done,
// an error, or ctx ends.
func readBlocks(ctx context.Context, src io.Reader, size int64, h hash.Hash, free chan []byte, filled chan<- block) error {
	var off int64
	for off < size {
		var buf []byte
		select {
		case <-ctx.Done():
			return ctx.Err()
		case buf = <-free:
		}
		want := len(buf)
		if rest := size - off; rest < int64(want) {
			want = int(rest)
		}
		n, err := io.ReadFull(src, buf[:want])
		if n > 0 {
			if h != nil {
				h.Write(buf[:n])
			}
			filled <- block{buf, n}
			off += int64(n)
		} else {
			free <- buf
		}
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("read source: %w at byte %d of %d", ErrShortSource, off, size)
		case err != nil:
			return fmt.Errorf("read source at byte %d: %w", off, err)
		}
	}
	return nil
}

// holeChunk is the grain at which zeros become holes: filesystems
// allocate in blocks of a few KiB, and VM images have zero runs much
// shorter than a copy block.
const holeChunk = 64 << 10

// writeSparse writes data to a file through w (which writes to f),
// seeking f over its zero chunks; it returns how many bytes became holes.
func writeSparse(f sparseSink, w io.Writer, data []byte) (int64, error) {
	var holes int64
	for len(data) > 0 {
		n := 0
		zero := allZero(data[:min(holeChunk, len(data))])
		for n < len(data) {
			c := data[n:min(n+holeChunk, len(data))]
			if allZero(c) != zero {
				break
			}
			n += len(c)
		}
		var err error
		if zero {
			_, err = f.Seek(int64(n), io.SeekCurrent)
			holes += int64(n)
		} else {
			_, err = w.Write(data[:n])
		}
		if err != nil {
			return holes, err
		}
		data = data[n:]
	}
	return holes, nil
}

// allZero tells whether b holds only zero bytes.
func allZero(b []byte) bool {
	for len(b) >= 8 {
		if b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7] != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
