package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/testenv"
)

// tgtEnv is iet-update managing a real tgtd, with real initiators:
// host 0 (198.51.100.10) is allowed into alpha, host 1 (198.51.100.11)
// into beta, host 2 (198.51.100.12) into neither.
type tgtEnv struct {
	t      testing.TB
	dir    string
	root   string
	conf   string
	chain  string
	net    *testenv.Network
	tgtd   *testenv.Tgtd
	ini    []*testenv.Initiator
	portal netip.AddrPort
}

const tgtConfig = `prefix iqn.2001-04.com.example:
target alpha 198.51.100.10
  lun 0 @DIR@/a0
  lun 1 @DIR@/a1
target beta 198.51.100.11
  lun 0 @DIR@/b0
`

func newTgtEnv(t testing.TB) *tgtEnv {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "tgtd", "tgtadm", "iscsi-ls", "iscsi-readcapacity16", "iptables", "ip6tables")
	e := &tgtEnv{t: t, dir: t.TempDir(), root: t.TempDir(), chain: testenv.RandomName("IETK-")}
	e.conf = filepath.Join(e.dir, "target.conf")
	e.net = testenv.NewNetwork(t, 3)
	e.portal = netip.AddrPortFrom(e.net.ServerAddr4, 3260)
	e.tgtd = testenv.StartTgtd(t, e.net.Server, e.portal)
	iscsiIO := testenv.BuildIscsiIO(t)
	for i, h := range e.net.Hosts {
		in := testenv.NewInitiator(t, h, "iqn.2026-11.org.ietkit.test:host"+strconv.Itoa(i))
		in.IscsiIO = iscsiIO
		e.ini = append(e.ini, in)
	}
	e.lun("a0", 64*mib)
	e.lun("a1", 32*mib)
	e.lun("b0", 48*mib)
	e.config(tgtConfig)
	return e
}

