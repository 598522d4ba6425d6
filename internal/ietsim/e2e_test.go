package ietsim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// buildFakeIetadm builds cmd/fake-ietadm (relative to this package's
// directory, where go test runs) and returns the binary's path.
func buildFakeIetadm(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not in PATH, cannot build fake-ietadm")
	}
	bin := filepath.Join(t.TempDir(), "ietadm")
	cmd := exec.CommandContext(t.Context(), gobin, "build", "-o", bin, "./cmd/fake-ietadm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build fake-ietadm: %v\n%s", err, out)
	}
	return bin
}

// ietadmProc runs the binary with the simulator's environment plus env.
type ietadmProc struct {
	bin string
	env []string
}

func (p ietadmProc) run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), p.bin, args...)
	cmd.Env = append(append(os.Environ(), p.env...), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", p.bin, err)
	}
	return out.String(), errOut.String(), code
}

func TestFakeIetadmBinary(t *testing.T) {
	bin := buildFakeIetadm(t)
	s := newSim(t, "1.4.20")
	p := ietadmProc{bin: bin, env: s.Env()}
	file := backingFile(t, 8<<20)

	var wantCalls []Call
	step := func(env []string, args []string, wantCode int, wantOut, wantErr string) {
		t.Helper()
		out, errOut, code := p.run(t, env, args...)
		if code != wantCode || out != wantOut || errOut != wantErr {
			t.Errorf("ietadm %s:\n got exit %d, stdout %q, stderr %q\nwant exit %d, stdout %q, stderr %q",
				strings.Join(args, " "), code, out, errOut, wantCode, wantOut, wantErr)
		}
		wantCalls = append(wantCalls, Call{Argv: args, Exit: wantCode})
	}

	step(nil, []string{"--op", "new", "--tid=0", "--params", "Name=iqn.2001-04.com.example:e2e"}, 0, "", "")
	step(nil, []string{"--op", "new", "--tid", "1", "--lun", "0", "--params=Path=" + file + ",BlockSize=4096"}, 0, "", "")
	step(nil, []string{"--op", "delete", "--tid=9"}, 254, "", errENOENT)
	step(nil, []string{"--op", "update", "--tid=1", "--lun=0", "--params", "Path=" + file}, 234, "", "Unsupported.\n"+errEINVAL)
	step(nil, []string{"--op", "show", "--tid=1"}, 0, defaultShow, "")
	wantVolume := "tid:1 name:iqn.2001-04.com.example:e2e\n" +
		"\tlun:0 state:0 iotype:fileio iomode:wt blocks:2048 blocksize:4096 path:" + file + "\n"
	if got := readProc(t, s, "volume"); got != wantVolume {
		t.Errorf("volume = %q, want %q", got, wantVolume)
	}

	// IETSIM_FAIL fails the first matching request only.
	fail := []string{"IETSIM_FAIL=lun-delete:EBUSY"}
	step(fail, []string{"--op", "delete", "--tid=1", "--lun=0"}, 240, "", errEBUSY)
	step(fail, []string{"--op", "delete", "--tid=1", "--lun=0"}, 0, "", "")

	// A hook logs an initiator in just before the target is deleted.
	login := writeHook(t, `echo "login before $IETSIM_OP"
exec "$IETADM" --ietsim add-session 1 42 iqn.1993-08.org.debian:01:late 0@198.51.100.7 1@2001:db8::7
`)
	hook := []string{"IETSIM_HOOK_TARGET_DELETE=" + login, "IETADM=" + bin}
	step(hook, []string{"--op", "delete", "--tid=1"}, 240, "", errEBUSY)
	wantSession := "tid:1 name:iqn.2001-04.com.example:e2e\n" +
		"\tsid:42 initiator:iqn.1993-08.org.debian:01:late\n" +
		"\t\tcid:0 ip:198.51.100.7 state:active hd:none dd:none\n" +
		"\t\tcid:1 ip:[2001:0db8:0000:0000:0000:0000:0000:0007] state:active hd:none dd:none\n"
	if got := readProc(t, s, "session"); got != wantSession {
		t.Errorf("session = %q, want %q", got, wantSession)
	}
	if log, err := os.ReadFile(filepath.Join(s.Dir(), "hooks.log")); err != nil || string(log) != "login before target-delete\n" {
		t.Errorf("hooks.log = %q, %v", log, err)
	}
	step([]string{"IETSIM_HOOK_TARGET_SHOW=" + writeHook(t, "exit 1\n")}, []string{"--op", "show", "--tid=1"}, 251, "", "Input/output error\n")

	// The initiator closes its connections; then the delete goes through.
	step(nil, []string{"--op", "delete", "--tid=1", "--sid=42", "--cid=0"}, 0, "", "")
	step(nil, []string{"--op", "delete", "--tid=1", "--sid=42"}, 234, "", errEINVAL)
	step(nil, []string{"--op", "delete", "--tid=1", "--sid=42", "--cid=1"}, 0, "", "")
	step(nil, []string{"--op", "delete", "--tid=1"}, 0, "", "")
	if got := readProc(t, s, "session"); got != "" {
		t.Errorf("session = %q, want empty", got)
	}

	if _, errOut, code := p.run(t, nil, ControlFlag, "stop"); code != 0 {
		t.Fatalf("--ietsim stop: exit %d, %s", code, errOut)
	}
	step(nil, []string{"--op", "new", "--tid=0", "--params", "Name=iqn.x:down"}, 145, "", errECONNREFUSED)

	calls, err := ReadCalls(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCalls, calls); diff != "" {
		t.Errorf("calls.log (-want +got):\n%s", diff)
	}

	// Without its configuration the binary refuses to run.
	cmd := exec.CommandContext(t.Context(), bin, "--op", "show", "--tid=1")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 255 || !strings.Contains(string(out), EnvDir) {
		t.Errorf("without IETSIM_DIR: %v, %s", err, out)
	}
}

// TestFakeIetadmConcurrent runs invocations in parallel: the lock keeps
// every change.
func TestFakeIetadmConcurrent(t *testing.T) {
	bin := buildFakeIetadm(t)
	s := newSim(t, "")
	p := ietadmProc{bin: bin, env: s.Env()}
	const n = 16
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, codes[i] = p.run(t, nil, "--op", "new", "--tid=0", "--params", fmt.Sprintf("Name=iqn.x:%d", i))
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != 0 {
			t.Errorf("invocation %d: exit %d", i, c)
		}
	}
	want := make([]uint32, n)
	for i := range want {
		want[i] = uint32(i + 1)
	}
	if diff := cmp.Diff(want, tids(s)); diff != "" {
		t.Errorf("tids (-want +got):\n%s", diff)
	}
	if calls, err := ReadCalls(s.Dir()); err != nil || len(calls) != n {
		t.Errorf("calls.log: %d calls, %v; want %d", len(calls), err, n)
	}
}
