package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/testenv"
)

// remoteEnv is a real sshd on 127.0.0.1 and the flags that reach it.
type remoteEnv struct {
	d       *testenv.Sshd
	agent   string // the lvmcopy binary, as the remote host's lvmcopy
	sshArgs []string
}

func newRemoteEnv(t *testing.T) *remoteEnv {
	t.Helper()
	testenv.RequireTool(t, "sshd", "dd", "stat")
	d := testenv.StartSshd(t)
	bin := filepath.Join(t.TempDir(), "lvmcopy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return &remoteEnv{d: d, agent: bin,
		sshArgs: []string{"--identity", d.ClientKey, "--known-hosts", d.KnownHosts}}
}

// spec names path on the sshd's host.
func (e *remoteEnv) spec(kind, path string) string {
	return kind + ":" + e.d.User + "@[" + e.d.Addr.Addr().String() + "]:" + strconv.Itoa(int(e.d.Addr.Port())) + ":" + path
}

func (e *remoteEnv) copy(t *testing.T, withAgent bool, args ...string) result {
	t.Helper()
	remote := e.agent
	if !withAgent {
		remote = "/nonexistent/lvmcopy"
	}
	return lvmcopy(t, "lvmcopy", append(append(args, e.sshArgs...), "--remote-lvmcopy", remote)...)
}

func TestRemoteCopies(t *testing.T) {
	e := newRemoteEnv(t)
	dir := t.TempDir()
	src, sum := randomFile(t, dir, "src", 9<<20+123)
	for _, withAgent := range []bool{true, false} {
		name := "agent"
		if !withAgent {
			name = "dd"
		}
		t.Run(name, func(t *testing.T) {
			// To the remote host, plain and compressed, verified.
			up := filepath.Join(dir, name+"-up")
			r := e.copy(t, withAgent, "copy", "-s", "file:"+src, "-t", e.spec("file", up), "--verify")
			if r.code != 0 || !strings.Contains(r.stdout, "Verified: md5 "+sum) || md5sum(t, up) != sum {
				t.Fatalf("%s", r)
			}
			if !strings.Contains(r.stdout, "through "+map[bool]string{true: "lvmcopy's agent", false: "dd"}[withAgent]) {
				t.Errorf("transport not said:\n%s", r)
			}
			if !withAgent && !strings.Contains(r.stdout, "verification read the target back over ssh") {
				t.Errorf("the second read is not said:\n%s", r)
			}
			gz := filepath.Join(dir, name+"-up.gz")
			r = e.copy(t, withAgent, "copy", "-s", "file:"+src, "-t", e.spec("file", gz), "-z", "--verify", "--hash", "xxh3")
			if r.code != 0 || gunzipSum(t, gz) != sum {
				t.Fatalf("compressed: %s", r)
			}
			// From the remote host.
			down := filepath.Join(dir, name+"-down")
			r = e.copy(t, withAgent, "copy", "-s", e.spec("file", up), "-t", "file:"+down, "--verify", "--hash", "blake3")
			if r.code != 0 || md5sum(t, down) != sum {
				t.Fatalf("from remote: %s", r)
			}
		})
	}
}

func TestRemoteRefusals(t *testing.T) {
	e := newRemoteEnv(t)
	dir := t.TempDir()
	src, _ := randomFile(t, dir, "src", 1<<20)
	dst := filepath.Join(dir, "dst")

	// An unknown host key is refused, and --accept-new-host-key trusts it.
	empty := filepath.Join(dir, "known_hosts")
	os.WriteFile(empty, nil, 0o600)
	base := []string{"copy", "-s", "file:" + src, "-t", e.spec("file", dst), "--identity", e.d.ClientKey, "--known-hosts", empty, "--remote-lvmcopy", e.agent}
	r := lvmcopy(t, "lvmcopy", base...)
	if r.code != 1 || !strings.Contains(r.stderr, "--accept-new-host-key") {
		t.Errorf("unknown host key: %s", r)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Fatal("copied to an unknown host")
	}
	r = lvmcopy(t, "lvmcopy", append(base, "--accept-new-host-key")...)
	if r.code != 0 {
		t.Fatalf("with --accept-new-host-key: %s", r)
	}
	if kh, _ := os.ReadFile(empty); len(kh) == 0 {
		t.Error("the new host key was not recorded")
	}

	// A key the server does not know: refused login.
	other := filepath.Join(dir, "other_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	r = lvmcopy(t, "lvmcopy", "copy", "-s", "file:"+src, "-t", e.spec("file", dst+"2"), "--identity", other, "--known-hosts", e.d.KnownHosts)
	if r.code != 1 || !strings.Contains(strings.ToLower(r.stderr), "auth") {
		t.Errorf("refused login: %s", r)
	}
	// A missing remote source, with the agent and without.
	for _, agent := range []bool{true, false} {
		r = e.copy(t, agent, "copy", "-s", e.spec("file", filepath.Join(dir, "missing")), "-t", "file:"+dst+"3")
		if r.code != 1 || !strings.Contains(r.stderr, "missing") {
			t.Errorf("missing remote source (agent %v): %s", agent, r)
		}
	}
}

// TestRemoteConnectionKilled: the ssh connection dies mid-copy: the copy
// fails, says the target is incomplete, and exits non-zero.
func TestRemoteConnectionKilled(t *testing.T) {
	e := newRemoteEnv(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "big")
	f, _ := os.Create(src)
	f.Truncate(4 << 30) // reads fast: zeros
	f.Close()
	dst := filepath.Join(dir, "dst")
	done := make(chan result, 1)
	go func() {
		done <- e.copy(t, true, "copy", "-s", "file:"+src, "-t", e.spec("file", dst))
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st, err := os.Stat(dst); err == nil && st.Size() > 32<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the copy never got going")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.d.Kill()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.stderr, "incomplete") {
			t.Errorf("%s", r)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the copy did not notice the dead connection")
	}
}
