package lvm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// Dialer reaches the host of a remote endpoint.
type Dialer func(ctx context.Context, e Endpoint) (*remote.SSH, error)

// CopyJob is one copy from Src to Dst.
type CopyJob struct {
	Src, Dst Endpoint
	// Verify compares the source's sum, taken as it is read, with the
	// target's, taken from what reached it (md5 unless Hash says).
	Verify   bool
	Hash     HashKind
	Compress Compression
	Sparse   bool
	// Direct reads block-device sources with O_DIRECT.
	Direct bool
	// Buffered writes an uncompressed target through the page cache; by
	// default it is written with O_DIRECT where its filesystem allows.
	Buffered bool
	// PrepareOnly prepares the target and copies nothing (-p).
	PrepareOnly bool
	Counter     Counter
	// RemoteLvmcopy is lvmcopy on the other host ("lvmcopy"); without it
	// the copy falls back to dd, and verification reads the target back.
	RemoteLvmcopy string
	Dial          Dialer
	// LocalRunner runs LVM commands here (remote.Local{} when nil).
	LocalRunner remote.Runner
	Log         *slog.Logger
}

// CopyReport says what a copy did.
type CopyReport struct {
	Src, Dst string
	Size     int64
	Result   CopyResult
	// SourceSum and TargetSum are set when verifying.
	SourceSum, TargetSum string
	Hash                 HashKind
	// Transport is "local", "agent" or "dd" (no lvmcopy on the other host).
	Transport string
	// Unbuffered is true when the target was written with O_DIRECT.
	Unbuffered bool
	Notes      []string
}

// ErrSameEndpoint refuses a copy of something onto itself.
var ErrSameEndpoint = errors.New("source and target are the same")

// Validate checks the job before anything is opened for writing.
func (j *CopyJob) Validate() error {
	if j.Src.Same(j.Dst) || (!j.Src.Remote() && !j.Dst.Remote() && SameLocalFile(j.Src.Path, j.Dst.Path)) {
		return fmt.Errorf("copy %s to %s: %w", j.Src, j.Dst, ErrSameEndpoint)
	}
	if j.Compress != NoCompression && j.Dst.Kind != File {
		return fmt.Errorf("compression needs a file target, not %s", j.Dst)
	}
	if j.Sparse && (j.Dst.Kind != File || j.Compress != NoCompression) {
		return fmt.Errorf("holes (--sparse) need an uncompressed file target, not %s", j.Dst)
	}
	switch {
	case !j.Verify:
		j.Hash = NoHash // a checksum costs CPU: only when it is compared
	case j.Hash == NoHash:
		j.Hash = MD5
	}
	if j.Hash != NoHash {
		if _, err := NewHash(j.Hash); err != nil {
			return err
		}
	}
	if (j.Src.Remote() || j.Dst.Remote()) && j.Dial == nil {
		return errors.New("a remote endpoint needs ssh")
	}
	return nil
}

// source is an open source, local or remote.
type source struct {
	r      io.Reader
	size   int64
	direct bool
	// finish ends the source and returns the sum the other side took
	// (agent), if any.
	finish func() (string, error)
}

// target is a prepared target, local or remote.
type target struct {
	w    Sink
	note string
	// finish flushes and closes; it returns the agent's summary (the sum
	// it took), if any.
	finish func() (Summary, error)
	// readBack hashes the target again, for verification.
	readBack func(ctx context.Context) (string, error)
}

