package remote

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestSSHConfigDefaults(t *testing.T) {
	home := "/home/op"
	exists := func(files ...string) func(string) bool {
		return func(p string) bool {
			for _, f := range files {
				if p == f {
					return true
				}
			}
			return false
		}
	}
	type fields struct {
		Port            int
		User            string
		IdentityFiles   []string
		KnownHostsFiles []string
		ConnectTimeout  time.Duration
		KeepAlive       time.Duration
	}
	tests := []struct {
		name    string
		cfg     SSHConfig
		exists  func(string) bool
		want    fields
		wantErr string
	}{
		{
			name:   "all defaults, no keys",
			cfg:    SSHConfig{Host: "backup01"},
			exists: exists(),
			want: fields{Port: 22, User: "op", KnownHostsFiles: []string{"/home/op/.ssh/known_hosts"},
				ConnectTimeout: 10 * time.Second, KeepAlive: 15 * time.Second},
		},
		{
			name:   "default keys in order, system known_hosts",
			cfg:    SSHConfig{Host: "backup01"},
			exists: exists("/home/op/.ssh/id_rsa", "/home/op/.ssh/id_ed25519", systemKnownHosts),
			want: fields{Port: 22, User: "op",
				IdentityFiles:   []string{"/home/op/.ssh/id_ed25519", "/home/op/.ssh/id_rsa"},
				KnownHostsFiles: []string{"/home/op/.ssh/known_hosts", systemKnownHosts},
				ConnectTimeout:  10 * time.Second, KeepAlive: 15 * time.Second},
		},
		{
			name: "explicit values kept",
			cfg: SSHConfig{Host: "10.0.0.2", Port: 2222, User: "backup", IdentityFiles: []string{"/k"},
				KnownHostsFiles: []string{"/kh"}, ConnectTimeout: time.Second, KeepAliveInterval: -1},
			exists: exists("/home/op/.ssh/id_rsa", systemKnownHosts),
			want: fields{Port: 2222, User: "backup", IdentityFiles: []string{"/k"}, KnownHostsFiles: []string{"/kh"},
				ConnectTimeout: time.Second, KeepAlive: -1},
		},
		{name: "no host", cfg: SSHConfig{}, exists: exists(), wantErr: "no host given"},
		{name: "option as host", cfg: SSHConfig{Host: "-oProxyCommand=x"}, exists: exists(), wantErr: "bad host name"},
		{name: "bad port", cfg: SSHConfig{Host: "h", Port: 70000}, exists: exists(), wantErr: "bad port 70000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.defaults("op", home, tt.exists)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotF := fields{got.Port, got.User, got.IdentityFiles, got.KnownHostsFiles, got.ConnectTimeout, got.KeepAliveInterval}
			if diff := cmp.Diff(tt.want, gotF); diff != "" {
				t.Errorf("defaults (-want +got):\n%s", diff)
			}
			if got.Logger == nil {
				t.Error("no default logger")
			}
		})
	}
	if _, err := (SSHConfig{Host: "h"}).defaults("", "", func(string) bool { return false }); err == nil ||
		!strings.Contains(err.Error(), "no user name") {
		t.Errorf("no user: err = %v", err)
	}
}

