package secretfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(owners ...int) error {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return Check(fi, path, owners...)
	}
	if err := check(); err != nil {
		t.Errorf("0600, ours: %v", err)
	}
	os.Chmod(path, 0o640)
	if err := check(); err == nil || !strings.Contains(err.Error(), "mode 0640") || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("0640: %v", err)
	}
	os.Chmod(path, 0o400)
	if os.Geteuid() == 0 {
		os.Chown(path, 4321, 4321)
		if err := check(); err == nil || !strings.Contains(err.Error(), "owned by uid 4321, not root;") {
			t.Errorf("foreign owner, root only: %v", err)
		}
		if err := check(1000); err == nil || !strings.Contains(err.Error(), "not root or uid 1000;") {
			t.Errorf("foreign owner: %v", err)
		}
		if err := check(4321); err != nil {
			t.Errorf("an allowed owner: %v", err)
		}
	}
	fi, _ := os.Stat(dir)
	if err := Check(fi, dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
}
