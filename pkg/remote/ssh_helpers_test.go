package remote

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// newKeyFile writes a new ed25519 private key in OpenSSH format, with
// the given mode and, if given, passphrase, and its public key beside it
// (.pub). It returns the private key's path.
func newKeyFile(t testing.TB, mode os.FileMode, passphrase ...string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if len(passphrase) > 0 {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase[0]))
	} else {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(pub), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fingerprint is the SHA256 fingerprint of the key in a known_hosts line.
func fingerprint(t testing.TB, knownHostsLine string) string {
	t.Helper()
	_, _, key, _, _, err := ssh.ParseKnownHosts([]byte(knownHostsLine))
	if err != nil {
		t.Fatalf("parse %q: %v", knownHostsLine, err)
	}
	return ssh.FingerprintSHA256(key)
}

// closedPort returns a port of 127.0.0.1 where nothing listens.
func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// mustPublicKey parses one authorized_keys line.
func mustPublicKey(t testing.TB, line string) ssh.PublicKey {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
