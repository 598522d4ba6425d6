package gds

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// The states the driver refuses to act on, and the outcomes of a wait.
// Each is the condition a source tells the operator to check; the error
// returned wraps one of them and says which volume or slice, and what
// sdxinfo showed.
var (
	// ErrVolumeMissing: a configured master or proxy volume is not in
	// the class. Seed 004 step 3-1 identifies the proxy by the row
	// sdxinfo -V prints for it.
	ErrVolumeMissing = errors.New("volume not found in the class")

	// ErrNotProxyOfMaster: the proxy's MASTER field is not the
	// configured master (or the volume is no proxy at all). Seed 004
	// step 3-1: "Confirm that master volume Volume1 and proxy volume
	// Volume2 ..." with Volume1 shown in the MASTER field.
	ErrNotProxyOfMaster = errors.New("proxy volume is not related to the configured master")

	// ErrNotJoined: break needs joined proxies. Seed 004 step 3-1: "If
	// Join is displayed in the PROXY field, the proxy volume is in the
	// joined state."
	ErrNotJoined = errors.New("proxy volume is not joined")

	// ErrSliceNotValid: a slice is not in a state the action can start
	// from. Seed 004 step 3-1: "Confirm that data in all the slices of
	// proxy volume Volume2 is valid (STOP) ... If data is not valid
	// (STOP), repair the slice status referring to 'Slice Status
	// Abnormality'."
	ErrSliceNotValid = errors.New("proxy slice is not valid (STOP)")

	// ErrProxyStarted: a parted proxy whose slices are ACTIVE is started,
	// that is, in use (backed up, mounted); rejoining it would overwrite
	// it under its user. Facts 2.4 (GDS guide A.2.25): only parted proxy
	// volumes can be started; seed 004 step 3-5 stops the parted proxy
	// "to prevent improper access".
	ErrProxyStarted = errors.New("parted proxy volume is started")

	// ErrCopyTimeout: the synchronization copy after a rejoin did not
	// end within copy_timeout. Seed 004 step 8-2: the proxy's slices are
	// "in COPY status if copying is in progress and ... in STOP status
	// after the copy process ends normally".
	ErrCopyTimeout = errors.New("synchronization copy did not end in time")

	// ErrCopyFailed: a slice left COPY for a state other than STOP (seed
	// 004 step 8-2: STOP is the normal end), or vanished, during the
	// wait.
	ErrCopyFailed = errors.New("synchronization copy did not end normally")

	// ErrUnexpectedOutput: sdxinfo printed something the parsers do not
	// recognise (no OBJ header, a row shorter than the columns read, no
	// MASTER/PROXY columns because -e long is missing).
	ErrUnexpectedOutput = errors.New("unexpected sdxinfo output")
)

// errorLevel is the level word GDS commands put in their error messages
// ("SDX:sdxproxy: ERROR: ..."). Our sources show no failing sdx command:
// the word and the "SDX:command:" prefix are from memory of the GDS
// guide's message appendix, and the message numbers and texts are not
// documented there, so the driver matches only the level word and never
// a message text.
const errorLevel = "ERROR:"

// sdxError returns the first error line an sdx command printed, on
// either stream. sdx commands print nothing when they succeed (seed 004
// shows no output after sdxproxy Part and Rejoin), so the absence of an
// error line stands for the success message other vendors print.
func sdxError(out snapdrivers.Output) (string, bool) {
	for _, s := range []string{out.Stderr, out.Stdout} {
		for line := range strings.SplitSeq(s, "\n") {
			if strings.Contains(line, errorLevel) {
				return strings.TrimSpace(line), true
			}
		}
	}
	return "", false
}

// stateError is a refusal or a problem about one volume or slice: its
// text is the full sentence an operator reads, and it wraps the
// sentinel callers test with errors.Is.
type stateError struct {
	kind error
	msg  string
}

func (e *stateError) Error() string { return e.msg }
func (e *stateError) Unwrap() error { return e.kind }

func stateErrorf(kind error, format string, args ...any) error {
	return &stateError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
