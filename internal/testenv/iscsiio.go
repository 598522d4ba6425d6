package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/iscsiio/iscsiurl"
)

// iscsiIOPackage is the cgo tool that BuildIscsiIO builds.
const iscsiIOPackage = "github.com/ietkit/ietkit/internal/iscsiio"

// libiscsiHeader is the header building iscsi-io needs.
const libiscsiHeader = "/usr/include/iscsi/iscsi.h"

// iscsiIOReady is what `iscsi-io loop` and `iscsi-io hold` print once
// logged in.
const iscsiIOReady = "session open"

// stopTimeout is how long a stopped background command may take to exit
// before it is killed.
const stopTimeout = 15 * time.Second

// BuildIscsiIO builds iscsi-io into a temporary directory of t and returns
// its path. It skips the test without go, cgo, a C compiler or libiscsi's
// headers (Debian package libiscsi-dev).
func BuildIscsiIO(t testing.TB) string {
	t.Helper()
	RequireTool(t, "go")
	if _, err := os.Stat(libiscsiHeader); err != nil {
		Skip(t, "building iscsi-io needs libiscsi's headers (Debian package libiscsi-dev): %v", err)
	}
	out, err := exec.Command("go", "env", "CGO_ENABLED", "CC").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	env := strings.Fields(string(out))
	if len(env) == 0 || env[0] != "1" {
		Skip(t, "building iscsi-io needs cgo (go env CGO_ENABLED is not 1)")
	}
	if len(env) < 2 {
		Skip(t, "building iscsi-io needs a C compiler (go env CC is empty)")
	}
	if _, err := exec.LookPath(env[1]); err != nil {
		Skip(t, "building iscsi-io needs a C compiler: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "iscsi-io")
	if out, err := exec.Command("go", "build", "-o", bin, iscsiIOPackage).CombinedOutput(); err != nil {
		t.Fatalf("build iscsi-io: %v\n%s", err, out)
	}
	return bin
}

// WithIscsiIO builds iscsi-io for the initiator and returns it.
func (in *Initiator) WithIscsiIO(t testing.TB) *Initiator {
	t.Helper()
	in.IscsiIO = BuildIscsiIO(t)
	return in
}

// iscsiIO returns the command line of an iscsi-io command.
func (in *Initiator) iscsiIO(command string, args ...string) ([]string, error) {
	if in.IscsiIO == "" {
		return nil, errors.New("iscsi-io is not built: call WithIscsiIO")
	}
	argv := append([]string{in.IscsiIO}, in.nameArgs()...)
	return append(append(argv, command), args...), nil
}

// Write writes data, a whole number of blocks, at lba of url's LUN.
func (in *Initiator) Write(ctx context.Context, url string, lba uint64, data []byte) error {
	argv, err := in.iscsiIO("write", url, strconv.FormatUint(lba, 10))
	if err != nil {
		return err
	}
	out, err := in.run(ctx, data, true, argv...)
	if err != nil {
		return err
	}
	if want := fmt.Sprintf("wrote %d bytes", len(data)); strings.TrimSpace(string(out)) != want {
		return fmt.Errorf("iscsi-io write %s: printed %q, want %q", iscsiurl.Redact(url), out, want)
	}
	return nil
}

// Read reads blocks blocks at lba of url's LUN.
func (in *Initiator) Read(ctx context.Context, url string, lba, blocks uint64) ([]byte, error) {
	argv, err := in.iscsiIO("read", url, strconv.FormatUint(lba, 10), strconv.FormatUint(blocks, 10))
	if err != nil {
		return nil, err
	}
	out, err := in.run(ctx, nil, false, argv...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoopResult is the summary of a read loop.
type LoopResult struct {
	Reads  int // reads that ended, failed or not
	Errors int // reads that failed
	// UnitAttentions are the UNIT ATTENTIONs the target reported (a LUN
	// added or removed): the read was sent again, as initiators do.
	UnitAttentions int
	MaxLatency     time.Duration
	Stderr         string // one line per failed read
}

// parseLoopSummary parses the last summary line ("reads=R errors=E
// max_latency=D") in the stdout of `iscsi-io loop`.
func parseLoopSummary(out string) (LoopResult, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "reads=") {
			continue
		}
		var r LoopResult
		seen := map[string]bool{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			var err error
			switch k {
			case "reads":
				r.Reads, err = strconv.Atoi(v)
			case "errors":
				r.Errors, err = strconv.Atoi(v)
			case "max_latency":
				r.MaxLatency, err = time.ParseDuration(v)
			case "unit_attentions":
				r.UnitAttentions, err = strconv.Atoi(v)
				continue
			default:
				continue
			}
			if err != nil || seen[k] || r.Reads < 0 || r.Errors < 0 || r.MaxLatency < 0 {
				return LoopResult{}, fmt.Errorf("parse loop summary %q: bad %s", line, k)
			}
			seen[k] = true
		}
		if len(seen) != 3 {
			return LoopResult{}, fmt.Errorf("parse loop summary %q: want reads, errors and max_latency", line)
		}
		return r, nil
	}
	return LoopResult{}, fmt.Errorf("parse loop summary: no summary line in %q", out)
}

// Loop is a running `iscsi-io loop`: one session reading blocks 8 at a
// time every 10ms.
type Loop struct {
	bg *background
}

// StartLoop starts reading url's LUN for d and returns once the loop has
// logged in. The loop is killed when the test ends if still running.
func (in *Initiator) StartLoop(ctx context.Context, url string, d time.Duration) (*Loop, error) {
	argv, err := in.iscsiIO("loop", url, d.String())
	if err != nil {
		return nil, err
	}
	bg, err := in.start(ctx, argv)
	if err != nil {
		return nil, err
	}
	return &Loop{bg}, nil
}

// Wait waits for the loop to end and returns its summary. A loop that
// counted errors exits 1: Wait returns its result and a *CommandError.
func (l *Loop) Wait() (LoopResult, error) {
	<-l.bg.done
	r, perr := parseLoopSummary(l.bg.stdout.String())
	r.Stderr = l.bg.stderr.String()
	if err := l.bg.err(); err != nil {
		if perr != nil {
			return LoopResult{Stderr: r.Stderr}, err
		}
		return r, err
	}
	if perr != nil {
		return LoopResult{Stderr: r.Stderr}, perr
	}
	return r, nil
}

// Stop ends the loop early (SIGTERM) and returns its summary, as Wait.
func (l *Loop) Stop() (LoopResult, error) {
	l.bg.stop()
	return l.Wait()
}

// Hold keeps a session to url's LUN open for d, in the background, and
// returns once it is logged in. stop ends it; so does the end of the
// test.
func (in *Initiator) Hold(ctx context.Context, url string, d time.Duration) (stop func(), err error) {
	argv, err := in.iscsiIO("hold", url, d.String())
	if err != nil {
		return nil, err
	}
	bg, err := in.start(ctx, argv)
	if err != nil {
		return nil, err
	}
	return func() {
		bg.stop()
		<-bg.done
		if err := bg.err(); err != nil {
			in.tb.Errorf("hold a session: %v", err)
		}
	}, nil
}

// background is a command running in an initiator's namespace.
type background struct {
	cmd            *exec.Cmd
	argv           []string
	stdout, stderr *readyBuffer
	done           chan struct{} // closed once the command exited
	waitErr        error         // cmd.Wait's, set before done closes
}

// start starts argv inside the namespace and waits for its ready line; it
// kills the command when the test ends, if it still runs.
func (in *Initiator) start(ctx context.Context, argv []string) (*background, error) {
	bg := &background{
		cmd:    exec.CommandContext(ctx, argv[0], argv[1:]...),
		argv:   argv,
		stdout: newReadyBuffer(iscsiIOReady),
		stderr: newReadyBuffer(""),
		done:   make(chan struct{}),
	}
	bg.cmd.Stdout, bg.cmd.Stderr = bg.stdout, bg.stderr
	if err := in.NS.Do(bg.cmd.Start); err != nil {
		return nil, commandError(argv, "", "", err)
	}
	go func() {
		bg.waitErr = bg.cmd.Wait()
		close(bg.done)
	}()
	in.tb.Cleanup(func() {
		select {
		case <-bg.done:
		default:
			bg.cmd.Process.Kill()
			<-bg.done
		}
	})
	select {
	case <-bg.stdout.ready:
		return bg, nil
	case <-bg.done:
		if err := bg.err(); err != nil {
			return nil, err
		}
		return nil, commandError(argv, bg.stdout.String(), bg.stderr.String(), errors.New("exited before logging in"))
	case <-ctx.Done():
		<-bg.done // CommandContext kills it
		return nil, commandError(argv, bg.stdout.String(), bg.stderr.String(), ctx.Err())
	}
}

// stop sends SIGTERM, and kills the command if it has not exited after
// stopTimeout.
func (bg *background) stop() {
	if err := bg.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return // already exited
	}
	select {
	case <-bg.done:
	case <-time.After(stopTimeout):
		bg.cmd.Process.Kill()
		<-bg.done
	}
}

// err returns the error of the exited command, or nil if it succeeded.
func (bg *background) err() error {
	if bg.waitErr == nil {
		return nil
	}
	return commandError(bg.argv, bg.stdout.String(), bg.stderr.String(), bg.waitErr)
}

// readyBuffer collects a command's output and closes ready once a line
// equal to readyLine has been written ("" never).
type readyBuffer struct {
	readyLine string
	ready     chan struct{}
	mu        sync.Mutex
	buf       bytes.Buffer
	closed    bool
}

func newReadyBuffer(readyLine string) *readyBuffer {
	return &readyBuffer{readyLine: readyLine, ready: make(chan struct{})}
}

func (b *readyBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if !b.closed && b.readyLine != "" {
		for _, line := range strings.Split(b.buf.String(), "\n") {
			if line == b.readyLine {
				close(b.ready)
				b.closed = true
				break
			}
		}
	}
	return len(p), nil
}

func (b *readyBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