// Run runs the copy. A failure mid-copy says the target is incomplete.
func (j *CopyJob) Run(ctx context.Context) (CopyReport, error) {
	if err := j.Validate(); err != nil {
		return CopyReport{}, err
	}
	if j.Log == nil {
		j.Log = slog.Default()
	}
	if j.LocalRunner == nil {
		j.LocalRunner = remote.Local{}
	}
	if j.RemoteLvmcopy == "" {
		j.RemoteLvmcopy = "lvmcopy"
	}
	rep := CopyReport{Src: j.Src.String(), Dst: j.Dst.String(), Hash: j.Hash, Transport: "local"}
	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()

	src, err := j.openSource(ctx, &rep, &closers)
	if err != nil {
		return rep, err
	}
	rep.Size = src.size
	tgt, err := j.prepareTarget(ctx, src.size, &rep, &closers)
	if err != nil {
		return rep, err
	}
	if tgt.note != "" {
		rep.Notes = append(rep.Notes, tgt.note)
	}
	if j.PrepareOnly {
		return rep, nil
	}

	opts := CopyOptions{Hash: j.Hash, Compress: j.Compress, Counter: j.Counter}
	if src.direct {
		opts.Buffers = AlignedBuffer
	}
	var rb *ReadBack
	direct := false
	if lt, ok := tgt.w.(*LocalTarget); ok {
		opts.Sparse = j.Sparse
		direct = lt.directFor(j.Compress, j.Buffered)
		if direct {
			// Each direct write waits for the device: larger blocks keep
			// it busier (measured: a verified copy 15% faster than with
			// 1 MiB blocks, and no slower without verification).
			opts.Buffers = AlignedBuffer
			opts.BlockSize = 4 << 20
		}
		j.Log.Debug("target opened", "target", j.Dst.String(), "direct", direct)
		var local Counter
		switch {
		case j.Verify && j.Compress == NoCompression:
			// An uncompressed local target is verified as it is written
			// (the read-back also starts the writeback).
			if rb, err = NewReadBack(ctx, lt.File, j.Dst.Path, j.Hash); err != nil {
				return rep, err
			}
			local = rb
			size := src.size
			tgt.readBack = func(context.Context) (string, error) { return rb.Finish(size) }
		case j.Compress == NoCompression && !direct:
			// Compressed output does not map to source offsets.
			local = &writeBehind{f: lt.File}
		}
		if local != nil {
			counters := multiCounter{local}
			if j.Counter != nil {
				counters = append(counters, j.Counter)
			}
			opts.Counter = counters
		}
	}
	incomplete := func(err error) error {
		return fmt.Errorf("copy to %s incomplete: %w", j.Dst, err)
	}
	res, err := Copy(ctx, tgt.w, src.r, src.size, opts)
	rep.Result = res
	if err != nil {
		if rb != nil {
			rb.Finish(0)
		}
		return rep, incomplete(err)
	}
	tsum, err := tgt.finish()
	if err != nil {
		return rep, incomplete(err)
	}
	rep.Unbuffered = direct || tsum.Direct
	remoteSourceSum, err := src.finish()
	if err != nil {
		return rep, fmt.Errorf("read %s: %w", j.Src, err)
	}
	if !j.Verify {
		return rep, nil
	}
	rep.SourceSum = res.Sum
	if remoteSourceSum != "" && remoteSourceSum != res.Sum {
		return rep, fmt.Errorf("%s changed on its way: %w", j.Src, &MismatchError{Kind: j.Hash, Source: remoteSourceSum, Target: res.Sum})
	}
	rep.TargetSum = tsum.Sum
	if rep.TargetSum == "" {
		if rep.TargetSum, err = tgt.readBack(ctx); err != nil {
			return rep, fmt.Errorf("verify %s: %w", j.Dst, err)
		}
	}
	if rep.TargetSum != rep.SourceSum {
		return rep, &MismatchError{Kind: j.Hash, Source: rep.SourceSum, Target: rep.TargetSum}
	}
	return rep, nil
}

