package remote

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// systemKnownHosts is OpenSSH's GlobalKnownHostsFile.
const systemKnownHosts = "/etc/ssh/ssh_known_hosts"

// withDefaults returns cfg with its zero fields filled in for the current
// user, or an error naming what is wrong with it.
func (c SSHConfig) withDefaults() (SSHConfig, error) {
	u, err := user.Current()
	name, home := os.Getenv("USER"), os.Getenv("HOME")
	if err == nil {
		name, home = u.Username, u.HomeDir
	}
	return c.defaults(name, home, fileExists)
}

// defaults is withDefaults for the given user name and home directory,
// with exists telling which files are there.
func (c SSHConfig) defaults(userName, home string, exists func(string) bool) (SSHConfig, error) {
	if c.Host == "" {
		return c, errors.New("ssh: no host given")
	}
	if strings.ContainsAny(c.Host, " \t\n/") || strings.HasPrefix(c.Host, "-") {
		return c, fmt.Errorf("ssh: bad host name %q", c.Host)
	}
	if c.Port == 0 {
		c.Port = defaultSSHPort
	}
	if c.Port < 0 || c.Port > 65535 {
		return c, fmt.Errorf("ssh: bad port %d for %s", c.Port, c.Host)
	}
	if c.User == "" {
		c.User = userName
	}
	if c.User == "" {
		return c, fmt.Errorf("ssh: no user name for %s and the current user is unknown", c.Host)
	}
	sshDir := ""
	if home != "" {
		sshDir = filepath.Join(home, ".ssh")
	}
	if c.IdentityFiles == nil && sshDir != "" {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			if p := filepath.Join(sshDir, n); exists(p) {
				c.IdentityFiles = append(c.IdentityFiles, p)
			}
		}
	}
	if c.KnownHostsFiles == nil {
		if sshDir != "" {
			c.KnownHostsFiles = append(c.KnownHostsFiles, filepath.Join(sshDir, "known_hosts"))
		}
		if exists(systemKnownHosts) {
			c.KnownHostsFiles = append(c.KnownHostsFiles, systemKnownHosts)
		}
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = defaultConnectTimeout
	}
	if c.KeepAliveInterval == 0 {
		c.KeepAliveInterval = defaultKeepAlive
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