func (e *tgtEnv) lun(name string, size int64) string {
	p := filepath.Join(e.dir, name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *tgtEnv) config(text string) {
	if err := os.WriteFile(e.conf, []byte(strings.ReplaceAll(text, "@DIR@", e.dir)), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *tgtEnv) args(cmd ...string) []string {
	return append([]string{"iet-update", "--backend", "tgt", "--tgt-control-port", strconv.Itoa(e.tgtd.ControlPort),
		"--config", e.conf, "--root", e.root, "--block-chain", e.chain, "--log-level", "warn"}, cmd...)
}

// run runs iet-update in process, inside the target's namespace, so that
// its blocks go to that namespace's firewall.
func (e *tgtEnv) run(cmd ...string) runResult {
	e.t.Helper()
	var out, errOut bytes.Buffer
	var code int
	if err := e.net.Server.Do(func() error {
		code = run(context.Background(), e.args(cmd...), &out, &errOut)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return runResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

func (e *tgtEnv) mustRun(cmd ...string) runResult {
	e.t.Helper()
	r := e.run(cmd...)
	if r.code != 0 {
		e.t.Fatalf("iet-update %s: %s", strings.Join(cmd, " "), r)
	}
	return r
}

// url names config LUN n of target name; tgt serves it as LUN n+1.
func (e *tgtEnv) url(name string, n int) string {
	return testenv.URL(e.portal, "", "", "iqn.2001-04.com.example:"+name, n+1)
}

func (e *tgtEnv) capacity(host int, name string, n int) int64 {
	e.t.Helper()
	blocks, bs, err := e.ini[host].ReadCapacity(context.Background(), e.url(name, n))
	if err != nil {
		e.t.Fatalf("read capacity of %s lun %d from host %d: %v", name, n, host, err)
	}
	return int64(blocks * bs)
}

// probe tells whether host can open a TCP connection to the portal.
func (e *tgtEnv) probe(host int) error {
	return e.net.Hosts[host].NS.DialTimeout("tcp", e.portal.String(), time.Second)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (e *tgtEnv) assertUnblocked() {
	e.t.Helper()
	var rules string
	e.net.Server.Do(func() error { rules, _ = runCmd("iptables", "-S", e.chain); return nil })
	if strings.Contains(rules, "DROP") {
		e.t.Errorf("a block is left:\n%s", rules)
	}
	for i := range e.net.Hosts {
		if err := e.probe(i); err != nil {
			e.t.Errorf("host %d cannot reach the portal after the run: %v", i, err)
		}
	}
}

// 1. A config applied to an empty tgtd: each initiator sees exactly its
// targets and LUN sizes; others cannot log in.
func TestTgtApplyToEmptyTarget(t *testing.T) {
	e := newTgtEnv(t)
	r := e.mustRun("online")
	if !strings.Contains(r.stdout, "set initiators allowed into iqn.2001-04.com.example:alpha: +198.51.100.10") {
		t.Errorf("no ACL step:\n%s", r)
	}
	ctx := context.Background()
	for _, c := range []struct {
		host int
		name string
		lun  int
		size int64
	}{{0, "alpha", 0, 64 * mib}, {0, "alpha", 1, 32 * mib}, {1, "beta", 0, 48 * mib}} {
		if got := e.capacity(c.host, c.name, c.lun); got != c.size {
			t.Errorf("host %d sees %s lun %d as %d bytes, want %d", c.host, c.name, c.lun, got, c.size)
		}
	}
	ls, err := e.ini[0].Ls(ctx, testenv.URL(e.portal, "", "", "", 0))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range ls {
		names = append(names, tg.IQN)
		if tg.IQN == "iqn.2001-04.com.example:alpha" && len(tg.LUNs) != 3 {
			t.Errorf("alpha shows %d LUNs (want the controller and 2 disks): %+v", len(tg.LUNs), tg.LUNs)
		}
	}
	if !strings.Contains(strings.Join(names, " "), "alpha") {
		t.Errorf("host 0 does not see alpha: %v", names)
	}
	for _, c := range []struct {
		host int
		name string
	}{{0, "beta"}, {1, "alpha"}, {2, "alpha"}, {2, "beta"}} {
		_, _, err := e.ini[c.host].ReadCapacity(ctx, e.url(c.name, 0))
		if !testenv.IsLoginRefused(err) {
			t.Errorf("host %d into %s: %v, want a refused login", c.host, c.name, err)
		}
	}
	if r := e.mustRun("plan"); !strings.Contains(r.stdout, "nothing to change") {
		t.Errorf("second plan:\n%s", r)
	}
}

// 2 and 6. A grown LUN is re-added: its initiator is blocked meanwhile
// (a probe stalls), another target's initiator keeps reading without an
// error, the new capacity shows after, the data survives, no block stays.
func TestTgtResizeLive(t *testing.T) {
	e := newTgtEnv(t)
	e.mustRun("online")
	ctx := context.Background()
	data := make([]byte, 1<<20)
	rand.Read(data)
	if err := e.ini[0].Write(ctx, e.url("alpha", 0), 4096, data); err != nil {
		t.Fatal(err)
	}
	stopHold, err := e.ini[0].Hold(ctx, e.url("alpha", 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer stopHold()
	loop, err := e.ini[1].StartLoop(ctx, e.url("beta", 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	e.lun("a0", 96*mib)
	bin := buildBinary(t)
	p := e.startPaused(bin, "online")
	if err := e.probe(0); !isTimeout(err) {
		t.Errorf("alpha's initiator is not blocked during the blackout: %v", err)
	}
	if err := e.probe(1); err != nil {
		t.Errorf("beta's initiator is blocked: %v", err)
	}
	os.Remove(p.pause) // let the run go on
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("iet-update: %v\n%s\n%s", err, p.stdout.String(), p.stderr.String())
	}
	if !strings.Contains(p.stdout.String(), "resize lun 0 of iqn.2001-04.com.example:alpha") || !strings.Contains(p.stdout.String(), "blackout of") {
		t.Errorf("output:\n%s", p.stdout.String())
	}
	res, err := loop.Stop()
	if err != nil || res.Errors != 0 || res.Reads == 0 {
		t.Errorf("beta's initiator: %+v, %v", res, err)
	}
	if got := e.capacity(0, "alpha", 0); got != 96*mib {
		t.Errorf("capacity after resize %d, want %d", got, 96*mib)
	}
	back, err := e.ini[0].Read(ctx, e.url("alpha", 0), 4096, uint64(len(data)/512))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(back) != sha256.Sum256(data) {
		t.Error("data written before the resize reads back different")
	}
	e.assertUnblocked()
}

// pausedTgtRun is iet-update as a child in the target's namespace,
// paused right after blocking.
type pausedTgtRun struct {
	pausedRun
	pause string
}

func (e *tgtEnv) startPaused(bin string, cmd ...string) *pausedTgtRun {
	e.t.Helper()
	p := &pausedTgtRun{pause: filepath.Join(e.t.TempDir(), "paused")}
	p.cmd = exec.Command(bin, e.args(cmd...)[1:]...)
	p.cmd.Env = append(os.Environ(), "IETKIT_TEST_PAUSE_AFTER_BLOCK="+p.pause)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := e.net.Server.Do(p.cmd.Start); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(p.pause); err == nil {
			return p
		}
		if time.Now().After(deadline) || p.cmd.ProcessState != nil {
			e.t.Fatalf("iet-update never reached the blackout:\n%s\n%s", p.stdout.String(), p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// 3. A target and a LUN added to a live config appear without disturbing
// existing sessions.
func TestTgtAddLive(t *testing.T) {
	e := newTgtEnv(t)
	e.mustRun("online")
	ctx := context.Background()
	loop, err := e.ini[1].StartLoop(ctx, e.url("beta", 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	e.lun("g0", 16*mib)
	e.lun("b1", 8*mib)
	e.config(tgtConfig + "  lun 1 @DIR@/b1\ntarget gamma 198.51.100.12\n  lun 0 @DIR@/g0\n")
	r := e.mustRun("online")
	if strings.Contains(r.stdout, "blackout") || strings.Contains(r.stdout, "close") {
		t.Errorf("adding disturbed sessions:\n%s", r)
	}
	if got := e.capacity(2, "gamma", 0); got != 16*mib {
		t.Errorf("gamma lun 0: %d", got)
	}
	if got := e.capacity(1, "beta", 1); got != 8*mib {
		t.Errorf("beta lun 1: %d", got)
	}
	// A new LUN makes tgt tell each session once (UNIT ATTENTION,
	// REPORTED LUNS DATA HAS CHANGED): a notice, after which the read
	// goes through; no read fails and the session stays.
	res, err := loop.Stop()
	if err != nil || res.Errors != 0 || res.Reads == 0 || res.UnitAttentions > 1 {
		t.Errorf("beta's session was disturbed: %+v, %v", res, err)
	}
}

// 4. --prune deletes a LUN nobody uses, refuses one in use unless --force.
func TestTgtPrune(t *testing.T) {
	e := newTgtEnv(t)
	e.mustRun("online")
	ctx := context.Background()
	e.config(strings.Replace(tgtConfig, "  lun 1 @DIR@/a1\n", "", 1))
	e.mustRun("online", "--prune")
	if _, _, err := e.ini[0].ReadCapacity(ctx, e.url("alpha", 1)); err == nil {
		t.Error("pruned LUN still answers")
	}

	stop, err := e.ini[1].Hold(ctx, e.url("beta", 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	e.lun("b1", 8*mib)
	e.config(strings.Replace(tgtConfig, "  lun 1 @DIR@/a1\n", "", 1) + "  lun 1 @DIR@/b1\n")
	e.mustRun("online")
	e.config(strings.Replace(tgtConfig, "  lun 1 @DIR@/a1\n", "", 1))
	r := e.run("online", "--prune")
	if r.code != 1 || !strings.Contains(r.stdout, "Refused:\n  - delete lun 1 of iqn.2001-04.com.example:beta") {
		t.Errorf("prune of a LUN in use: %s", r)
	}
	if got := e.capacity(1, "beta", 1); got != 8*mib {
		t.Errorf("refused LUN is gone: %d", got)
	}
	e.mustRun("online", "--prune", "--force")
	if _, _, err := e.ini[1].ReadCapacity(ctx, e.url("beta", 1)); err == nil {
		t.Error("LUN still there after --prune --force")
	}
}

// 5. iet-update killed with SIGKILL in a blackout: the initiator stays
// blocked until the next run or unblock.
func TestTgtSIGKILLInBlackout(t *testing.T) {
	e := newTgtEnv(t)
	e.mustRun("online")
	stop, err := e.ini[0].Hold(context.Background(), e.url("alpha", 0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	e.lun("a0", 80*mib)
	p := e.startPaused(buildBinary(t), "online")
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	if err := e.probe(0); !isTimeout(err) {
		t.Fatalf("initiator not blocked after SIGKILL: %v", err)
	}
	r := e.mustRun("unblock")
	if !strings.Contains(r.stdout, "Unblocked 198.51.100.10/32") {
		t.Errorf("unblock:\n%s", r)
	}
	e.assertUnblocked()
	e.mustRun("online")
	if got := e.capacity(0, "alpha", 0); got != 80*mib {
		t.Errorf("capacity %d after the next run", got)
	}
}
