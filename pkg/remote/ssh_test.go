package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/internal/testenv"
)

// These tests run against a real OpenSSH server on 127.0.0.1 (root only;
// see testenv.StartSshd). The remote host is this machine, so a test may
// look at the remote side's files and processes directly.

// sshConfigFor is a config that logs in to d with its client key.
func sshConfigFor(t testing.TB, d *testenv.Sshd) SSHConfig {
	return SSHConfig{
		Host:            d.Addr.Addr().String(),
		Port:            int(d.Addr.Port()),
		User:            d.User,
		IdentityFiles:   []string{d.ClientKey},
		KnownHostsFiles: []string{d.KnownHosts},
		Logger:          slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
}

func dialSSH(t testing.TB, cfg SSHConfig) *SSH {
	t.Helper()
	s, err := DialSSH(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSSHRun(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	host := d.Addr.String()
	tests := []struct {
		name       string
		cmd        Cmd
		wantOut    string
		wantErrOut string
		wantCode   int
		wantErr    string
	}{
		{name: "stdout", cmd: Cmd{Argv: []string{"echo", "hi"}}, wantOut: "hi\n"},
		{name: "stderr", cmd: Cmd{Argv: []string{"sh", "-c", "echo oops >&2"}}, wantErrOut: "oops\n"},
		{name: "stdin", cmd: Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("data")}, wantOut: "data"},
		{name: "no stdin is EOF", cmd: Cmd{Argv: []string{"cat"}}, wantOut: ""},
		{
			name:    "env",
			cmd:     Cmd{Argv: []string{"sh", "-c", `printf '%s|%s' "$X" "$Y"`}, Env: []string{"X=a b", "Y=it's $HOME"}},
			wantOut: "a b|it's $HOME",
		},
		{
			name:     "exit code, host and redacted stderr",
			cmd:      Cmd{Argv: []string{"sh", "-c", "echo bad s3cret >&2; exit 5", "s3cret"}, Secrets: []string{"s3cret"}},
			wantCode: 5,
			wantErr:  "on " + host + ": sh -c echo bad *** >&2; exit 5 ***: exit status 5: bad ***",
		},
		{
			name:     "killed by a signal",
			cmd:      Cmd{Argv: []string{"sh", "-c", "kill -KILL $$"}},
			wantCode: 128 + 9,
			wantErr:  "exit status 137: killed by signal KILL",
		},
		{name: "not found", cmd: Cmd{Argv: []string{"/nonexistent/prog"}}, wantCode: 127, wantErr: "/nonexistent/prog"},
		{name: "empty", cmd: Cmd{}, wantErr: "empty command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Run(context.Background(), tt.cmd)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.wantOut, string(res.Stdout)); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantErrOut, string(res.Stderr)); diff != "" {
					t.Errorf("stderr (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("secret leaked: %q", err)
			}
			if code, ok := ExitCode(err); tt.wantCode != 0 && (!ok || code != tt.wantCode) {
				t.Errorf("exit code %d,%v want %d", code, ok, tt.wantCode)
			}
		})
	}
}

// TestSSHRunArgvIntact checks that no argument is parsed by the remote
// shell: each comes out of printf exactly as it went in, and none runs.
func TestSSHRunArgvIntact(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	marker := filepath.Join(t.TempDir(), "injected")
	args := []string{
		"plain", "with space", "  lead and trail  ", "", "it's", `"double"`, `back\slash`,
		"$HOME", "${HOME}", "$(touch " + marker + ")", "`touch " + marker + "`",
		"; touch " + marker, "&& touch " + marker, "| touch " + marker, "> " + marker,
		"new\nline", "tab\there", "*", "~", "#not a comment", "!", "'", "''", `'\''`, "\\'",
		"ünïcödé",
	}
	res, err := s.Run(context.Background(), Cmd{Argv: append([]string{"printf", `%s\000`}, args...)})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(string(res.Stdout), "\x00")
	if diff := cmp.Diff(append(args, ""), got); diff != "" {
		t.Errorf("arguments changed on the way (-sent +received):\n%s", diff)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("an argument ran as a command: %s exists", marker)
	}
	// And through env, with Env set.
	res, err = s.Run(context.Background(), Cmd{Argv: append([]string{"printf", `%s\000`}, args...), Env: []string{"A=; touch " + marker}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Join(args, "\x00")+"\x00", string(res.Stdout)); diff != "" {
		t.Errorf("arguments changed on the way with Env (-sent +received):\n%s", diff)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("an env value ran as a command: %s exists", marker)
	}
}

// streamSize is how much the streaming tests push through cat.
const streamSize = 64 << 20

// testData is a reproducible stream of n pseudo-random bytes.
func testData(n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{'i', 'e', 't'}), n)
}

func sha256Of(r io.Reader) string {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "error: " + err.Error()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestSSHRunStreamsStdin(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	want := sha256Of(testData(streamSize))

	res, err := s.Run(context.Background(), Cmd{Argv: []string{"cat"}, Stdin: testData(streamSize)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stdout) != streamSize {
		t.Errorf("cat returned %d bytes, want %d", len(res.Stdout), streamSize)
	}
	if got := sha256Of(bytes.NewReader(res.Stdout)); got != want {
		t.Errorf("sha256 of what came back = %s, want %s", got, want)
	}

	res, err = s.Run(context.Background(), Cmd{Argv: []string{"sha256sum"}, Stdin: testData(streamSize)})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := strings.Cut(string(res.Stdout), " "); got != want {
		t.Errorf("sha256 on the remote side = %s, want %s", got, want)
	}
}

// TestSSHConcurrentRuns runs commands in parallel sessions of one
// connection.
func TestSSHConcurrentRuns(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			res, err := s.Run(context.Background(), Cmd{Argv: []string{"echo", strconv.Itoa(i)}})
			if err == nil && string(res.Stdout) != fmt.Sprintf("%d\n", i) {
				err = fmt.Errorf("run %d printed %q", i, res.Stdout)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
}

func TestSSHRunCancel(t *testing.T) {
	d := testenv.StartSshd(t)
	s := dialSSH(t, sshConfigFor(t, d))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := s.Run(ctx, Cmd{Argv: []string{"sleep", "30"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("Run returned %s after the cancel; it waited for sleep", took)
	}
	// The connection is still good for the next command.
	if _, err := s.Run(context.Background(), Cmd{Argv: []string{"true"}}); err != nil {
		t.Errorf("run after a cancelled one: %v", err)
	}
	if _, err := s.Run(ctx, Cmd{Argv: []string{"true"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a done ctx = %v, want context.Canceled", err)
	}
}

func TestSSHClose(t *testing.T) {
	d := testenv.StartSshd(t)
	s, err := DialSSH(context.Background(), sshConfigFor(t, d))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if _, err := s.Run(context.Background(), Cmd{Argv: []string{"true"}}); !IsConnLost(err) || !strings.Contains(err.Error(), "closed by this side") {
		t.Errorf("Run after Close = %v, want a lost connection closed by this side", err)
	}
}
