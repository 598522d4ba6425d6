package remote

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyCheck checks a server's host key against the known_hosts files
// and keeps the verdict, so that DialSSH can tell a refused host key from
// a refused login after the handshake failed.
type hostKeyCheck struct {
	files     []string // all configured, the first one is where new keys go
	present   []string // those that exist, read by cb
	acceptNew bool
	cb        ssh.HostKeyCallback
	log       *slog.Logger

	verified bool  // the key was found, or accepted as new
	err      error // why the key was refused
}

func newHostKeyCheck(cfg SSHConfig) (*hostKeyCheck, error) {
	h := &hostKeyCheck{files: cfg.KnownHostsFiles, acceptNew: cfg.AcceptNewHostKey, log: cfg.Logger}
	for _, f := range h.files {
		if _, err := os.Stat(f); err == nil {
			h.present = append(h.present, f)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("known hosts file: %w", err)
		}
	}
	cb, err := knownhosts.New(h.present...)
	if err != nil {
		return nil, fmt.Errorf("read known hosts: %w", err)
	}
	h.cb = cb
	return h, nil
}

// algorithms returns the host key algorithms to negotiate with the
// server at hostport: those of its known keys first.
func (h *hostKeyCheck) algorithms(hostport string, remote net.Addr) []string {
	var known []ssh.PublicKey
	var ke *knownhosts.KeyError
	if probe := probeKey(); probe != nil && errors.As(h.cb(hostport, remote, probe), &ke) {
		for _, k := range ke.Want {
			known = append(known, k.Key)
		}
	}
	return hostKeyAlgorithms(known)
}

// check is the ssh.HostKeyCallback.
func (h *hostKeyCheck) check(hostport string, remote net.Addr, key ssh.PublicKey) error {
	err := h.cb(hostport, remote, key)
	if err == nil {
		h.verified = true
		return nil
	}
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case errors.As(err, &re):
		h.err = revokedKeyError(hostport, key, re.Revoked)
	case errors.As(err, &ke) && len(ke.Want) > 0:
		h.err = changedKeyError(hostport, key, ke.Want)
	case errors.As(err, &ke) && h.acceptNew && len(h.files) > 0:
		if err := addKnownHost(h.files[0], hostport, key); err != nil {
			h.err = fmt.Errorf("add the host key of %s to %s: %w", hostport, h.files[0], err)
			break
		}
		h.log.Warn("trusting a new host key", "host", hostport, "key", keyString(key), "file", h.files[0])
		h.verified = true
		return nil
	case errors.As(err, &ke):
		h.err = unknownKeyError(hostport, key, h.files)
	default:
		h.err = fmt.Errorf("check the host key of %s: %w", hostport, err)
	}
	return h.err
}

func unknownKeyError(hostport string, key ssh.PublicKey, files []string) error {
	where := "no known_hosts file is configured"
	if len(files) > 0 {
		where = "it is not in " + strings.Join(files, " nor ")
	}
	return fmt.Errorf("%w for %s: the server offered %s and %s; "+
		"check that fingerprint with the host's admin, then run again with --accept-new-host-key to trust it",
		ErrUnknownHostKey, hostport, keyString(key), where)
}

func changedKeyError(hostport string, key ssh.PublicKey, want []knownhosts.KnownKey) error {
	var known []string
	for _, k := range want {
		known = append(known, fmt.Sprintf("%s at %s:%d", keyString(k.Key), k.Filename, k.Line))
	}
	return fmt.Errorf("%w for %s: the server offered %s, but the known key is %s; "+
		"this is a possible man-in-the-middle attack, so the connection is refused "+
		"(if the host was reinstalled, remove the old key with: ssh-keygen -f %s -R %s)",
		ErrHostKeyChanged, hostport, keyString(key), strings.Join(known, ", "),
		want[0].Filename, ShellQuote([]string{knownhosts.Normalize(hostport)}))
}

func revokedKeyError(hostport string, key ssh.PublicKey, k knownhosts.KnownKey) error {
	return fmt.Errorf("%w for %s: the server offered %s, which %s:%d marks as revoked; the connection is refused",
		ErrHostKeyChanged, hostport, keyString(key), k.Filename, k.Line)
}

// keyString names a key the way ssh-keygen -l does: type and SHA256
// fingerprint.
func keyString(k ssh.PublicKey) string {
	return k.Type() + " key " + ssh.FingerprintSHA256(k)
}

// addKnownHost appends a line for hostport's key to the known_hosts file,
// creating the file (0600) and its directory (0700) when missing.
func addKnownHost(file, hostport string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	line := knownhosts.Line([]string{hostport}, key) + "\n"
	// Don't glue our line to a last line that lacks its newline.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		}
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
