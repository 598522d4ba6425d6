package fence

import "errors"

// Terminal errors: retrying the same request cannot succeed.
var (
	// ErrNotAllowed is a request the policy refuses: unknown caller,
	// wrong token, a node the caller may not fence, a locked-out key.
	ErrNotAllowed = errors.New("not allowed")
	// ErrBadRequest is a forced-command line that does not parse.
	ErrBadRequest = errors.New("bad request")
	// ErrLockedOut is a caller refused for its recent failures.
	ErrLockedOut = errors.New("locked out")
	// ErrNotConfirmed is a power change the outlets never reported.
	ErrNotConfirmed = errors.New("not confirmed")
)
