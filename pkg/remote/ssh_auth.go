package remote

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyring is the keys one DialSSH offers, in order, with a description of
// each for the error that says they were all refused.
type keyring struct {
	keys  []ssh.Signer
	descs []string
	agent net.Conn // open while the agent's keys may be used
}

func (k *keyring) signers() ([]ssh.Signer, error) { return k.keys, nil }

func (k *keyring) describe() string {
	if len(k.descs) == 0 {
		return "no keys"
	}
	return "publickey with " + strings.Join(k.descs, ", ")
}

func (k *keyring) close() {
	if k.agent != nil {
		k.agent.Close()
	}
}

// loadKeys reads cfg's identity files and, with UseAgent, lists the
// agent's keys. An identity file that others may read is refused; an
// encrypted one is skipped with a warning, since there is nothing to ask
// for its passphrase (load it into an agent instead).
func loadKeys(cfg SSHConfig) (*keyring, error) {
	k := &keyring{}
	var skipped []string
	for _, path := range cfg.IdentityFiles {
		signer, err := readIdentity(path)
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			cfg.Logger.Warn("skipping encrypted identity file: no passphrase source; load it into ssh-agent and use the agent", "file", path)
			skipped = append(skipped, path+" (encrypted)")
			continue
		}
		if err != nil {
			return nil, err
		}
		k.keys = append(k.keys, signer)
		k.descs = append(k.descs, fmt.Sprintf("%s (%s)", path, keyString(signer.PublicKey())))
	}
	if cfg.UseAgent {
		if err := k.addAgent(cfg); err != nil {
			cfg.Logger.Warn("not using ssh-agent", "err", err)
			skipped = append(skipped, "ssh-agent ("+err.Error()+")")
		}
	}
	if len(k.keys) == 0 {
		k.close()
		msg := "no identity file"
		if !cfg.UseAgent {
			msg += " and no agent (not enabled)"
		}
		if len(skipped) > 0 {
			msg = "nothing usable: " + strings.Join(skipped, ", ")
		}
		return nil, fmt.Errorf("log in to %s as %s: no ssh key to offer: %s", cfg.Host, cfg.User, msg)
	}
	return k, nil
}

// readIdentity parses a private key file after checking that only its
// owner can read it, as OpenSSH does: a key others can read is no secret.
func readIdentity(path string) (ssh.Signer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("identity file: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("identity file %s has mode %04o: a private key must be readable by its owner only (chmod 600 %s)",
			path, perm, path)
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("identity file: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return nil, err
		}
		return nil, fmt.Errorf("identity file %s: %w", path, err)
	}
	return signer, nil
}

// addAgent adds the keys of the agent at $SSH_AUTH_SOCK.
func (k *keyring) addAgent(cfg SSHConfig) error {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return errors.New("SSH_AUTH_SOCK is not set")
	}
	conn, err := net.DialTimeout("unix", sock, cfg.ConnectTimeout)
	if err != nil {
		return fmt.Errorf("connect to agent: %w", err)
	}
	ag := agent.NewClient(conn)
	listed, err := ag.List()
	if err != nil {
		conn.Close()
		return fmt.Errorf("list agent keys: %w", err)
	}
	signers, err := ag.Signers()
	if err != nil {
		conn.Close()
		return fmt.Errorf("agent keys: %w", err)
	}
	if len(signers) == 0 {
		conn.Close()
		return errors.New("the agent holds no keys")
	}
	for _, s := range signers {
		desc := "agent key " + keyString(s.PublicKey())
		for _, l := range listed {
			if l.Comment != "" && bytes.Equal(l.Marshal(), s.PublicKey().Marshal()) {
				desc = fmt.Sprintf("agent key %s (%s)", l.Comment, keyString(s.PublicKey()))
			}
		}
		k.keys = append(k.keys, s)
		k.descs = append(k.descs, desc)
	}
	k.agent = conn
	return nil
}
