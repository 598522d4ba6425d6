package lvm

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/ietkit/ietkit/pkg/remote"
)

// Sentinels for what an LVM command failed on; test them with errors.Is.
// The error also wraps the command's *remote.ExitError (argv, exit code,
// stderr). LVM exits 5 (ECMD_FAILED) for nearly every failure, so the
// stderr text is the only clue; lvm(8) warns that both may change between
// releases, which is why all the texts live in stderrTable below.
var (
	ErrNoSuchLV = errors.New("no such logical volume")
	ErrNoSuchVG = errors.New("no such volume group")
	ErrNoSpace  = errors.New("not enough free space in the volume group")
	ErrInUse    = errors.New("logical volume in use")
	ErrExists   = errors.New("logical volume already exists")
	// ErrOriginActive: LVM resizes a classic snapshot's origin only while
	// the origin (and so its snapshots) is inactive.
	ErrOriginActive = errors.New("snapshot origin is active")
	// ErrNotSnapshot is returned (as *NotSnapshotError) by RemoveSnapshot
	// for anything that is not a snapshot.
	ErrNotSnapshot = errors.New("not a snapshot")
)

// stderrTable maps LVM's messages to sentinels; the first matching row
// wins. Every text was seen from lvm 2.03.16 (Debian 12) in the VM tier
// (the exact texts are in lv_test.go), and lv_vm_test.go checks the mapping
// against the real commands.
var stderrTable = []struct {
	re  *regexp.Regexp
	err error
	// source of the message
	source string
}{
	{regexp.MustCompile(`Failed to find logical volume "`), ErrNoSuchLV,
		`lvm2 tools/toollib.c, process_each_lv_in_vg: log_error("Failed to find logical volume \"%s/%s\"")`},
	{regexp.MustCompile(`Volume group "[^"]*" not found`), ErrNoSuchVG,
		`seen in the VM (lvs/lvremove novg/nope, exit 5): Volume group "novg" not found / Cannot process volume group novg`},
	{regexp.MustCompile(`(?i)insufficient free space`), ErrNoSpace,
		`seen in the VM (exit 5): lvcreate 'Volume group "vgt" has insufficient free space (511 extents): 23842 required.', lvextend 'Insufficient free space: 23841 extents needed, but only 510 available'`},
	{regexp.MustCompile(`contains a filesystem in use|Logical volume \S+ in use\.|is used by another device`), ErrInUse,
		`lvm2 lib/activate/activate.c, lv_check_not_in_use; public reports: avocado-framework-tests/avocado-misc-tests#2125, cockpit-project/cockpit#2629, lvmteam/lvm2#49 (facts snapdrivers-lvm.md §3.4)`},
	{regexp.MustCompile(`already exists in volume group`), ErrExists,
		`seen in the VM (lvcreate, exit 5): Logical Volume "lv0" already exists in volume group "vgt"`},
	{regexp.MustCompile(`Snapshot origin volumes can be resized only while inactive`), ErrOriginActive,
		`facts vm-tier.md "A classic-snapshot origin cannot be extended while active"; seen in the VM (lvextend, exit 5)`},
}

// cmdError is a failed LVM command: the *remote.ExitError, classified.
type cmdError struct {
	kinds []error
	exit  *remote.ExitError
}

func (e *cmdError) Error() string   { return e.exit.Error() }
func (e *cmdError) Unwrap() []error { return append([]error{e.exit}, e.kinds...) }

// classify attaches the sentinel matching a failed command's stderr. Errors
// that are not *remote.ExitError (could not start, cancelled) and unknown
// messages come back unchanged.
func classify(err error) error {
	var ee *remote.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	for _, row := range stderrTable {
		if row.re.MatchString(ee.Stderr) {
			return &cmdError{kinds: []error{row.err}, exit: ee}
		}
	}
	return err
}

// lvLookup makes a missing volume group count as a missing LV too, for
// calls that name an LV: the LV does not exist either.
func lvLookup(err error) error {
	var ce *cmdError
	if errors.As(err, &ce) && errors.Is(err, ErrNoSuchVG) && !errors.Is(err, ErrNoSuchLV) {
		return &cmdError{kinds: append([]error{ErrNoSuchLV}, ce.kinds...), exit: ce.exit}
	}
	return err
}

// NotSnapshotError is RemoveSnapshot's refusal: VG/LV is not a snapshot.
// It matches ErrNotSnapshot.
type NotSnapshotError struct {
	VG, LV string
	Attr   string
	// What the LV is instead, e.g. "the origin of snapshots snap0, snap1".
	What string
}

func (e *NotSnapshotError) Error() string {
	return fmt.Sprintf("remove snapshot %s/%s: refusing: it is not a snapshot but %s (lv_attr %s)", e.VG, e.LV, e.What, e.Attr)
}

// Is makes errors.Is(err, ErrNotSnapshot) true.
func (e *NotSnapshotError) Is(target error) bool { return target == ErrNotSnapshot }

// describe says what a non-snapshot LV is, for NotSnapshotError; snaps are
// the snapshots of an origin.
func describe(l LVInfo, snaps []string) string {
	if len(l.Attr) == 0 {
		return "a logical volume of unknown type"
	}
	switch l.Attr[0] {
	case 'o', 'O':
		if len(snaps) == 0 {
			return "a snapshot origin (lvremove would remove its snapshots with it)"
		}
		return fmt.Sprintf("the origin of snapshot(s) %s (lvremove would remove them with it)", strings.Join(snaps, ", "))
	case '-':
		return "a plain logical volume"
	case 'V':
		return "a thin volume"
	case 't':
		return "a thin pool"
	}
	return fmt.Sprintf("a logical volume of type %q", l.Attr[:1])
}
