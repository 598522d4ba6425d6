package main

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/ietsim"
)

// buildBinary builds iet-update itself, for tests that signal a process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "iet-update")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// pausedRun starts iet-update online as a child in the harness's
// namespace, paused right after it blocked the initiators.
type pausedRun struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

func (h *harness) startPaused(bin string) *pausedRun {
	h.t.Helper()
	pause := filepath.Join(h.t.TempDir(), "paused")
	p := &pausedRun{}
	p.cmd = exec.Command(bin, append(h.globalArgs()[1:], "online")...)
	p.cmd.Env = append(os.Environ(), "IETKIT_TEST_PAUSE_AFTER_BLOCK="+pause)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := h.ns.Do(p.cmd.Start); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(pause); err == nil {
			return p
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("iet-update never reached the blackout:\n%s\n%s", p.stdout.String(), p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) chainRules() string {
	var out string
	h.ns.Do(func() error { out, _ = runCmd("iptables", "-S", h.chain); return nil })
	return out
}

func setupResize(t *testing.T) (*harness, string) {
	h := setupBase(t, "1.4.20").withNetNS()
	h.mustRun("online")
	if err := h.sim.AddSession(1, 5, "iqn.1993-08.org.debian:01:host1", ietsim.Conn{CID: 0, IP: netip.MustParseAddr("198.51.100.10")}); err != nil {
		t.Fatal(err)
	}
	h.lun("a0", 96*mib)
	return h, buildBinary(t)
}

// TestSIGTERMInBlackoutUnblocks: SIGTERM in the middle of a resize stops
// the run, which lifts the block on its way out and exits 130.
func TestSIGTERMInBlackoutUnblocks(t *testing.T) {
	h, bin := setupResize(t)
	p := h.startPaused(bin)
	if rules := h.chainRules(); !strings.Contains(rules, "-s 198.51.100.10/32") {
		t.Fatalf("not blocked during the blackout:\n%s", rules)
	}
	// Another run meanwhile is refused by the host lock.
	r := h.run("online")
	if r.code != 1 || !strings.Contains(r.stderr, "ietkit.lock is held by process") || !strings.Contains(r.stderr, "--wait") {
		t.Errorf("concurrent run: %s", r)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v\n%s\n%s", err, p.stdout.String(), p.stderr.String())
	}
	if !strings.Contains(p.stdout.String(), "Done 0 of 1 action(s).") || !strings.Contains(p.stdout.String(), "0 connection(s) closed") ||
		!strings.Contains(p.stderr.String(), "interrupted") {
		t.Errorf("output:\n%s\n%s", p.stdout.String(), p.stderr.String())
	}
	h.assertUnblocked()
	// Interrupted before the LUN was touched: it still serves the old size,
	// and the next run resizes it.
	if got := h.simLUN(alpha, 0).Blocks; got != uint64(64*mib/512) {
		t.Errorf("blocks %d after an interrupted run", got)
	}
	h.mustRun("online")
	if got := h.simLUN(alpha, 0).Blocks; got != uint64(96*mib/512) {
		t.Errorf("blocks %d after the next run", got)
	}
	h.assertUnblocked()
}

// TestSIGKILLInBlackoutHealedByNextRun: a run killed outright leaves the
// initiators blocked; status shows it, and the next run lifts it first.
func TestSIGKILLInBlackoutHealedByNextRun(t *testing.T) {
	for _, healer := range []string{"online", "unblock"} {
		t.Run(healer, func(t *testing.T) {
			h, bin := setupResize(t)
			p := h.startPaused(bin)
			p.cmd.Process.Kill()
			p.cmd.Wait()
			if rules := h.chainRules(); !strings.Contains(rules, "-s 198.51.100.10/32") {
				t.Fatalf("the block should outlive a SIGKILL:\n%s", rules)
			}
			r := h.mustRun("status")
			if !strings.Contains(r.stdout, "Blocked initiators (iet-update unblock lifts them):\n  198.51.100.10/32 port 3260") ||
				!strings.Contains(r.stdout, "re-add lun 0 of "+alpha+"; rule present") {
				t.Errorf("status:\n%s", r)
			}
			r = h.mustRun(healer)
			if !strings.Contains(r.stdout, "Unblocked 198.51.100.10/32") {
				t.Errorf("%s did not say it unblocked:\n%s", healer, r)
			}
			h.assertUnblocked()
			if healer == "online" {
				if got := h.simLUN(alpha, 0).Blocks; got != uint64(96*mib/512) {
					t.Errorf("blocks %d", got)
				}
			}
		})
	}
}
