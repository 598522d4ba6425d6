package lvm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// writeChunk writes one frame's data to the target, and feeds the hash.
func writeChunk(t *LocalTarget, tee *io.PipeWriter, hs hash.Hash, p []byte, sparse bool) error {
	var err error
	if sparse {
		_, err = writeSparse(t, t, p)
	} else {
		_, err = t.Write(p)
	}
	if err != nil {
		return err
	}
	switch {
	case tee != nil:
		if _, err := tee.Write(p); err != nil {
			return fmt.Errorf("decompress: %w", err)
		}
	case hs != nil:
		hs.Write(p)
	}
	return nil
}

// ServeAgent is `lvmcopy agent`: it answers one client's request on in
// and out (the ssh channel), writing to or reading from an endpoint on
// this host. Errors go to the client as an X frame and are returned.
func ServeAgent(ctx context.Context, in io.Reader, out io.Writer, lvm LVPreparer) error {
	var h Hello
	err := expect(in, frameHello, &h)
	if err == nil {
		err = serve(ctx, h, in, out, lvm)
	}
	if err != nil {
		writeJSONFrame(out, frameError, agentError{Message: err.Error()})
	}
	return err
}

func serve(ctx context.Context, h Hello, in io.Reader, out io.Writer, lvm LVPreparer) error {
	if h.Version != AgentVersion {
		return fmt.Errorf("agent speaks protocol %d, the client %d: install the same lvmcopy on both hosts", AgentVersion, h.Version)
	}
	e, err := ParseEndpoint(h.Endpoint)
	if err != nil {
		return err
	}
	if e.Remote() {
		return fmt.Errorf("agent endpoint %s names another host", e)
	}
	switch h.Op {
	case "write":
		return serveWrite(ctx, h, e, in, out, lvm)
	case "read":
		return serveRead(ctx, h, e, out)
	}
	return fmt.Errorf("unknown agent operation %q", h.Op)
}

func serveWrite(ctx context.Context, h Hello, e Endpoint, in io.Reader, out io.Writer, lvm LVPreparer) error {
	if h.Size < 0 {
		return fmt.Errorf("negative size %d", h.Size)
	}
	t, err := PrepareLocalTarget(ctx, e, h.Size, lvm, !h.PrepareOnly)
	if err != nil {
		return err
	}
	if err := writeJSONFrame(out, frameReady, Ready{Note: t.Note}); err != nil {
		return err
	}
	if h.PrepareOnly {
		return writeJSONFrame(out, frameSummary, Summary{})
	}
	defer t.Close()
	direct := t.directFor(h.Compress, h.Buffered)
	sum, n, err := receive(ctx, h, t, in)
	if err != nil {
		return fmt.Errorf("write %s: %w", e, err)
	}
	if err := t.Finish(); err != nil {
		return err
	}
	return writeJSONFrame(out, frameSummary, Summary{Bytes: n, Sum: sum, Direct: direct})
}

