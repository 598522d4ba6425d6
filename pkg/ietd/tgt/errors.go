package tgt

import (
	"errors"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
)

// messages maps what tgtadm prints on stderr to ietd's sentinels. tgtd
// answers every refused request with one tgtadm_errno; tgtadm prints its
// text and exits 22 (EINVAL) whatever it was, so the text is the only
// clue. The texts are tgtadm's table of enum tgtadm_errno (tgt
// usr/tgtadm_error.h, texts in usr/tgtadm.c), as tgt 1.0.85 prints them;
// the last entries are tgtadm's own messages when it cannot reach tgtd.
// Matching is by substring, first entry first.
var messages = []struct {
	text string
	err  error
}{
	{"can't find the target", ietd.ErrNotFound},                     // TGTADM_NO_TARGET
	{"can't find the logical unit", ietd.ErrNotFound},               // TGTADM_NO_LUN
	{"can't find the session", ietd.ErrNotFound},                    // TGTADM_NO_SESSION
	{"can't find the connection", ietd.ErrNotFound},                 // TGTADM_NO_CONNECTION
	{"can't find the binding", ietd.ErrNotFound},                    // TGTADM_NO_BINDING
	{"can't find the account", ietd.ErrNotFound},                    // TGTADM_NO_USER
	{"can't find the driver", ietd.ErrNotFound},                     // TGTADM_NO_DRIVER
	{"this access control rule does not exist", ietd.ErrNotFound},   // TGTADM_ACL_NOEXIST
	{"this target already exists", ietd.ErrExists},                  // TGTADM_TARGET_EXIST (tid or name)
	{"this logical unit number already exists", ietd.ErrExists},     // TGTADM_LUN_EXIST
	{"this access control rule already exists", ietd.ErrExists},     // TGTADM_ACL_EXIST
	{"this account already exists", ietd.ErrExists},                 // TGTADM_USER_EXIST (also binding it twice)
	{"this binding already exists", ietd.ErrExists},                 // TGTADM_BINDING_EXIST
	{"this target already has an outgoing account", ietd.ErrExists}, // TGTADM_OUTACCOUNT_EXIST
	{"this target is still active", ietd.ErrBusy},                   // TGTADM_TARGET_ACTIVE: it has an I_T nexus
	{"this logical unit is still active", ietd.ErrBusy},             // TGTADM_LUN_ACTIVE: commands in flight
	{"this driver is busy", ietd.ErrBusy},                           // TGTADM_DRIVER_ACTIVE
	{"this device has Prevent Removal set", ietd.ErrBusy},           // TGTADM_PREVENT_REMOVAL
	{"this operation isn't supported", ietd.ErrUnsupported},         // TGTADM_UNSUPPORTED_OPERATION
	{"invalid request", ietd.ErrInvalid},                            // TGTADM_INVALID_REQUEST
	{"unknown parameter", ietd.ErrInvalid},                          // TGTADM_UNKNOWN_PARAM
	{"too many accounts", ietd.ErrInvalid},                          // TGTADM_TOO_MANY_USER
	{"out of range", ietd.ErrInvalid},                               // tgtadm's own check of an argument
	{"can't connect to the tgt daemon", ietd.ErrNotRunning},
	{"failed to send request hdr to tgt daemon", ietd.ErrNotRunning},
	{"can't send the request to the tgt daemon", ietd.ErrNotRunning},
	{"tgtd closed the socket", ietd.ErrNotRunning},
}

// exitCodes classify what the messages do not: tgtadm returns errno
// when it cannot talk to tgtd (107 ENOTCONN with no tgtd on the control
// port, 111 ECONNREFUSED with a stale socket).
var exitCodes = map[int]error{
	107: ietd.ErrNotRunning,
	111: ietd.ErrNotRunning,
}

// Error is a failed tgtadm command with the sentinel its answer means.
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

// classify wraps a failed tgtadm run with its sentinel.
func classify(err error) error {
	var ee *remote.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	return &Error{Kind: kindOf(ee.Code, ee.Stderr), Err: err}
}

// kindOf is the sentinel of a tgtadm exit status and message, or nil.
func kindOf(code int, stderr string) error {
	for _, m := range messages {
		if strings.Contains(stderr, m.text) {
			return m.err
		}
	}
	return exitCodes[code]
}
