package snapdrivers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ietkit/ietkit/internal/secretfile"
	"github.com/ietkit/ietkit/pkg/remote"
)

// PathRunner looks vendor commands up in Dirs first (snapsync --path:
// where the vendor's CLI lives, /usr/symcli/bin, /opt/ibm/dscli, ...),
// then in PATH, and runs them with Runner.
type PathRunner struct {
	Dirs   []string
	Runner remote.Runner
}

// Run implements remote.Runner.
func (p PathRunner) Run(ctx context.Context, c remote.Cmd) (remote.Result, error) {
	if len(c.Argv) > 0 && !strings.Contains(c.Argv[0], "/") {
		for _, d := range p.Dirs {
			path := filepath.Join(d, c.Argv[0])
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				c.Argv = append([]string{path}, c.Argv[1:]...)
				break
			}
		}
	}
	return p.Runner.Run(ctx, c)
}

// CheckCredentialFile refuses a file holding credentials (IBM's auth.conf,
// a dscli password file) unless it is a regular file owned by root with
// no permissions for group and others.
func CheckCredentialFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("credentials file: %w", err)
	}
	if err := secretfile.Check(fi, path); err != nil {
		return fmt.Errorf("credentials file %w", err)
	}
	return nil
}
