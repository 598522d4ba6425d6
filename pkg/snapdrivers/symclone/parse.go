package symclone

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Query is what `symclone -g DG query` prints: the group's header and
// one row per clone pair.
type Query struct {
	Group     string // Device Group (DG) Name
	GroupType string // DG's Type (REGULAR, ANY, ...)
	SymID     string // DG's Symmetrix ID
	Rows      []QueryRow
	// NoSession is set when symclone printed "The Source device and the
	// Target device do not form a Copy session" instead of a table.
	NoSession bool
}

// QueryRow is one pair of the query table:
//
//	Logical   Sym  Tracks    Tracks   Logical   Sym  Tracks   CGDP SRC <=> TGT  (%)
//	DEV001    0E28    198821        0 BCV001    1E37        0 XXX. CopyInProg    39
type QueryRow struct {
	Source          string // source logical device name
	SourceSym       string
	ProtectedTracks int64 // source tracks not yet copied
	ModifiedTracks  int64
	Target          string // target logical device name
	TargetSym       string
	TargetModified  int64
	Flags           string // CGDP; absent from some symcli versions
	State           string // SRC <=> TGT: Created, CopyInProg, Copied, ...
	Percent         int    // Copy (%)
}

// collapse joins s's words with single spaces, so that messages symcli
// wraps across lines compare as one line.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// ParseQuery reads `symclone -g DG query`. Rows are split on blanks, not
// cut at fixed columns: the published layout (facts 2.1) pads logical
// names to 9 characters, and a longer name shifts every column after it.
// Each field is checked, so a layout this parser does not know is an
// error, not a pair read wrong.
func ParseQuery(out string) (Query, error) {
	var q Query
	if strings.Contains(collapse(out), msgNoSession) {
		q.NoSession = true
	}
	lines := strings.Split(out, "\n")
	const (
		head = iota // before the column titles
		rule        // after the titles, before the dashes under them
		rows
		done
	)
	phase := head
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		switch phase {
		case head:
			if k, v, ok := strings.Cut(line, ":"); ok {
				switch strings.TrimSpace(k) {
				case "Device Group (DG) Name":
					q.Group = strings.TrimSpace(v)
				case "DG's Type":
					q.GroupType = strings.TrimSpace(v)
				case "DG's Symmetrix ID":
					q.SymID = strings.TrimSpace(v)
				}
				continue
			}
			if strings.Contains(line, "SRC <=> TGT") {
				phase = rule
			}
		case rule:
			if line != "" && strings.Trim(line, "- ") == "" {
				phase = rows
			}
		case rows:
			if line == "" || strings.HasPrefix(line, "Total") {
				phase = done
				continue
			}
			r, err := parseQueryRow(line)
			if err != nil {
				return Query{}, fmt.Errorf("symclone query line %d: %w", i+1, err)
			}
			q.Rows = append(q.Rows, r)
		}
	}
	if phase == head && !q.NoSession {
		return Query{}, fmt.Errorf("symclone query: no pair table (no \"SRC <=> TGT\" column title) and no %q message", msgNoSession)
	}
	if phase == rule {
		return Query{}, fmt.Errorf("symclone query: the column titles are not followed by a line of dashes")
	}
	return q, nil
}

var (
	symDevRE = regexp.MustCompile(`^[0-9A-Fa-f]{1,8}$`)
	flagsRE  = regexp.MustCompile(`^[A-Za-z.\-]{4}$`)
)

