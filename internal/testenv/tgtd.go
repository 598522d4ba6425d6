package testenv

import (
	"bytes"
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
)

// tgtdSocketDir is where tgtd 1.0.85 puts its management socket,
// socket.<control port>, and its lock.
const tgtdSocketDir = "/var/run/tgtd"

// Tgtd is a tgtd of one test: its own control port, so that tgtadm
// reaches it and no other, and its own portal in the test's namespace.
type Tgtd struct {
	// ControlPort is what tgtadm -C and iet-update --tgt-control-port take.
	ControlPort int
	// Portal is the address initiators log in to.
	Portal netip.AddrPort
	NS     *NetNS

	cmd *exec.Cmd
	mu  sync.Mutex
	log bytes.Buffer
}

// StartTgtd starts tgtd in the foreground inside ns, listening on portal
// (an address ns holds), with a free control port. It is killed and its
// socket removed when the test ends. It skips the test without root or
// tgtd/tgtadm (unless skips are disallowed).
func StartTgtd(t testing.TB, ns *NetNS, portal netip.AddrPort) *Tgtd {
	t.Helper()
	RequireRoot(t)
	RequireTool(t, "tgtd", "tgtadm")
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		// tgtd keeps the control port in a short: 32767 at most.
		port := 20000 + mrand.IntN(12000)
		if _, err := os.Stat(fmt.Sprintf("%s/socket.%d", tgtdSocketDir, port)); err == nil {
			continue // another tgtd's
		}
		d := &Tgtd{ControlPort: port, Portal: portal, NS: ns}
		if lastErr = d.start(t); lastErr == nil {
			return d
		}
	}
	t.Fatalf("start tgtd: %v", lastErr)
	return nil
}

func (d *Tgtd) start(t testing.TB) error {
	d.cmd = exec.Command("tgtd", "-f", "-C", strconv.Itoa(d.ControlPort), "--iscsi", "portal="+d.Portal.String())
	d.cmd.Stdout, d.cmd.Stderr = &lockedWriter{d}, &lockedWriter{d}
	if err := d.NS.Do(d.cmd.Start); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	stop := func() {
		d.cmd.Process.Kill()
		<-done
		os.Remove(fmt.Sprintf("%s/socket.%d", tgtdSocketDir, d.ControlPort))
		os.Remove(fmt.Sprintf("%s/socket.%d.lock", tgtdSocketDir, d.ControlPort))
	}
	ready := func() error {
		_, err := d.Tgtadm(context.Background(), "--op", "show", "--mode", "sys")
		return err
	}
	if err := awaitDaemon("tgtd", fmt.Sprintf("control port %d", d.ControlPort), done, ready, stop, d.Log); err != nil {
		return err
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("tgtd log:\n%s", d.Log())
		}
	})
	return nil
}

// Tgtadm runs tgtadm against this tgtd (--lld iscsi added) and returns
// its output; an error carries the output too.
func (d *Tgtd) Tgtadm(ctx context.Context, args ...string) (string, error) {
	argv := append([]string{"-C", strconv.Itoa(d.ControlPort), "--lld", "iscsi"}, args...)
	out, err := exec.CommandContext(ctx, "tgtadm", argv...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tgtadm %v: %w: %s", argv, err, out)
	}
	return string(out), nil
}

// Log returns what tgtd printed so far.
func (d *Tgtd) Log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

type lockedWriter struct{ d *Tgtd }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	return w.d.log.Write(p)
}
