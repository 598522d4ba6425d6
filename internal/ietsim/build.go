package ietsim

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildFakeIetadm builds the fake-ietadm command into a test's temporary
// directory and returns its path. The go tool caches the build, so each
// call after the first costs little.
func BuildFakeIetadm(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ietadm")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/ietkit/ietkit/internal/ietsim/cmd/fake-ietadm").CombinedOutput()
	if err != nil {
		t.Fatalf("build fake-ietadm: %v\n%s", err, out)
	}
	return bin
}