func parseQueryRow(line string) (QueryRow, error) {
	f := strings.Fields(line)
	var r QueryRow
	switch len(f) {
	case 10:
		r.Flags = f[7]
		if !flagsRE.MatchString(r.Flags) {
			return r, fmt.Errorf("CGDP flags %q: want 4 characters such as XXX.", r.Flags)
		}
	case 9:
		// Without the CGDP column (older symcli) the 7th field is a
		// track count; flags there mean a column is missing instead.
		if _, err := strconv.Atoi(f[6]); err != nil {
			return r, fmt.Errorf("%q: want 10 columns (Logical Sym Tracks Tracks Logical Sym Tracks CGDP State Copy), got 9", line)
		}
	default:
		return r, fmt.Errorf("%q: want 10 columns (Logical Sym Tracks Tracks Logical Sym Tracks CGDP State Copy), got %d", line, len(f))
	}
	r.Source, r.SourceSym, r.Target, r.TargetSym = f[0], f[1], f[4], f[5]
	r.State = f[len(f)-2]
	for _, sym := range []string{r.SourceSym, r.TargetSym} {
		if !symDevRE.MatchString(sym) {
			return r, fmt.Errorf("%q: Symmetrix device name %q is not hexadecimal", line, sym)
		}
	}
	nums := []struct {
		s   string
		dst *int64
	}{{f[2], &r.ProtectedTracks}, {f[3], &r.ModifiedTracks}, {f[6], &r.TargetModified}}
	for _, n := range nums {
		v, err := strconv.ParseInt(n.s, 10, 64)
		if err != nil || v < 0 {
			return r, fmt.Errorf("%q: track count %q is not a number", line, n.s)
		}
		*n.dst = v
	}
	p, err := strconv.Atoi(f[len(f)-1])
	if err != nil || p < 0 || p > 100 {
		return r, fmt.Errorf("%q: copy percentage %q is not 0 to 100", line, f[len(f)-1])
	}
	r.Percent = p
	if r.State == "" || !isWord(r.State) {
		return r, fmt.Errorf("%q: state %q is not a word", line, r.State)
	}
	return r, nil
}

func isWord(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// LD is one logical device of `symld -g DG list -v`.
type LD struct {
	PhysicalName string // Device Physical Name; "Not Visible" when not mapped here
	Sym          string // Device Symmetrix Name
	SymID        string // Symmetrix ID
	Logical      string // Device Logical Name
	Revision     string // Product Revision
	Clone        *CloneInfo
}

// CloneInfo is the clone session an LD takes part in, as symld shows it.
type CloneInfo struct {
	SourceSym     string // Source (SRC) Device Symmetrix Name
	TargetSym     string // Target (TGT) Device Symmetrix Name
	State         string // State of Session
	LastAction    string // Time of Last Clone Action, e.g. "Thu Feb 25 10:20:56 2010"
	SourceChanged string // Changed Tracks for SRC Device
	TargetChanged string // Changed Tracks for TGT Device
}

// ParseLDList reads `symld -g DG list -v`: "key : value" lines, a new
// device starting at each "Device Physical Name" (the keys of facts 1.2,
// as the 2010–2016 agent read them). A value is what follows the first
// ": ", so times keep their own colons. Keys are compared trimmed, and
// "State of Session" by prefix, since symcli may follow it with the
// direction of the copy.
func ParseLDList(out string) ([]LD, error) {
	var lds []LD
	var cur *LD
	seen := map[string]bool{}
	known := false
	for i, raw := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(raw, ": ")
		if !ok {
			continue
		}
		key, val := strings.TrimSpace(k), strings.TrimSpace(v)
		if key == "Device Physical Name" {
			lds = append(lds, LD{PhysicalName: val})
			cur = &lds[len(lds)-1]
			known = true
			continue
		}
		switch key {
		case "Device Group (DG) Name", "DG's Type", "DG's Symmetrix ID":
			known = true
			continue
		}
		if cur == nil {
			continue
		}
		clone := func() *CloneInfo {
			if cur.Clone == nil {
				cur.Clone = &CloneInfo{}
			}
			return cur.Clone
		}
		switch {
		case key == "Device Symmetrix Name":
			cur.Sym = val
		case key == "Symmetrix ID":
			cur.SymID = val
		case key == "Device Logical Name":
			if seen[val] {
				return nil, fmt.Errorf("symld list line %d: logical device %s listed twice", i+1, val)
			}
			seen[val] = true
			cur.Logical = val
		case key == "Product Revision":
			cur.Revision = val
		case key == "Source (SRC) Device Symmetrix Name":
			clone().SourceSym = val
		case key == "Target (TGT) Device Symmetrix Name":
			clone().TargetSym = val
		case strings.HasPrefix(key, "State of Session"):
			clone().State = val
		case key == "Time of Last Clone Action":
			clone().LastAction = val
		case key == "Changed Tracks for SRC Device":
			clone().SourceChanged = val
		case key == "Changed Tracks for TGT Device":
			clone().TargetChanged = val
		}
	}
	if !known && strings.TrimSpace(out) != "" {
		return nil, fmt.Errorf("symld list: neither a device group header nor a \"Device Physical Name\" line: not the output of symld list -v")
	}
	for i, ld := range lds {
		if ld.Logical == "" {
			return nil, fmt.Errorf("symld list: device %d (%s) has no Device Logical Name", i+1, ld.PhysicalName)
		}
	}
	return lds, nil
}