// receive writes D frames to t until E, hashing what the stream holds
// (decompressed when compressed), and returns the sum and the count of
// stream bytes.
func receive(ctx context.Context, h Hello, t *LocalTarget, in io.Reader) (string, int64, error) {
	var hs hash.Hash
	if h.Hash != NoHash {
		var err error
		if hs, err = NewHash(h.Hash); err != nil {
			return "", 0, err
		}
	}
	// A compressed stream is hashed by a decompressor reading a copy of
	// what is written.
	var tee *io.PipeWriter
	done := make(chan error, 1)
	var plain int64
	if h.Compress != NoCompression && hs != nil {
		pr, pw := io.Pipe()
		tee = pw
		go func() {
			var r io.Reader
			var err error
			switch h.Compress {
			case Gzip:
				r, err = pgzip.NewReader(pr)
			case Zstd:
				var d *zstd.Decoder
				d, err = zstd.NewReader(pr)
				if d != nil {
					defer d.Close()
				}
				r = d
			default:
				err = fmt.Errorf("unknown compression %q", h.Compress)
			}
			if err == nil {
				plain, err = io.Copy(hs, r)
			}
			pr.CloseWithError(err)
			done <- err
		}()
	}
	sparse := h.Sparse && h.Compress == NoCompression && t.File != nil
	// Frames are read from the channel by one goroutine and written to the
	// target by this one, so that neither waits for the other.
	frames := make(chan []byte, 4)
	free := make(chan []byte, 4)
	for i := 0; i < cap(free); i++ {
		free <- AlignedBuffer(4 << 20)[:0]
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	var got int64
	go func() {
		defer close(frames)
		for {
			var buf []byte
			select {
			case <-rctx.Done():
				readErr <- rctx.Err()
				return
			case buf = <-free:
			}
			typ, p, err := readFrame(in, buf)
			if err != nil {
				readErr <- fmt.Errorf("connection lost after %d bytes: %w", got, err)
				return
			}
			switch typ {
			case frameEnd:
				readErr <- nil
				return
			case frameData:
				got += int64(len(p))
				frames <- p
			default:
				readErr <- fmt.Errorf("protocol: unexpected %q frame", typ)
				return
			}
		}
	}()
	var n int64
	var werr error
	for p := range frames {
		if werr == nil {
			werr = writeChunk(t, tee, hs, p, sparse)
			if werr != nil {
				cancel()
			}
		}
		n += int64(len(p))
		free <- p[:0]
	}
	if err := <-readErr; werr == nil && err != nil {
		return "", n, err
	}
	if werr != nil {
		return "", n, werr
	}
	if sparse {
		if err := t.Truncate(h.Size); err != nil {
			return "", n, err
		}
	}
	stream := n
	if tee != nil {
		tee.Close()
		if err := <-done; err != nil {
			return "", n, fmt.Errorf("decompress: %w", err)
		}
		stream = plain
	}
	if (h.Compress == NoCompression || hs != nil) && stream != h.Size {
		return "", n, fmt.Errorf("received %d bytes of %d", stream, h.Size)
	}
	sum := ""
	if hs != nil {
		sum = Sum(hs)
	}
	return sum, stream, nil
}

func serveRead(ctx context.Context, h Hello, e Endpoint, out io.Writer) error {
	s, err := OpenLocalSource(e, h.Direct)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := writeJSONFrame(out, frameReady, Ready{Size: s.Size}); err != nil {
		return err
	}
	opts := CopyOptions{Hash: h.Hash}
	if s.Direct {
		opts.Buffers = AlignedBuffer
	}
	res, err := Copy(ctx, frameSink{out}, s, s.Size, opts)
	if err != nil {
		return err
	}
	if err := writeFrame(out, frameEnd, nil); err != nil {
		return err
	}
	return writeJSONFrame(out, frameSummary, Summary{Bytes: res.Read, Sum: res.Sum})
}

// frameSink writes each Write as one or more D frames.
type frameSink struct{ w io.Writer }

func (f frameSink) Write(p []byte) (int, error) {
	const max = 4 << 20
	n := 0
	for len(p) > 0 {
		c := p
		if len(c) > max {
			c = c[:max]
		}
		if err := writeFrame(f.w, frameData, c); err != nil {
			return n, err
		}
		n += len(c)
		p = p[len(c):]
	}
	return n, nil
}

// AgentSink is the client's side of a write: a Sink sending the copy to
// the agent.
type AgentSink struct {
	frameSink
	r     io.Reader
	Ready Ready
}

// StartAgentWrite sends h (Op "write") and waits for the agent to be
// ready. r is the agent's output, w its input.
func StartAgentWrite(h Hello, r io.Reader, w io.Writer) (*AgentSink, error) {
	h.Version, h.Op = AgentVersion, "write"
	if err := writeJSONFrame(w, frameHello, h); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	s := &AgentSink{frameSink: frameSink{w}, r: r}
	if err := expect(r, frameReady, &s.Ready); err != nil {
		return nil, err
	}
	return s, nil
}

// Write implements Sink; a failed write reports the agent's own error
// when it sent one.
func (s *AgentSink) Write(p []byte) (int, error) {
	n, err := s.frameSink.Write(p)
	if err != nil {
		return n, s.why(err)
	}
	return n, nil
}

// Finish ends the stream and returns the agent's summary.
func (s *AgentSink) Finish() (Summary, error) {
	if err := writeFrame(s.w, frameEnd, nil); err != nil {
		return Summary{}, s.why(err)
	}
	var sum Summary
	if err := expect(s.r, frameSummary, &sum); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// Summary reads the summary after a prepare-only hello.
func (s *AgentSink) Summary() (Summary, error) {
	var sum Summary
	err := expect(s.r, frameSummary, &sum)
	return sum, err
}

// why turns a broken pipe into the agent's reason, if it gave one.
func (s *AgentSink) why(err error) error {
	var re *RemoteError
	if rerr := expect(s.r, frameSummary, nil); errors.As(rerr, &re) {
		return re
	}
	return fmt.Errorf("connection to the agent lost: %w", err)
}

// AgentSource is the client's side of a read: the remote endpoint's data.
type AgentSource struct {
	r       io.Reader
	Size    int64
	pending []byte
	buf     []byte
	ended   bool
}

// StartAgentRead sends h (Op "read") and returns the source and its size.
func StartAgentRead(h Hello, r io.Reader, w io.Writer) (*AgentSource, error) {
	h.Version, h.Op = AgentVersion, "read"
	if err := writeJSONFrame(w, frameHello, h); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var rd Ready
	if err := expect(r, frameReady, &rd); err != nil {
		return nil, err
	}
	return &AgentSource{r: r, Size: rd.Size}, nil
}

// Read implements io.Reader over the D frames.
func (s *AgentSource) Read(p []byte) (int, error) {
	for len(s.pending) == 0 {
		if s.ended {
			return 0, io.EOF
		}
		typ, data, err := readFrame(s.r, s.buf)
		if err != nil {
			return 0, fmt.Errorf("connection to the agent lost: %w", err)
		}
		s.buf = data[:0]
		switch typ {
		case frameData:
			s.pending = data
		case frameEnd:
			s.ended = true
		case frameError:
			var e agentError
			json.Unmarshal(data, &e)
			return 0, &RemoteError{Message: e.Message}
		default:
			return 0, fmt.Errorf("protocol: unexpected %q frame", typ)
		}
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

// Summary returns the agent's summary after the data. Data the caller
// did not read is an error: the source was longer than announced.
func (s *AgentSource) Summary() (Summary, error) {
	var extra [1]byte
	if n, err := s.Read(extra[:]); n > 0 {
		return Summary{}, errors.New("protocol: the agent sent more data than the size it announced")
	} else if err != nil && err != io.EOF {
		return Summary{}, err
	}
	var sum Summary
	err := expect(s.r, frameSummary, &sum)
	return sum, err
}
