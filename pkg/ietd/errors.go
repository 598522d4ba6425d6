package ietd

import "errors"

// Errors a backend maps its daemon's failures to. Callers test them with
// errors.Is; backends wrap the command's own error alongside.
var (
	// ErrNotFound: the target, LUN, session or user does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: what is being added exists already.
	ErrExists = errors.New("already exists")
	// ErrBusy: the object is in use (a target with sessions, an active LU).
	ErrBusy = errors.New("busy")
	// ErrNotRunning: the target daemon is not running.
	ErrNotRunning = errors.New("target daemon is not running")
	// ErrUnsupported: this daemon version cannot do that.
	ErrUnsupported = errors.New("not supported by this daemon")
	// ErrInvalid: the daemon refused the parameters.
	ErrInvalid = errors.New("invalid argument")
)
