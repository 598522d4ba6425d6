package portblock

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash tests run Block in a child process (this test binary, re-run
// as TestHelperProcess) inside the server namespace, and SIGKILL it at a
// chosen point. The child reports over file descriptor 3 that it reached
// that point, then sleeps until killed.

const (
	helperEnv     = "PORTBLOCK_HELPER"
	helperMode    = "PORTBLOCK_MODE" // "journal" or "rule": where the child stops
	helperChain   = "PORTBLOCK_CHAIN"
	helperJournal = "PORTBLOCK_JOURNAL"
	helperPrefix  = "PORTBLOCK_PREFIX"
	helperReason  = "crash test"
)

// TestHelperProcess is the child of the crash tests; run alone it does
// nothing.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	ready := os.NewFile(3, "ready")
	p, err := netip.ParsePrefix(os.Getenv(helperPrefix))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Chain: os.Getenv(helperChain), Port: testPort, JournalPath: os.Getenv(helperJournal)}
	mode := os.Getenv(helperMode)
	if mode == "journal" {
		opts.AfterJournal = func(netip.Prefix) {
			fmt.Fprintln(ready, "journaled")
			sleepForever()
		}
	}
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Block(context.Background(), helperReason, []netip.Prefix{p}); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(ready, "blocked")
	sleepForever()
}

func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// crashBlock starts the child in the server namespace, waits until it
// reports want ("journaled" or "blocked"), and SIGKILLs it. It returns the
// child's pid.
func (f *fixture) crashBlock(t *testing.T, mode, want string, p netip.Prefix) int {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		helperEnv+"=1", helperMode+"="+mode, helperChain+"="+f.chain,
		helperJournal+"="+f.journal, helperPrefix+"="+p.String())
	cmd.ExtraFiles = []*os.File{w}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Started from inside Do, the child is born in the server namespace.
	f.onServer(t, "start helper", cmd.Start)
	w.Close()
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	// A safety net against a hung child, not a timing assertion.
	_ = r.SetReadDeadline(time.Now().Add(2 * time.Minute))
	line, err := bufio.NewReader(r).ReadString('\n')
	if got := strings.TrimSpace(line); got != want {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		killed = true
		t.Fatalf("helper reported %q (%v), want %q; its output:\n%s", got, err, want, out.String())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	err = cmd.Wait()
	killed = true
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper did not die by SIGKILL: %v; its output:\n%s", err, out.String())
	}
	return cmd.Process.Pid
}

func TestCrashBetweenJournalAndRule(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			testCrashBetweenJournalAndRule(t, fam)
		})
	}
}

func testCrashBetweenJournalAndRule(t *testing.T, fam family) {
	f := newFixture(t)
	p := hostPrefix(fam, f.net.Hosts[0])
	pid := f.crashBlock(t, "journal", "journaled", p)

	f.checkRules(t, fam) // chain and jump, no rule
	f.checkReach(t, fam, 0, true)
	b := f.blocker(t)
	got := f.list(t, b)
	if len(got) != 1 || got[0].Prefix != p || got[0].Active || got[0].PID != pid || got[0].Reason != helperReason {
		t.Fatalf("List after crash = %+v, want one inactive block of %s by pid %d", got, p, pid)
	}
	removed := f.heal(t, b)
	if len(removed) != 1 || removed[0].Prefix != p {
		t.Errorf("Heal removed %+v, want the block of %s", removed, p)
	}
	f.checkJournalEmpty(t, b)
}

func TestCrashAfterRule(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			testCrashAfterRule(t, fam)
		})
	}
}

func testCrashAfterRule(t *testing.T, fam family) {
	f := newFixture(t)
	p := hostPrefix(fam, f.net.Hosts[0])
	pid := f.crashBlock(t, "rule", "blocked", p)

	f.checkRules(t, fam, p.String())
	f.checkReach(t, fam, 0, false)
	f.checkReach(t, fam, 1, true)
	b := f.blocker(t)
	got := f.list(t, b)
	if len(got) != 1 || got[0].Prefix != p || !got[0].Active || got[0].PID != pid {
		t.Fatalf("List after crash = %+v, want one active block of %s by pid %d", got, p, pid)
	}
	removed := f.heal(t, b)
	if len(removed) != 1 || removed[0].Prefix != p {
		t.Errorf("Heal removed %+v, want the block of %s", removed, p)
	}
	f.checkReach(t, fam, 0, true)
	f.checkRules(t, fam)
	f.checkJournalEmpty(t, b)
}

func (f *fixture) checkJournalEmpty(t *testing.T, b *Blocker) {
	t.Helper()
	if got := f.list(t, b); len(got) != 0 {
		t.Errorf("List after Heal = %+v, want none", got)
	}
	data, err := os.ReadFile(f.journal)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "[]\n" {
		t.Errorf("journal after Heal holds %s, want an empty list", strconv.Quote(string(data)))
	}
}
