// Package snaptest helps the drivers' tests run a vendor CLI simulator:
// a multi-call program (one binary, run under each command's name) built
// once per test binary, with its state in a directory of the test's.
package snaptest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// StateEnv is the environment variable that tells a simulator where its
// state (pairs, the command log, failures on demand) lives.
const StateEnv = "ARRAYSIM_DIR"

var (
	mu    sync.Mutex
	built = map[string]string{} // package -> binary
)

// BuildSim builds the simulator package pkg (an import path) once per
// test binary, and returns a fresh directory in which each of names is a
// link to it: the PATH directory a driver's commands are found in.
func BuildSim(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	mu.Lock()
	bin, ok := built[pkg]
	if !ok {
		dir, err := os.MkdirTemp("", "snapsim-")
		if err != nil {
			mu.Unlock()
			t.Fatal(err)
		}
		bin = filepath.Join(dir, filepath.Base(pkg))
		out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
		if err != nil {
			mu.Unlock()
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
		built[pkg] = bin
	}
	mu.Unlock()
	binDir := t.TempDir()
	for _, n := range names {
		if err := os.Symlink(bin, filepath.Join(binDir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return binDir
}

// Cleanup removes the simulators built; call it from TestMain after
// m.Run.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	for _, b := range built {
		os.RemoveAll(filepath.Dir(b))
	}
}

// Env is a driver environment whose commands are the simulator's in
// binDir, with state in stateDir, logging to log (the test's output
// when nil), with the clock now (time.Now when nil) and sleeps that
// return at once.
func Env(t testing.TB, binDir, stateDir string, log io.Writer, now func() time.Time) snapdrivers.Env {
	t.Helper()
	if log == nil {
		log = testWriter{t}
	}
	if now == nil {
		now = time.Now
	}
	env := append(os.Environ(), StateEnv+"="+stateDir)
	logger := slog.New(snapdrivers.NewLineHandler(log, "test", slog.LevelDebug)).With(snapdrivers.ResourceAttr, "sync#1")
	return snapdrivers.Env{
		Exec: &snapdrivers.Exec{
			Runner: snapdrivers.PathRunner{Dirs: []string{binDir}, Runner: remote.Local{Env: env}},
			Log:    logger,
		},
		Location: time.Local,
		Now:      now,
		Sleep:    func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// CommandLog reads the simulator's log of the commands it ran: one line
// per command, its argv joined with spaces (the simulators append to
// stateDir/commands.log).
func CommandLog(t testing.TB, stateDir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stateDir, "commands.log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Fixture returns testdata/name of the package under test: a published
// vendor output.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