func TestHostKeyAlgorithms(t *testing.T) {
	ed := mustPublicKey(t, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
	got := hostKeyAlgorithms([]ssh.PublicKey{ed})
	if got[0] != ssh.KeyAlgoED25519 {
		t.Errorf("known ed25519 key: first algorithm %q, want %q", got[0], ssh.KeyAlgoED25519)
	}
	all := hostKeyAlgorithms(nil)
	if diff := cmp.Diff(ssh.SupportedAlgorithms().HostKeys, all); diff != "" {
		t.Errorf("no known key: want the supported list (-want +got):\n%s", diff)
	}
	if len(got) != len(all) {
		t.Errorf("known key: %d algorithms, want all %d, reordered", len(got), len(all))
	}
}

func TestHostKeyErrorTexts(t *testing.T) {
	offered := mustPublicKey(t, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
	old := mustPublicKey(t, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrMxYgmJqwKPgk2J8ZMptOBbS9TRtVdEg0N0yMzVn2W")
	tests := []struct {
		name string
		err  error
		is   error
		want []string
	}{
		{
			name: "unknown",
			err:  unknownKeyError("backup01:22", offered, []string{"/root/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"}),
			is:   ErrUnknownHostKey,
			want: []string{"unknown host key for backup01:22", "ssh-ed25519 key " + ssh.FingerprintSHA256(offered),
				"not in /root/.ssh/known_hosts nor /etc/ssh/ssh_known_hosts", "--accept-new-host-key"},
		},
		{
			name: "unknown, no file",
			err:  unknownKeyError("backup01:22", offered, nil),
			is:   ErrUnknownHostKey,
			want: []string{"no known_hosts file is configured"},
		},
		{
			name: "changed",
			err: changedKeyError("backup01:2222", offered,
				[]knownhosts.KnownKey{{Key: old, Filename: "/root/.ssh/known_hosts", Line: 7}}),
			is: ErrHostKeyChanged,
			want: []string{"host key changed for backup01:2222", ssh.FingerprintSHA256(offered),
				ssh.FingerprintSHA256(old) + " at /root/.ssh/known_hosts:7", "possible man-in-the-middle",
				"ssh-keygen -f /root/.ssh/known_hosts -R '[backup01]:2222'"},
		},
		{
			name: "revoked",
			err:  revokedKeyError("backup01:22", offered, knownhosts.KnownKey{Key: offered, Filename: "/kh", Line: 1}),
			is:   ErrHostKeyChanged,
			want: []string{"/kh:1 marks as revoked", "refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.is) {
				t.Errorf("%v is not %v", tt.err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(tt.err.Error(), w) {
					t.Errorf("error %q lacks %q", tt.err, w)
				}
			}
		})
	}
}

func TestRemoteErrorTexts(t *testing.T) {
	s := &SSH{name: "backup01"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"cmd", s.cmdErr([]string{"lvs"}, io.ErrUnexpectedEOF), "on backup01: lvs: unexpected EOF"},
		{"lost during", &ConnLostError{Host: "backup01", Argv: []string{"lvmcopy", "agent"}, Err: errors.New("the server closed the connection")},
			"connection to backup01 lost during lvmcopy agent: the server closed the connection"},
		{"lost", &ConnLostError{Host: "backup01:2222", Err: io.EOF}, "connection to backup01:2222 lost: EOF"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if !IsConnLost(s.cmdErr(nil, &ConnLostError{Host: "h", Err: io.EOF})) {
		t.Error("IsConnLost misses a wrapped ConnLostError")
	}
}

func TestReadIdentity(t *testing.T) {
	for _, tt := range []struct {
		mode    os.FileMode
		wantErr string
	}{
		{0o600, ""},
		{0o400, ""},
		{0o640, "mode 0640"},
		{0o644, "mode 0644"},
		{0o604, "mode 0604"},
	} {
		key := newKeyFile(t, tt.mode)
		_, err := readIdentity(key)
		if tt.wantErr == "" && err != nil {
			t.Errorf("mode %04o: %v", tt.mode, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "chmod 600 "+key)) {
			t.Errorf("mode %04o: err = %v, want %q and the chmod to fix it", tt.mode, err, tt.wantErr)
		}
	}
	notKey := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(notKey, []byte("not a key"), 0o600)
	if _, err := readIdentity(notKey); err == nil || !strings.Contains(err.Error(), notKey) {
		t.Errorf("junk key: err = %v", err)
	}
}

func TestAddKnownHost(t *testing.T) {
	key := mustPublicKey(t, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
	line := "[10.0.0.2]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
	for _, tt := range []struct{ name, before, want string }{
		{"new file", "", line},
		{"after a full line", "a ssh-ed25519 X\n", "a ssh-ed25519 X\n" + line},
		{"after a line without newline", "a ssh-ed25519 X", "a ssh-ed25519 X\n" + line},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "sub", "known_hosts")
			if tt.before != "" {
				os.MkdirAll(filepath.Dir(file), 0o700)
				os.WriteFile(file, []byte(tt.before), 0o600)
			}
			if err := addKnownHost(file, "10.0.0.2:2222", key); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(file)
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("known_hosts (-want +got):\n%s", diff)
			}
		})
	}
}
