package gds

import (
	"fmt"
	"strings"
)

// Volume is one volume row of `sdxinfo -V -e long`.
type Volume struct {
	Name  string
	Class string
	Group string
	// Master is the MASTER field: the master volume's name for a proxy
	// volume, "*" for any other volume.
	Master string
	// Proxy is the PROXY field: Join or Part for a proxy volume, "*"
	// for any other volume.
	Proxy string
}

// Slice is one row of `sdxinfo -S`.
type Slice struct {
	Class  string
	Group  string
	Disk   string
	Volume string
	// Status is the slice's state: STOP (valid, not in use), ACTIVE
	// (in use), COPY (being copied to), INVALID, NOUSE, ...
	Status string
}

// Name is how GDS names a slice of a volume on a disk ("Disk3.Volume2",
// the name of a detached slice's special file in the GDS guide's
// sdxslice page).
func (s Slice) Name() string { return s.Disk + "." + s.Volume }

// The values sdxinfo uses.
const (
	fieldNone   = "*" // an empty field; a volume row named "*" is a free or private area
	proxyJoined = "Join"
	proxyParted = "Part"

	sliceStop    = "STOP"
	sliceActive  = "ACTIVE"
	sliceCopy    = "COPY"
	sliceInvalid = "INVALID"
	sliceNoUse   = "NOUSE"
)

// ParseVolumes reads the volume rows of `sdxinfo -V -e long` output,
// leaving out the rows named "*" (the free and private areas of a
// group, shown around the volumes in seed 004).
//
// Columns are found by their header names, and values by their position
// among the blank-separated fields, not by character position: sdxinfo
// pads to fixed widths that longer values overflow (in seed 004,
// "Volume1" runs into the PROXY column), prints "*" for an empty field
// so that fields never go missing, and may print more columns than the
// ones read ("..." in the seed).
func ParseVolumes(out string) ([]Volume, error) {
	tables, err := parseTables(out)
	if err != nil {
		return nil, err
	}
	var vols []Volume
	for _, t := range tables {
		if t.obj != "volume" {
			continue
		}
		idx, err := t.columns("NAME", "CLASS", "GROUP", "MASTER", "PROXY")
		if err != nil {
			return nil, fmt.Errorf("%w (the MASTER and PROXY columns need sdxinfo -e long)", err)
		}
		for _, r := range t.rows {
			f, err := r.pick(idx)
			if err != nil {
				return nil, err
			}
			if f[0] == fieldNone {
				continue
			}
			vols = append(vols, Volume{Name: f[0], Class: f[1], Group: f[2], Master: f[3], Proxy: f[4]})
		}
	}
	return vols, nil
}

// ParseSlices reads the slice rows of `sdxinfo -S` output (with or
// without -e long), by header names as ParseVolumes does.
func ParseSlices(out string) ([]Slice, error) {
	tables, err := parseTables(out)
	if err != nil {
		return nil, err
	}
	var slices []Slice
	for _, t := range tables {
		if t.obj != "slice" {
			continue
		}
		idx, err := t.columns("CLASS", "GROUP", "DISK", "VOLUME", "STATUS")
		if err != nil {
			return nil, err
		}
		for _, r := range t.rows {
			f, err := r.pick(idx)
			if err != nil {
				return nil, err
			}
			slices = append(slices, Slice{Class: f[0], Group: f[1], Disk: f[2], Volume: f[3], Status: f[4]})
		}
	}
	return slices, nil
}

// table is one block of sdxinfo output: a header line starting with OBJ,
// a line of dashes, and rows whose first field is the object type.
// sdxinfo prints one such block per object type asked for (-V, -S, ...).
type table struct {
	line   int // of the header
	obj    string
	header []string
	rows   []row
}

type row struct {
	line   int
	fields []string
}

func parseTables(out string) ([]*table, error) {
	var tables []*table
	var cur *table
	sawDashes := false
	for i, raw := range strings.Split(out, "\n") {
		n := i + 1
		f := strings.Fields(raw)
		switch {
		case len(f) == 0:
			continue
		case f[0] == "OBJ":
			cur = &table{line: n, header: f}
			tables = append(tables, cur)
			sawDashes = false
		case isDashes(f):
			if cur == nil || sawDashes || len(cur.rows) > 0 {
				return nil, fmt.Errorf("%w: line %d: a line of dashes not under an OBJ header", ErrUnexpectedOutput, n)
			}
			sawDashes = true
		case cur == nil:
			return nil, fmt.Errorf("%w: line %d: %q before any OBJ header", ErrUnexpectedOutput, n, clip(raw))
		default:
			if cur.obj == "" {
				cur.obj = f[0]
			} else if f[0] != cur.obj {
				return nil, fmt.Errorf("%w: line %d: a %q row in the table of %q rows started at line %d", ErrUnexpectedOutput, n, clip(f[0]), cur.obj, cur.line)
			}
			cur.rows = append(cur.rows, row{line: n, fields: f})
		}
	}
	return tables, nil
}

// isDashes tells a header's underline: dashes, and the "..." the guide
// prints for elided columns.
func isDashes(f []string) bool {
	for _, s := range f {
		if s != "..." && strings.Trim(s, "-") != "" {
			return false
		}
	}
	return true
}

// columns returns the field index of each name in t's header.
func (t *table) columns(names ...string) ([]int, error) {
	idx := make([]int, len(names))
	var missing []string
	for i, name := range names {
		idx[i] = -1
		for j, h := range t.header {
			if h == name {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: line %d: the %s header has no %s column", ErrUnexpectedOutput, t.line, t.obj, strings.Join(missing, ", "))
	}
	return idx, nil
}

// pick returns r's fields at idx.
func (r row) pick(idx []int) ([]string, error) {
	out := make([]string, len(idx))
	for i, j := range idx {
		if j >= len(r.fields) {
			return nil, fmt.Errorf("%w: line %d: %d fields, short of the header's column %d", ErrUnexpectedOutput, r.line, len(r.fields), j+1)
		}
		out[i] = r.fields[j]
	}
	return out, nil
}

// clip keeps error messages about garbage short.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
