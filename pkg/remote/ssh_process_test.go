package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/testenv"
)

// Tests of SSH.Start and Process against a real sshd.

func TestSSHProcessStreams(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	want := sha256Of(testData(streamSize))

	p, err := s.Start(context.Background(), Cmd{Argv: []string{"cat"}})
	if err != nil {
		t.Fatal(err)
	}
	writeErr := make(chan error, 1)
	go func() {
		_, err := io.Copy(p.Stdin(), testData(streamSize))
		if cerr := p.Stdin().Close(); err == nil {
			err = cerr
		}
		writeErr <- err
	}()
	got := sha256Of(p.Stdout())
	if err := <-writeErr; err != nil {
		t.Errorf("write stdin: %v", err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("sha256 through cat = %s, want %s", got, want)
	}
	if err2 := p.Wait(); err2 != nil {
		t.Errorf("second Wait = %v, want nil again", err2)
	}
}

// TestSSHProcessStderr checks that a started command's stderr goes to
// the logger, line by line, and that much of it does not block the
// command.
func TestSSHProcessStderr(t *testing.T) {
	d := testenv.StartSshd(t)
	cfg := sshConfigFor(t, d)
	var logBuf lockedBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
	s := dialSSH(t, cfg)
	// 40000 lines of 100 bytes: more than the channel's window.
	p, err := s.Start(context.Background(), Cmd{Argv: []string{"sh", "-c", "yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 | head -n 40000 >&2; echo done"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Stdin().Close()
	out, err := io.ReadAll(p.Stdout())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if string(out) != "done\n" {
		t.Errorf("stdout = %q, want done", out)
	}
	if n := strings.Count(logBuf.String(), `msg="sh: 0123456789`); n != 40000 {
		t.Errorf("logged %d stderr lines, want 40000", n)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSSHProcessExitError(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	p, err := s.Start(context.Background(), Cmd{Argv: []string{"sh", "-c", "cat >/dev/null; echo no space left >&2; exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	p.Stdin().Write([]byte("some data"))
	p.Stdin().Close()
	io.Copy(io.Discard, p.Stdout())
	err = p.Wait()
	if code, ok := ExitCode(err); !ok || code != 3 {
		t.Fatalf("Wait = %v, want exit status 3", err)
	}
	if want := "on " + d.Addr.String() + ": sh -c"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "exit status 3: no space left") {
		t.Errorf("error %q lacks the host, the status or stderr", err)
	}
	if _, err := s.Start(context.Background(), Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("x")}); err == nil {
		t.Error("Start took a Cmd.Stdin")
	}
}

// TestSSHProcessCancel checks that cancelling a started command's ctx
// ends the remote command itself, not just our side of it: cat gets EOF.
// (sleep would not end: OpenSSH refuses signal requests for root's
// sessions, and a session without a pty gets no SIGHUP.)
func TestSSHProcessCancel(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := s.Start(ctx, Cmd{Argv: []string{"sh", "-c", "echo $$; exec cat"}})
	if err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 32)
	n, _ := p.Stdout().Read(line)
	pid := strings.TrimSpace(string(line[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		t.Fatalf("remote pid %q: %v", pid, err)
	}
	cancel()
	if err := p.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("remote cat (pid %s) still runs after the cancel", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processAlive reports whether pid is a process that is not a zombie.
func processAlive(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// TestSSHServerKilled drops the connection in the middle of a transfer:
// Wait must say so, never return nil.
func TestSSHServerKilled(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	p, err := s.Start(context.Background(), Cmd{Argv: []string{"cat"}})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		// Far more than is read before the kill; ends on the write error.
		io.Copy(p.Stdin(), testData(8<<30))
		p.Stdin().Close()
	}()
	if _, err := io.CopyN(io.Discard, p.Stdout(), 4<<20); err != nil {
		t.Fatalf("read before the kill: %v", err)
	}
	d.Kill()
	io.Copy(io.Discard, p.Stdout())
	err = p.Wait()
	if err == nil {
		t.Fatal("Wait = nil after the server was killed mid-transfer")
	}
	if !IsConnLost(err) {
		t.Errorf("Wait = %v, want a lost connection", err)
	}
	if want := "connection to " + d.Addr.String() + " lost"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if _, err := s.Run(context.Background(), Cmd{Argv: []string{"true"}}); !IsConnLost(err) {
		t.Errorf("Run on the dead connection = %v, want a lost connection", err)
	}
}
