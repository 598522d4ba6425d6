package ietsim

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultVersion is the IET release simulated when none is configured.
const DefaultVersion = "1.4.20"

// Version is an IET release; its features follow the landmarks of the facts
// file (section 1.1 and the /proc format notes of 1.2).
type Version struct {
	s string
	n [4]int
}

// ParseVersion parses a dotted release number such as "1.4.20" or
// "0.4.12". Releases older than 0.4.12 are refused: their formats are not
// documented in the facts.
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 3 || len(parts) > 4 {
		return Version{}, fmt.Errorf("parse iet version %q: want 3 or 4 dotted numbers", s)
	}
	v := Version{s: s}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("parse iet version %q: bad component %q", s, p)
		}
		v.n[i] = n
	}
	if !v.atLeast(0, 4, 12) {
		return Version{}, fmt.Errorf("parse iet version %q: older than 0.4.12", s)
	}
	return v, nil
}

func (v Version) String() string { return v.s }

func (v Version) atLeast(a, b, c int) bool {
	for i, w := range [3]int{a, b, c} {
		if v.n[i] != w {
			return v.n[i] > w
		}
	}
	return true
}

// hasIOMode: the iomode: field and the IOMode= LUN key appeared in 0.4.14.
func (v Version) hasIOMode() bool { return v.atLeast(0, 4, 14) }

// hasBlockIO: the blockio iotype exists from 0.4.15 on.
func (v Version) hasBlockIO() bool { return v.atLeast(0, 4, 15) }

// is1420 covers what 1.4.20 changed: blocks:/blocksize: in /proc, the
// BlockSize= key, case-insensitive LUN keys, the SCSI id/SN length limits,
// target and account show, and a system-wide delete that no longer stops
// ietd.
func (v Version) is1420() bool { return v.atLeast(1, 4, 20) }

// scsiIDLen and scsiSNLen are SCSI_ID_LEN and SCSI_SN_LEN (facts 1.5).
func (v Version) scsiIDLen() int {
	if v.is1420() {
		return 16
	}
	return 24
}

func (v Version) scsiSNLen() int {
	if v.is1420() {
		return 32
	}
	return 16
}
