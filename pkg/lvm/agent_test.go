package lvm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// agentPair runs ServeAgent on pipes and returns the client's ends and the
// agent's result.
func agentPair(t *testing.T) (r io.Reader, w io.WriteCloser, done <-chan error) {
	t.Helper()
	toAgent, fromClient := io.Pipe()
	toClient, fromAgent := io.Pipe()
	ch := make(chan error, 1)
	go func() {
		err := ServeAgent(context.Background(), toAgent, fromAgent, nil)
		fromAgent.Close()
		toAgent.Close()
		ch <- err
	}()
	return toClient, fromClient, ch
}

func TestAgentWrite(t *testing.T) {
	for _, comp := range []Compression{NoCompression, Gzip, Zstd} {
		t.Run(string(comp)+"plain", func(t *testing.T) {
			data := testData(9<<20+77, 21)
			dst := filepath.Join(t.TempDir(), "dst")
			r, w, done := agentPair(t)
			sink, err := StartAgentWrite(Hello{Endpoint: "file:" + dst, Size: int64(len(data)), Hash: MD5, Compress: comp}, r, w)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Copy(context.Background(), sink, bytes.NewReader(data), int64(len(data)), CopyOptions{Hash: MD5, Compress: comp, BlockSize: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := sink.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			// The agent hashes the stream's content, so its sum is the
			// source's even when what travels is compressed.
			if sum.Sum != res.Sum || sum.Bytes != int64(len(data)) {
				t.Errorf("agent %+v, source %s", sum, res.Sum)
			}
			// Plain streams are written unbuffered where the filesystem
			// allows, compressed ones through the cache.
			if want := comp == NoCompression && hasDirectIO(t, filepath.Dir(dst)); sum.Direct != want {
				t.Errorf("%q: agent wrote with O_DIRECT %v, want %v", comp, sum.Direct, want)
			}
			got, err := HashLocal(context.Background(), dst, int64(len(data)), MD5, comp)
			if err != nil || got != res.Sum {
				t.Errorf("target on disk %s (%v)", got, err)
			}
		})
	}
}

func TestAgentWriteSparse(t *testing.T) {
	for _, buffered := range []bool{false, true} {
		data := testData(16<<20+99, 22)
		dst := filepath.Join(t.TempDir(), "dst")
		r, w, done := agentPair(t)
		sink, err := StartAgentWrite(Hello{Endpoint: "file:" + dst, Size: int64(len(data)), Sparse: true, Buffered: buffered}, r, w)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Copy(context.Background(), sink, bytes.NewReader(data), int64(len(data)), CopyOptions{BlockSize: 1 << 20}); err != nil {
			t.Fatal(err)
		}
		sum, err := sink.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		back, _ := os.ReadFile(dst)
		if !bytes.Equal(back, data) {
			t.Errorf("sparse remote write (buffered %v) differs", buffered)
		}
		if want := !buffered && hasDirectIO(t, filepath.Dir(dst)); sum.Direct != want {
			t.Errorf("buffered %v: agent wrote with O_DIRECT %v, want %v", buffered, sum.Direct, want)
		}
	}
}

func TestAgentRead(t *testing.T) {
	data := testData(5<<20+3, 23)
	src := filepath.Join(t.TempDir(), "src")
	os.WriteFile(src, data, 0o600)
	r, w, done := agentPair(t)
	s, err := StartAgentRead(Hello{Endpoint: "file:" + src, Hash: XXH3}, r, w)
	if err != nil {
		t.Fatal(err)
	}
	if s.Size != int64(len(data)) {
		t.Fatalf("size %d", s.Size)
	}
	var out bytes.Buffer
	res, err := Copy(context.Background(), &out, s, s.Size, CopyOptions{Hash: XXH3})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summary()
	if err != nil || sum.Sum != res.Sum || !bytes.Equal(out.Bytes(), data) {
		t.Errorf("summary %+v (%v), local %s", sum, err, res.Sum)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAgentErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		hello Hello
		want  string
	}{
		{"missing directory", Hello{Endpoint: "file:" + filepath.Join(dir, "no", "dst"), Size: 1}, "no such file or directory"},
		{"remote endpoint", Hello{Endpoint: "file:h:/x", Size: 1}, "names another host"},
		{"bad endpoint", Hello{Endpoint: "nonsense", Size: 1}, "expected KIND:PATH"},
		{"lvm without lvm", Hello{Endpoint: "lvm:/dev/vg/lv", Size: 1}, "no LVM access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, done := agentPair(t)
			_, err := StartAgentWrite(tt.hello, r, w)
			var re *RemoteError
			if !errors.As(err, &re) || !strings.Contains(re.Message, tt.want) {
				t.Errorf("err = %v, want a remote error with %q", err, tt.want)
			}
			if err := <-done; err == nil {
				t.Error("agent reported success")
			}
		})
	}
}

func TestAgentShortStream(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "dst")
	r, w, done := agentPair(t)
	sink, err := StartAgentWrite(Hello{Endpoint: "file:" + dst, Size: 1000, Hash: MD5}, r, w)
	if err != nil {
		t.Fatal(err)
	}
	sink.Write(make([]byte, 600))
	_, err = sink.Finish()
	if err == nil || !strings.Contains(err.Error(), "received 600 bytes of 1000") {
		t.Errorf("err = %v", err)
	}
	<-done
}

func TestAgentConnectionLost(t *testing.T) {
	toAgent, fromClient := io.Pipe()
	toClient, fromAgent := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- ServeAgent(context.Background(), toAgent, fromAgent, nil) }()
	dst := filepath.Join(t.TempDir(), "dst")
	sink, err := StartAgentWrite(Hello{Endpoint: "file:" + dst, Size: 10 << 20}, toClient, fromClient)
	if err != nil {
		t.Fatal(err)
	}
	sink.Write(make([]byte, 1<<20))
	fromClient.Close() // the ssh connection drops
	toClient.Close()
	err = <-done
	if err == nil || !strings.Contains(err.Error(), "connection lost after 1048576 bytes") {
		t.Errorf("agent: %v", err)
	}
	fromAgent.Close()
}

func TestAgentVersionMismatch(t *testing.T) {
	r, w, done := agentPair(t)
	writeJSONFrame(w, frameHello, Hello{Version: 99, Op: "write", Endpoint: "file:/tmp/x"})
	err := expect(r, frameReady, nil)
	var re *RemoteError
	if !errors.As(err, &re) || !strings.Contains(re.Message, "protocol 1, the client 99") {
		t.Errorf("err = %v", err)
	}
	<-done
}

func FuzzAgentHello(f *testing.F) {
	f.Add([]byte(`{"version":1,"op":"write","endpoint":"file:/nonexistent/x","size":1}`))
	f.Add([]byte(`{"version":1,"op":"read","endpoint":"dev:/nonexistent"}`))
	f.Fuzz(func(t *testing.T, hello []byte) {
		var in bytes.Buffer
		writeFrame(&in, frameHello, hello)
		writeFrame(&in, frameEnd, nil)
		var out bytes.Buffer
		// Whatever the hello, the agent answers or refuses; it never
		// panics. (It may write: only under /nonexistent, which fails.)
		var h Hello
		if err := jsonUnmarshal(hello, &h); err == nil && h.Op == "write" {
			if e, err := ParseEndpoint(h.Endpoint); err == nil && !strings.HasPrefix(e.Path, "/nonexistent") {
				return
			}
		}
		ServeAgent(context.Background(), &in, &out, nil)
	})
}