// actionTimeLayout is time.ANSIC with single spaces: symcli prints C's
// ctime format, which pads the day with a blank ("Feb  5"), and collapse
// makes both paddings one.
const actionTimeLayout = "Mon Jan 2 15:04:05 2006"

// ParseActionTime reads a "Time of Last Clone Action" value, which has no
// zone: it is read in loc, the array's.
func ParseActionTime(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(actionTimeLayout, collapse(s), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("time of last clone action %q: want a date like \"Thu Feb 25 10:20:56 2010\"", s)
	}
	return t, nil
}

// OpResult is what an operation's messages say succeeded.
type OpResult struct {
	// Pairs lists each "'Recreate' operation successfully initiated for
	// device 'DEV001' in group 'DGCVI' paired with target device
	// 'CLONE001'." (seed 002).
	Pairs []OpPair
	// Groups lists the groups of a whole-group message: "'Create'
	// operation successfully executed for device group 'clonegp'."
	// (facts 2.1), or "... for the device list in device group 'DG'".
	Groups []OpGroup
}

// OpPair is one pair an operation succeeded on.
type OpPair struct {
	Op, Verb, Source, Group, Target string
}

// OpGroup is one group an operation succeeded on as a whole.
type OpGroup struct {
	Op, Verb, Group string
}

var (
	opPairRE  = regexp.MustCompile(`'([A-Za-z]+)' operation successfully (initiated|executed) for device '([^']*)' in group '([^']*)' paired with target device '([^']*)'`)
	opGroupRE = regexp.MustCompile(`'([A-Za-z]+)' operation successfully (initiated|executed) for (?:the device list in )?device group '([^']*)'`)
)

// ParseOperation reads the messages of a symclone control operation
// (create, recreate, activate, ...), which symcli wraps over several
// lines.
func ParseOperation(out string) OpResult {
	s := collapse(out)
	var r OpResult
	for _, m := range opPairRE.FindAllStringSubmatch(s, -1) {
		r.Pairs = append(r.Pairs, OpPair{Op: m[1], Verb: m[2], Source: m[3], Group: m[4], Target: m[5]})
	}
	for _, m := range opGroupRE.FindAllStringSubmatch(s, -1) {
		r.Groups = append(r.Groups, OpGroup{Op: m[1], Verb: m[2], Group: m[3]})
	}
	return r
}

// Missing returns the pairs of want that op did not report as
// successful in group dg; none when a whole-group message covers them.
func (r OpResult) Missing(op, dg string, want []Pair) (missing []Pair) {
	for _, g := range r.Groups {
		if g.Op == op && g.Group == dg {
			return nil
		}
	}
	ok := map[Pair]bool{}
	for _, p := range r.Pairs {
		if p.Op == op && p.Group == dg {
			ok[Pair{Source: p.Source, Target: p.Target}] = true
		}
	}
	for _, p := range want {
		if !ok[p] {
			missing = append(missing, p)
		}
	}
	return missing
}
