package fence

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
)

// KeysFromUserAuth reads the file sshd names in SSH_USER_AUTH when
// ExposeAuthInfo is on ("publickey ssh-ed25519 AAAA..." per method that
// succeeded) and returns the SHA256 fingerprints of its public keys.
func KeysFromUserAuth(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("SSH_USER_AUTH: %w", err)
	}
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "publickey ")
		if !ok {
			continue
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(rest))
		if err != nil {
			return nil, fmt.Errorf("SSH_USER_AUTH %s: %w", path, err)
		}
		keys = append(keys, ssh.FingerprintSHA256(pub))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("SSH_USER_AUTH %s: %w", path, err)
	}
	return keys, nil
}
