package necism

import (
	"errors"
	"slices"
)

// The messages by which iSM says a command succeeded, verbatim from the
// real log in seed 000 (the NEC document) and facts/snapdrivers-lvm.md
// section 1.3 "Messages". A command that exits 0 without its message
// has not done its work, as far as the driver can tell.
const (
	okUnlink = "iSM20030" // iSMsc_unlink:Info: iSM20030: iSMsc_unlink has normally terminated.
	okCreate = "iSM19010" // iSMsc_create:Info: iSM19010: iSMsc_create has normally terminated.
	okLink   = "iSM20020" // iSMsc_link:Info: iSM20020: iSMsc_link has normally terminated.
)

var (
	// ErrChanging is an SV of the base volume still in a state ending in
	// "ing" (snap/deleting, ...) when create_wait ran out: iSMsc_create
	// "fails if another snap of the same source is being refreshed"
	// (facts 1.3, cluster agent commit ef8a8b335).
	ErrChanging = errors.New("snapshot volumes of the base volume are changing states")

	// ErrBusy is the array refusing a command for now; retrying later may
	// work. Its messages are the ones OpenStack Cinder's NEC driver
	// retries (cinder/volume/drivers/nec/cli.py, retry_msgids); their
	// texts are not published.
	ErrBusy = errors.New("the disk array is busy (retry later)")

	// ErrNotFound is an SV missing from its base volume, found before
	// anything was changed (facts 1.3: the cluster agent's status says
	// "SV:%s not found").
	ErrNotFound = errors.New("snapshot volume not found on its base volume")
)

var busyIDs = []string{"iSM19411", "iSM31005", "iSM31015", "iSM42408", "iSM42412"}

// classify maps the iSM error messages of a failed command's output to a
// sentinel, nil when none is known.
func classify(out string) error {
	for _, m := range ParseMessages(out) {
		if slices.Contains(busyIDs, m.ID) {
			return ErrBusy
		}
	}
	return nil
}

// terminated tells whether out holds the message id, the command's "has
// normally terminated".
func terminated(out, id string) bool {
	for _, m := range ParseMessages(out) {
		if m.ID == id {
			return true
		}
	}
	return false
}
