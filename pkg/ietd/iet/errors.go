package iet

import (
	"errors"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
)

// exitCodes maps ietadm's exit status to ietd's sentinels. ietadm returns
// the negative errno from main, so the shell sees 256-errno (IET 1.4.20.3
// usr/ietadm.c; shared/facts/iet-cluster.md §1.4 "Exit status").
var exitCodes = map[int]error{
	256 - 2:   ietd.ErrNotFound,   // ENOENT
	256 - 17:  ietd.ErrExists,     // EEXIST
	256 - 16:  ietd.ErrBusy,       // EBUSY
	256 - 111: ietd.ErrNotRunning, // ECONNREFUSED: ietd is not running
	256 - 22:  ietd.ErrInvalid,    // EINVAL
	256 - 15:  ietd.ErrInvalid,    // ENOTBLK: blockio on something not a block device
}

// stderrPatterns refine the exit code where ietadm's message says more.
var stderrPatterns = []struct {
	text string
	err  error
}{
	{"Unsupported.", ietd.ErrUnsupported},
}

// Error is a failed ietadm command with the sentinel its answer means.
type Error struct {
	Kind error // an ietd sentinel, or nil
	Err  error // the *remote.ExitError
}

func (e *Error) Error() string {
	if e.Kind == nil {
		return e.Err.Error()
	}
	return e.Err.Error() + " (" + e.Kind.Error() + ")"
}

func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// classify wraps a failed ietadm run with its sentinel.
func classify(err error) error {
	var ee *remote.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	for _, p := range stderrPatterns {
		if strings.Contains(ee.Stderr, p.text) {
			return &Error{Kind: p.err, Err: err}
		}
	}
	return &Error{Kind: exitCodes[ee.Code], Err: err}
}
