package symclone

import (
	"errors"
	"strings"
)

// What symcli prints, verbatim, and the errors the driver makes of it.
const (
	// msgNoSession is printed by symclone query (and by control
	// operations) for pairs with no clone session. Source: facts 2.1,
	// from the public VMAX admin notes it cites.
	msgNoSession = "The Source device and the Target device do not form a Copy session"
	// msgNoCloneSource follows msgNoSession when the group's query finds
	// no session at all: "Device group 'clonegp' does not have any
	// devices that are Clone source devices". Source: the same VMAX
	// admin notes (the clonegp example cited by facts 2.1).
	msgNoCloneSource = "does not have any devices that are Clone source devices"
)

// Sentinel errors. Each wraps, where a command failed, the
// *snapdrivers.CommandError of that command.
var (
	// ErrNoSession: a pair has no clone session (msgNoSession; facts
	// 2.1). Status reports it as a problem; the actions refuse to run.
	ErrNoSession = errors.New("the source device and the target device do not form a copy session")

	// ErrNotInGroup: a configured pair is not in the device group's
	// query. Seed 002 makes it a Down status: "Device are in a
	// unexpected state or not present in the resource symmetrix disk
	// group".
	ErrNotInGroup = errors.New("not present in the device group")

	// ErrUnexpectedState: a pair in a state the action cannot start from,
	// or that status does not expect (seed 002, as above; the states are
	// those of facts 1.2 and 2.1).
	ErrUnexpectedState = errors.New("in an unexpected state")

	// ErrNoSuccessMessage: symclone exited 0 without "'Recreate'
	// operation successfully initiated for device ..." (or executed) for
	// every pair. Source: seed 002 and facts 2.1 (the perl wrapper's
	// "operation successfully (initiated|executed) for device").
	ErrNoSuccessMessage = errors.New("no success message from symclone")

	// ErrNotCopied: the wait for the copied state after activate timed
	// out. Source: seed 002 ("waiting for copied state (max 300 secs)")
	// and facts 1.2 ("... still not in active state").
	ErrNotCopied = errors.New("not in copied state")
)

// vendorMessages maps what symcli prints on failure to a sentinel.
var vendorMessages = []struct {
	text string
	err  error
}{
	{msgNoSession, ErrNoSession},
	{msgNoCloneSource, ErrNoSession},
}

// classify returns the sentinel for symcli's output, or nil when it
// prints nothing this driver knows.
func classify(out string) error {
	s := collapse(out)
	for _, m := range vendorMessages {
		if strings.Contains(s, m.text) {
			return m.err
		}
	}
	return nil
}
