package lvm

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The agent protocol: lvmcopy on one host speaks to `lvmcopy agent` on
// another over an ssh channel, in frames of one type byte, a big-endian
// uint32 length and the payload.
//
//	client -> agent   H hello (JSON)       what to do
//	agent  -> client  R ready (JSON)       prepared; for reads, the size
//	either way        D data                a piece of the stream
//	either way        E end                 no more data
//	agent  -> client  S summary (JSON)     bytes and sum of what it wrote or read
//	agent  -> client  X error (JSON)       what went wrong; the agent stops
const (
	frameHello   = 'H'
	frameReady   = 'R'
	frameData    = 'D'
	frameEnd     = 'E'
	frameSummary = 'S'
	frameError   = 'X'
)

// AgentVersion is the protocol version.
const AgentVersion = 1

// maxFrame bounds a frame's payload.
const maxFrame = 16 << 20

// Hello is the client's request.
type Hello struct {
	Version int    `json:"version"`
	Op      string `json:"op"` // "write" to the agent's host, "read" from it
	// Endpoint is the agent-side endpoint as a local spec (kind:path).
	Endpoint string `json:"endpoint"`
	// Size is what will be written (write).
	Size int64 `json:"size,omitempty"`
	// Hash is computed by the agent over the data: the decompressed
	// stream when Compress is set.
	Hash     HashKind    `json:"hash,omitempty"`
	Compress Compression `json:"compress,omitempty"`
	Sparse   bool        `json:"sparse,omitempty"`
	Direct   bool        `json:"direct,omitempty"`
	// Buffered writes the target through the page cache (see
	// CopyJob.Buffered).
	Buffered bool `json:"buffered,omitempty"`
	// PrepareOnly prepares the target and writes nothing (-p).
	PrepareOnly bool `json:"prepare_only,omitempty"`
}

// Ready is the agent's answer to Hello.
type Ready struct {
	Size int64  `json:"size,omitempty"`
	Note string `json:"note,omitempty"`
}

// Summary is what the agent wrote or read.
type Summary struct {
	Bytes int64  `json:"bytes"`
	Sum   string `json:"sum,omitempty"`
	// Direct says the agent wrote the target with O_DIRECT.
	Direct bool `json:"direct,omitempty"`
}

type agentError struct {
	Message string `json:"message"`
}

// RemoteError is an error the agent reported.
type RemoteError struct{ Message string }

func (e *RemoteError) Error() string { return "remote: " + e.Message }

func writeFrame(w io.Writer, typ byte, payload []byte) error {
	var hdr [5]byte
	hdr[0] = typ
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if len(payload) > 0 {
		_, err := w.Write(payload)
		return err
	}
	return nil
}

func writeJSONFrame(w io.Writer, typ byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFrame(w, typ, b)
}

// readFrame reads one frame into buf (grown as needed) and returns its
// type and payload.
func readFrame(r io.Reader, buf []byte) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("protocol: frame of %d bytes (at most %d)", n, maxFrame)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return hdr[0], buf, nil
}

// expect reads a frame and decodes it into v when it is of type typ; an
// error frame becomes a *RemoteError.
func expect(r io.Reader, typ byte, v any) error {
	t, p, err := readFrame(r, nil)
	if err != nil {
		return fmt.Errorf("protocol: %w", err)
	}
	switch t {
	case typ:
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(p, v); err != nil {
			return fmt.Errorf("protocol: bad %c frame: %w", typ, err)
		}
		return nil
	case frameError:
		var e agentError
		json.Unmarshal(p, &e)
		return &RemoteError{Message: e.Message}
	}
	return fmt.Errorf("protocol: expected a %c frame, got %q", typ, t)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
