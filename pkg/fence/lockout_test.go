package fence

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockout(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	l := &Lockout{Dir: filepath.Join(t.TempDir(), "state"), MaxFailures: 3, CoolDown: 5 * time.Minute, Now: func() time.Time { return now }}
	for i := 0; i < 2; i++ {
		if err := l.Failure("caller:node2"); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Check("caller:node2"); err != nil {
		t.Fatalf("after 2 failures: %v", err)
	}
	now = now.Add(time.Minute)
	if err := l.Failure("caller:node2"); err != nil {
		t.Fatal(err)
	}
	err := l.Check("caller:node2")
	var le *LockedOutError
	if !errors.As(err, &le) || !errors.Is(err, ErrLockedOut) || !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("after 3 failures: %v, want locked out", err)
	}
	if want := now.Add(5 * time.Minute); !le.Until.Equal(want) || le.Failures != 3 {
		t.Errorf("locked until %s after %d failures, want %s after 3", le.Until, le.Failures, want)
	}
	if err := l.Check("caller:node1"); err != nil {
		t.Errorf("another caller is locked out too: %v", err)
	}
	now = now.Add(5*time.Minute + time.Second)
	if err := l.Check("caller:node2"); err != nil {
		t.Errorf("after the cool-down: %v", err)
	}
	// Failures spread further apart than the cool-down never add up.
	if err := l.Failure("caller:node2"); err != nil {
		t.Fatal(err)
	}
	if err := l.Check("caller:node2"); err != nil {
		t.Errorf("one failure after the cool-down: %v", err)
	}
	// A success forgets the failures.
	l.Failure("caller:node2")
	l.Success("caller:node2")
	l.Failure("caller:node2")
	if err := l.Check("caller:node2"); err != nil {
		t.Errorf("after a success and one failure: %v", err)
	}
	fi, err := os.Stat(l.Dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir: %v, mode %v; want 0700", err, fi.Mode())
	}
}

func TestLockoutRefusesAWritableDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	l := &Lockout{Dir: dir, MaxFailures: 1, CoolDown: time.Minute}
	if err := l.Failure("k"); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Fatalf("err = %v", err)
	}
}
