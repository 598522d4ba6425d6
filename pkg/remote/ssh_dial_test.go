package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/internal/testenv"
)

// Tests of DialSSH's refusals: each names the problem for an admin.

func TestSSHUnknownHostKey(t *testing.T) {
	d := testenv.StartSshd(t)
	cfg := sshConfigFor(t, d)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "ssh", "known_hosts")}
	fp := fingerprint(t, d.HostKeyLine)

	_, err := DialSSH(context.Background(), cfg)
	if !errors.Is(err, ErrUnknownHostKey) {
		t.Fatalf("DialSSH = %v, want ErrUnknownHostKey", err)
	}
	for _, want := range []string{d.Addr.String(), fp, "--accept-new-host-key", cfg.KnownHostsFiles[0]} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if _, err := os.Stat(cfg.KnownHostsFiles[0]); err == nil {
		t.Error("a refused host key was written to known_hosts")
	}

	cfg.AcceptNewHostKey = true
	dialSSH(t, cfg)
	added, err := os.ReadFile(cfg.KnownHostsFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d.HostKeyLine+"\n", string(added)); diff != "" {
		t.Errorf("known_hosts after accepting (-want +got):\n%s", diff)
	}
	if st, err := os.Stat(cfg.KnownHostsFiles[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode: %v %v, want 0600", st.Mode(), err)
	}

	cfg.AcceptNewHostKey = false
	dialSSH(t, cfg) // now known
}

func TestSSHChangedHostKey(t *testing.T) {
	d := testenv.StartSshd(t)
	cfg := sshConfigFor(t, d)
	other := newKeyFile(t, 0o600)
	pub, err := os.ReadFile(other + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	// Same address, another key; a line for another host comes first.
	hostPart, _, _ := strings.Cut(d.HostKeyLine, " ")
	known := "otherhost " + strings.TrimSpace(string(pub)) + "\n" + hostPart + " " + strings.TrimSpace(string(pub)) + "\n"
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	if err := os.WriteFile(cfg.KnownHostsFiles[0], []byte(known), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, accept := range []bool{false, true} {
		cfg.AcceptNewHostKey = accept
		_, err := DialSSH(context.Background(), cfg)
		if !errors.Is(err, ErrHostKeyChanged) {
			t.Fatalf("AcceptNewHostKey=%v: DialSSH = %v, want ErrHostKeyChanged", accept, err)
		}
		for _, want := range []string{"man-in-the-middle", fingerprint(t, d.HostKeyLine), cfg.KnownHostsFiles[0] + ":2", "ssh-keygen -f"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
	}
	after, _ := os.ReadFile(cfg.KnownHostsFiles[0])
	if string(after) != known {
		t.Errorf("known_hosts changed on a refused key:\n%s", after)
	}
}

func TestSSHAuthRefused(t *testing.T) {
	d := testenv.StartSshd(t)
	cfg := sshConfigFor(t, d)
	cfg.IdentityFiles = []string{newKeyFile(t, 0o600)}
	_, err := DialSSH(context.Background(), cfg)
	if !errors.Is(err, ErrAuthRefused) {
		t.Fatalf("DialSSH = %v, want ErrAuthRefused", err)
	}
	for _, want := range []string{d.Addr.Addr().String(), "as root", "publickey", cfg.IdentityFiles[0], "SHA256:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// TestSSHIdentityFileMode needs no server: the key is refused before
// anything is dialled (the port is closed, which would fail otherwise).
func TestSSHIdentityFileMode(t *testing.T) {
	key := newKeyFile(t, 0o644)
	_, err := DialSSH(context.Background(), SSHConfig{
		Host: "127.0.0.1", Port: closedPort(t), User: "root",
		IdentityFiles: []string{key}, KnownHostsFiles: []string{filepath.Join(t.TempDir(), "kh")},
	})
	if err == nil {
		t.Fatal("a 0644 identity file was accepted")
	}
	for _, want := range []string{key, "mode 0644", "chmod 600"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dialled before checking the key: %v", err)
	}
}

func TestSSHEncryptedIdentitySkipped(t *testing.T) {
	enc := newKeyFile(t, 0o600, "passphrase")
	port := closedPort(t)
	cfg := SSHConfig{
		Host: "127.0.0.1", Port: port, User: "root",
		IdentityFiles: []string{enc}, KnownHostsFiles: []string{filepath.Join(t.TempDir(), "kh")},
	}
	_, err := DialSSH(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "no ssh key to offer") || !strings.Contains(err.Error(), enc+" (encrypted)") {
		t.Errorf("only an encrypted key: DialSSH = %v, want no key to offer", err)
	}
	// With a usable key after it, the encrypted one is passed over and
	// the dial goes on (to the closed port).
	cfg.IdentityFiles = append(cfg.IdentityFiles, newKeyFile(t, 0o600))
	_, err = DialSSH(context.Background(), cfg)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("encrypted key then a plain one: DialSSH = %v, want connection refused", err)
	}
}

func TestSSHConnectionRefused(t *testing.T) {
	port := closedPort(t)
	_, err := DialSSH(context.Background(), SSHConfig{
		Host: "127.0.0.1", Port: port, User: "root",
		IdentityFiles: []string{newKeyFile(t, 0o600)}, KnownHostsFiles: []string{filepath.Join(t.TempDir(), "kh")},
	})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("DialSSH = %v, want connection refused", err)
	}
	if want := fmt.Sprintf("connect to 127.0.0.1 port %d", port); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestSSHDialCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := DialSSH(ctx, SSHConfig{
		Host: "127.0.0.1", Port: closedPort(t), User: "root",
		IdentityFiles: []string{newKeyFile(t, 0o600)}, KnownHostsFiles: []string{filepath.Join(t.TempDir(), "kh")},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("DialSSH = %v, want context.Canceled", err)
	}
}

// TestSSHHandshakeTimeout talks to a port that accepts and says nothing.
func TestSSHHandshakeTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = DialSSH(context.Background(), SSHConfig{
		Host: "127.0.0.1", Port: port, User: "root", ConnectTimeout: 300 * time.Millisecond,
		IdentityFiles: []string{newKeyFile(t, 0o600)}, KnownHostsFiles: []string{filepath.Join(t.TempDir(), "kh")},
	})
	if want := fmt.Sprintf("ssh handshake with 127.0.0.1 port %d: no answer within 300ms", port); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("DialSSH = %v, want %q", err, want)
	}
}