func (j *CopyJob) openSource(ctx context.Context, rep *CopyReport, closers *[]func()) (*source, error) {
	if !j.Src.Remote() {
		s, err := OpenLocalSource(j.Src, j.Direct)
		if err != nil {
			return nil, err
		}
		*closers = append(*closers, func() { s.Close() })
		return &source{r: s, size: s.Size, direct: s.Direct, finish: func() (string, error) { return "", nil }}, nil
	}
	conn, err := j.Dial(ctx, j.Src)
	if err != nil {
		return nil, err
	}
	*closers = append(*closers, func() { conn.Close() })
	local := Endpoint{Kind: j.Src.Kind, Path: j.Src.Path, VG: j.Src.VG, LV: j.Src.LV}
	if j.agentOn(ctx, conn, rep) {
		p, err := conn.Start(ctx, remote.Cmd{Argv: []string{j.RemoteLvmcopy, "agent"}})
		if err != nil {
			return nil, err
		}
		*closers = append(*closers, func() { p.Stdin().Close(); p.Wait() })
		a, err := StartAgentRead(Hello{Endpoint: local.String(), Hash: j.Hash, Direct: j.Direct}, p.Stdout(), p.Stdin())
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", j.Src, err)
		}
		return &source{r: a, size: a.Size, finish: func() (string, error) {
			s, err := a.Summary()
			return s.Sum, err
		}}, nil
	}
	size, err := remoteSize(ctx, conn, j.Src)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", j.Src, err)
	}
	p, err := conn.Start(ctx, remote.Cmd{Argv: readArgv(j.Src, j.Direct)})
	if err != nil {
		return nil, err
	}
	*closers = append(*closers, func() { p.Stdin().Close(); p.Wait() })
	return &source{r: p.Stdout(), size: size, finish: func() (string, error) { return "", p.Wait() }}, nil
}

func (j *CopyJob) prepareTarget(ctx context.Context, size int64, rep *CopyReport, closers *[]func()) (*target, error) {
	if !j.Dst.Remote() {
		t, err := PrepareLocalTarget(ctx, j.Dst, size, &LVM{Runner: j.LocalRunner, Logger: j.Log}, !j.PrepareOnly)
		if err != nil {
			return nil, err
		}
		if t.File != nil {
			*closers = append(*closers, func() { t.Close() })
		}
		return &target{w: t, note: t.Note,
			finish:   func() (Summary, error) { return Summary{}, t.Finish() },
			readBack: func(ctx context.Context) (string, error) { return HashLocal(ctx, j.Dst.Path, size, j.Hash, j.Compress) },
		}, nil
	}
	conn, err := j.Dial(ctx, j.Dst)
	if err != nil {
		return nil, err
	}
	*closers = append(*closers, func() { conn.Close() })
	local := Endpoint{Kind: j.Dst.Kind, Path: j.Dst.Path, VG: j.Dst.VG, LV: j.Dst.LV}
	if j.agentOn(ctx, conn, rep) {
		p, err := conn.Start(ctx, remote.Cmd{Argv: []string{j.RemoteLvmcopy, "agent"}})
		if err != nil {
			return nil, err
		}
		*closers = append(*closers, func() { p.Stdin().Close(); p.Wait() })
		h := Hello{Endpoint: local.String(), Size: size, Hash: j.Hash, Compress: j.Compress, Sparse: j.Sparse, Buffered: j.Buffered, PrepareOnly: j.PrepareOnly}
		a, err := StartAgentWrite(h, p.Stdout(), p.Stdin())
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", j.Dst, err)
		}
		if j.PrepareOnly {
			_, err := a.Summary()
			return &target{note: a.Ready.Note}, err
		}
		return &target{w: a, note: a.Ready.Note, finish: func() (Summary, error) {
			s, err := a.Finish()
			if err == nil {
				p.Stdin().Close()
				err = p.Wait()
			}
			return s, err
		}}, nil
	}
	// Without the agent: prepare with remote commands, write with dd.
	note := ""
	switch j.Dst.Kind {
	case LV:
		if note, err = (&LVM{Runner: conn, Logger: j.Log}).PrepareLV(ctx, j.Dst.VG, j.Dst.LV, size); err != nil {
			return nil, fmt.Errorf("target %s: %w", j.Dst, err)
		}
	case Dev:
		have, err := remoteSize(ctx, conn, j.Dst)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", j.Dst, err)
		}
		if have < size {
			return nil, fmt.Errorf("target %s holds %d bytes, less than the source's %d: refused", j.Dst, have, size)
		}
	}
	if j.Sparse {
		rep.Notes = append(rep.Notes, "holes are not made without lvmcopy on "+j.Dst.Host)
	}
	if j.PrepareOnly {
		return &target{note: note}, nil
	}
	p, err := conn.Start(ctx, remote.Cmd{Argv: []string{"dd", "of=" + j.Dst.Path, "bs=4M", "conv=fsync", "status=none"}})
	if err != nil {
		return nil, err
	}
	*closers = append(*closers, func() { p.Stdin().Close(); p.Wait() })
	return &target{w: p.Stdin(), note: note,
		finish: func() (Summary, error) {
			if err := p.Stdin().Close(); err != nil {
				return Summary{}, err
			}
			return Summary{}, p.Wait()
		},
		readBack: func(ctx context.Context) (string, error) {
			rep.Notes = append(rep.Notes, "verification read the target back over ssh (no lvmcopy agent on "+j.Dst.Host+")")
			return remoteHash(ctx, conn, j.Dst, size, j.Hash, j.Compress)
		},
	}, nil
}

