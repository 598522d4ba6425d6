package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// DisallowSkipEnv is the environment variable that, set to "1", turns
// every skip of this package into a test failure. CI sets it.
const DisallowSkipEnv = "IETKIT_TEST_DISALLOW_SKIP"

// Skip skips t with the formatted reason, or fails it when skips are
// disallowed (see DisallowSkipEnv).
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if os.Getenv(DisallowSkipEnv) == "1" {
		t.Fatalf("%s (skips are disallowed by %s=1)", reason, DisallowSkipEnv)
		return
	}
	t.Skip(reason)
}

// RequireRoot skips t unless it runs with effective uid 0.
func RequireRoot(t testing.TB) {
	t.Helper()
	if euid := os.Geteuid(); euid != 0 {
		Skip(t, "test requires root (euid is %d)", euid)
	}
}

// RequireTool skips t unless every named program is found in PATH.
func RequireTool(t testing.TB, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		Skip(t, "test requires %s in PATH", strings.Join(missing, ", "))
	}
}
