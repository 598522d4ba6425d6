// Package snapdrivers models the sync resources of storage arrays'
// snapshot and clone features: one Driver per array family (necism,
// ibmds, symclone, gds, in subpackages), behind one interface, and the
// shared part around them (service.go): the service file, the schedule
// (sync_min_delay, sync_max_delay, the last-success record), the
// precheck, and the status that combines what the array reports with
// that record.
//
// Drivers run vendor commands only through an Exec, which logs each
// command and its output with the resource's prefix, in the style of the
// cluster agent ietkit replaces:
//
//	2014-09-18 05:14:25,547 - iiststnec02.SYNC#1 - INFO - iSMsc_unlink -lv SOURCE_0001_LV00A6 -lvflg ld
package snapdrivers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Driver drives the pairs of one sync resource on one array family.
// Drivers are built by a Factory from the resource's Section, and check
// every keyword they take there, so that a bad service file fails before
// any vendor command runs.
type Driver interface {
	// Kind is the type keyword of the resource (necism, ibmdsflash,
	// symclone, gdsproxy).
	Kind() string

	// Plan returns the vendor commands action would run, in order,
	// without running any. Commands a driver runs only to check state
	// (queries, waits) are included with Check set, so that print-plan
	// shows the whole sequence. An action the driver does not support
	// returns an error wrapping ErrNotSupported.
	Plan(action Action) ([]Step, error)

	// Resync refreshes the copies from their sources: NEC unlinks,
	// recreates and relinks the snapshots; IBM resyncs the FlashCopy
	// pairs; Symmetrix recreates the clones; GDS rejoins the proxy and
	// waits for the copy to end. When it returns nil every vendor command
	// succeeded and the copies hold (or are being filled with) the
	// sources' data as of now. It stops at the first failing command and
	// returns a *CommandError for it.
	Resync(ctx context.Context) error

	// Update refreshes the copies as Resync does; the two are separate
	// actions because cluster agents schedule them separately (update is
	// the scheduled refresh). A family may make them differ.
	Update(ctx context.Context) error

	// Break makes the copies independent, read-write devices (Symmetrix:
	// activate and wait for the copied state; GDS: part the proxy after
	// checking it is joined and its slices valid). Families whose copies
	// are always usable (NEC, IBM) return an error wrapping
	// ErrNotSupported.
	Break(ctx context.Context) error

	// Status reads the pairs' state from the array. It runs only query
	// commands and changes nothing.
	Status(ctx context.Context) (ArrayStatus, error)
}

// Action is what snapsync is asked to do to a resource.
type Action string

// The actions.
const (
	ActionResync Action = "resync"
	ActionUpdate Action = "update"
	ActionBreak  Action = "break"
	ActionStatus Action = "status"
)

// ErrNotSupported is an action a driver does not have.
var ErrNotSupported = errors.New("not supported by this array family")

// Step is one vendor command of a plan.
type Step struct {
	Argv  []string
	Stdin string // fed to the command (dscli reads its commands on stdin)
	// Check marks a query run to decide or wait, not a change.
	Check bool
	// Note says why, when the command alone does not ("for each pair",
	// "until every slice is STOP, at most 600 s").
	Note string
}

func (s Step) String() string {
	if len(s.Argv) == 0 {
		return "(" + s.Note + ")"
	}
	line := strings.Join(s.Argv, " ")
	if s.Stdin != "" {
		line = strings.ReplaceAll(strings.TrimSpace(s.Stdin), "\n", "; ") + " | " + line
	}
	if s.Check {
		line = "(check) " + line
	}
	if s.Note != "" {
		line += "    # " + s.Note
	}
	return line
}

// ArrayStatus is what the array says about a resource's pairs.
type ArrayStatus struct {
	// LastSync is when the copies were last refreshed, as the array
	// reports it: the oldest across pairs. Zero when the family reports
	// no time (GDS) or a pair has none.
	LastSync time.Time
	// HasTime tells whether the family reports sync times at all.
	HasTime bool
	// Problems are pairs missing or in an unexpected state, one sentence
	// each ("LV SOURCE_0001_LV00A6 is not linked to SV SOURCE_0001_SV006D").
	Problems []string
	// ProblemState is what problems make the status: Warn (NEC, IBM) or
	// Down (Symmetrix, GDS).
	ProblemState State
	// Pairs are the pairs as the array shows them.
	Pairs []PairStatus
}

// PairStatus is one pair as the array shows it.
type PairStatus struct {
	Source string    `json:"source"`
	Target string    `json:"target"`
	State  string    `json:"state"`
	Synced time.Time `json:"synced,omitzero"`
}

// State is a resource's status.
type State string

// The states, as the original reports them.
const (
	Up   State = "up"
	Warn State = "warn"
	Down State = "down"
	NA   State = "n/a"
)

// Env is what a Factory gives a driver.
type Env struct {
	// Exec runs the driver's vendor commands.
	Exec *Exec
	// Location is the time zone the array's times are in (the resource's
	// timezone keyword, else the host's).
	Location *time.Location
	// Now is the clock (tests inject it).
	Now func() time.Time
	// Sleep waits between polls, returning early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Factory builds the driver of kind for sec.
type Factory func(kind string, sec *Section, env Env) (Driver, error)

// CommandError is a vendor command that failed.
type CommandError struct {
	Argv   []string
	Code   int    // exit code, or -1 when it did not run or was killed
	Output string // what it printed (stdout then stderr), trimmed
	Reason string // why it counts as failed, when not the exit code ("no iSM19010 message")
	Err    error  // a start or context error, when Code is -1
}

func (e *CommandError) Error() string {
	var b strings.Builder
	b.WriteString(strings.Join(e.Argv, " "))
	switch {
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", e.Err)
	case e.Reason != "":
		fmt.Fprintf(&b, ": exit code %d: %s", e.Code, e.Reason)
	default:
		fmt.Fprintf(&b, ": exit code %d", e.Code)
	}
	if e.Output != "" {
		fmt.Fprintf(&b, "\n%s", e.Output)
	}
	return b.String()
}

func (e *CommandError) Unwrap() error { return e.Err }
