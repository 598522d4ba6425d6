package testenv

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sshCmd is OpenSSH's client logging in to d with key, trusting only
// d.KnownHosts: the oracle that the server is usable, independent of
// pkg/remote.
func sshCmd(d *Sshd, key string, remote ...string) *exec.Cmd {
	args := []string{
		"-F", "/dev/null",
		"-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile=" + d.KnownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes",
		"-o", "ConnectTimeout=10",
		"-i", key,
		"-p", strconv.Itoa(int(d.Addr.Port())),
		"-l", d.User,
		d.Addr.Addr().String(),
	}
	return exec.Command("ssh", append(args, remote...)...)
}

func TestSshdLogin(t *testing.T) {
	d := StartSshd(t)
	RequireTool(t, "ssh")
	if !d.Addr.Addr().IsLoopback() || d.Addr.Port() == 0 {
		t.Errorf("Addr = %s, want 127.0.0.1 and a port", d.Addr)
	}
	if !strings.HasPrefix(d.Dir, os.TempDir()) {
		t.Errorf("Dir = %s, want under %s", d.Dir, os.TempDir())
	}
	st, err := os.Stat(d.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("ClientKey mode %04o, want 0600", perm)
	}
	kh, err := os.ReadFile(d.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[127.0.0.1]:" + strconv.Itoa(int(d.Addr.Port())) + " ssh-ed25519 "; !strings.HasPrefix(d.HostKeyLine, want) {
		t.Errorf("HostKeyLine = %q, want prefix %q", d.HostKeyLine, want)
	}
	if !strings.Contains(string(kh), d.HostKeyLine) {
		t.Errorf("known_hosts %q lacks HostKeyLine %q", kh, d.HostKeyLine)
	}
	out, err := sshCmd(d, d.ClientKey, "id", "-un").CombinedOutput()
	if err != nil {
		t.Fatalf("ssh: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != d.User {
		t.Errorf("logged in as %q, want %q", got, d.User)
	}
}

func TestSshdAddAuthorizedKey(t *testing.T) {
	d := StartSshd(t)
	RequireTool(t, "ssh")
	key := filepath.Join(t.TempDir(), "other_ed25519")
	sshKeygen(t, key, "other")
	if out, err := sshCmd(d, key, "true").CombinedOutput(); err == nil {
		t.Fatalf("a key not in authorized_keys logged in: %s", out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	d.AddAuthorizedKey(t, string(pub))
	if out, err := sshCmd(d, key, "true").CombinedOutput(); err != nil {
		t.Fatalf("added key refused: %v: %s", err, out)
	}
}

// TestSshdKill checks that Kill drops a live connection, takes the
// remote command down with the server, and closes the port.
func TestSshdKill(t *testing.T) {
	d := StartSshd(t)
	RequireTool(t, "ssh")
	cmd := sshCmd(d, d.ClientKey, "echo $$; exec sleep 60")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read remote pid: %v", err)
	}
	pid := strings.TrimSpace(line)
	if _, err := strconv.Atoi(pid); err != nil {
		t.Fatalf("remote pid %q: %v", pid, err)
	}

	d.Kill()
	d.Kill() // a second call is harmless

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err == nil {
			t.Error("ssh exited 0 after the server was killed")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ssh still connected 30 s after Kill")
	}
	if stat, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil {
		// A zombie waiting for init to reap it is dead enough.
		if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(f) > 0 && f[0] != "Z" {
			t.Errorf("remote command %s still alive after Kill: %s", pid, stat)
		}
	}
	if out, err := sshCmd(d, d.ClientKey, "true").CombinedOutput(); err == nil {
		t.Errorf("login works after Kill: %s", out)
	}
}