// agentOn tells whether lvmcopy's agent answers on the other host.
func (j *CopyJob) agentOn(ctx context.Context, conn *remote.SSH, rep *CopyReport) bool {
	res, err := conn.Run(ctx, remote.Cmd{Argv: []string{j.RemoteLvmcopy, "agent", "--probe"}})
	if err == nil && strings.HasPrefix(string(res.Stdout), agentProbeReply) {
		rep.Transport = "agent"
		return true
	}
	why := "it does not answer"
	if code, ok := remote.ExitCode(err); ok && code == 127 {
		why = "it is not installed there"
	}
	rep.Transport = "dd"
	rep.Notes = append(rep.Notes, fmt.Sprintf("%s on the other host: %s; copying with dd", j.RemoteLvmcopy, why))
	j.Log.Info("no lvmcopy agent on the other host: falling back to dd", "remote", j.RemoteLvmcopy, "err", err)
	return false
}

// agentProbeReply starts what `lvmcopy agent --probe` prints.
const agentProbeReply = "lvmcopy agent protocol "

// AgentProbeReply is the line `lvmcopy agent --probe` prints.
func AgentProbeReply() string { return agentProbeReply + strconv.Itoa(AgentVersion) + "\n" }

func readArgv(e Endpoint, direct bool) []string {
	argv := []string{"dd", "if=" + e.Path, "bs=4M", "status=none"}
	if direct && e.Kind != File {
		argv = append(argv, "iflag=direct")
	}
	return argv
}

// remoteSize sizes a remote endpoint: blockdev for devices, stat for files.
func remoteSize(ctx context.Context, r remote.Runner, e Endpoint) (int64, error) {
	argv := []string{"blockdev", "--getsize64", e.Path}
	if e.Kind == File {
		argv = []string{"stat", "-L", "-c", "%s", e.Path}
	}
	res, err := r.Run(ctx, remote.Cmd{Argv: argv})
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(res.Stdout)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s printed %q, not a size", argv[0], res.Stdout)
	}
	return n, nil
}

// remoteHash reads a remote target back over ssh and hashes its first
// size bytes, decompressed when the copy compressed.
func remoteHash(ctx context.Context, conn *remote.SSH, e Endpoint, size int64, kind HashKind, comp Compression) (string, error) {
	h, err := NewHash(kind)
	if err != nil {
		return "", err
	}
	p, err := conn.Start(ctx, remote.Cmd{Argv: []string{"dd", "if=" + e.Path, "bs=4M", "status=none"}})
	if err != nil {
		return "", err
	}
	p.Stdin().Close()
	var r io.Reader = bufio.NewReaderSize(p.Stdout(), 1<<20)
	switch comp {
	case Gzip:
		zr, err := pgzip.NewReader(r)
		if err != nil {
			return "", err
		}
		r = zr
	case Zstd:
		zr, err := zstd.NewReader(r)
		if err != nil {
			return "", err
		}
		defer zr.Close()
		r = zr
	}
	n, err := io.Copy(h, io.LimitReader(r, size))
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, p.Stdout())
	if err := p.Wait(); err != nil {
		return "", err
	}
	if n != size {
		return "", fmt.Errorf("it holds %d bytes, the source %d", n, size)
	}
	return Sum(h), nil
}
