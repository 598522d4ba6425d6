// Package necism simulates the NEC iSM snapshot commands (iSMsc_query,
// iSMsc_create, iSMsc_link, iSMsc_unlink) as the necism sync driver sees
// them, so that the driver and snapsync can be tested without a disk
// array. The formats it prints are those of facts/snapdrivers-lvm.md
// section 1.3 and of the real log in seed 000 (the NEC document).
//
// Vocabulary (the array's):
//
//   - BV, base volume: the production logical disk (LD). It has SVs.
//   - SV, snapshot volume: a point-in-time image of its BV. Its Snap State
//     is snap/active once a snapshot was taken (with the time it was
//     taken), snap/nonexistent before, and transient states ending in
//     "ing" (snap/deleting) while the array changes it.
//   - LV, link volume: the LD a host sees; it shows the data of the SV it
//     is linked to.
//
// State lives in a directory ($ARRAYSIM_DIR) as necism.json, read and
// written atomically under an flock on the file "necism.lock"; every invocation
// is appended to commands.log as the command name and its arguments joined
// by single spaces. Times are printed in $ARRAYSIM_TZ (an IANA name, UTC
// when unset); the clock is the real one.
//
// Failures on demand: a Failure in the state makes a command (optionally
// only one given a certain argument) print an iSM error and exit with a
// code; an SV can be put in any Snap State, transient ones optionally
// settling back to snap/active after a number of queries of its BV
// (SetSVState); an SV can be removed (RemoveSV) or an LV unlinked
// (UnlinkLV).
//
// The error messages and their iSMnnnnn numbers are not documented in
// public material (only the three "has normally terminated" messages
// are); those printed here are made up in the documented style
// ("iSMsc_unlink:Info: iSM20030: ..."), see messages.go.
package necism
