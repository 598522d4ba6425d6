// Package simlock serializes the test simulators' state changes (ietd,
// APC PDU, array CLIs): each simulator process reads its state, changes
// it and replaces the file, under an exclusive flock of a lock file of
// its own, since a lock on the replaced state file would exclude nobody.
package simlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Acquire takes an exclusive lock on path (created, with its directory,
// if missing) and returns its release. Each call opens the file anew, so
// two holders in one process exclude each other as two processes do.
func Acquire(path string) (release func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock simulator state: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock simulator state: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock simulator state %s: %w", path, err)
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}

// With runs fn holding the lock on path.
func With(path string, fn func() error) error {
	release, err := Acquire(path)
	if err != nil {
		return err
	}
	defer release()
	return fn()
}
