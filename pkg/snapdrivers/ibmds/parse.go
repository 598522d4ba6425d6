package ibmds

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Flash is one row of lsflash -l, read by column name: the full column
// list is not verified (facts 1.4), so no position is assumed.
type Flash struct {
	ID         string // source:target, upper case
	Recording  string // Enabled or Disabled
	Persistent string // Enabled or Disabled
	State      string // Valid expected
	TgtSE      string // isTgtSE: ESE for an extent space-efficient target; "" when the column is absent
	DateSynced string // as printed: Thu Sep 18 23:04:04 CEST 2014
	// Columns holds every column of the row by header name.
	Columns map[string]string
}

// The columns the driver cannot do without.
var requiredColumns = []string{"ID", "Recording", "Persistent", "State", "DateSynced"}

// ParseLsflash reads the output of
//
//	setenv -banner off -header on -format delim
//	lsflash -l -dev ARRAY PAIRS...
//
// a header line of comma-separated column names, an optional line of '='
// (the cluster agent's parser expects one, facts 1.4), then one
// comma-separated row per pair. "No Flash Copy found" is an empty list.
// dscli prompts ("dscli> "), a banner and message lines are skipped.
func ParseLsflash(out string) ([]Flash, error) {
	var header []string
	var flashes []Flash
	for n, raw := range strings.Split(out, "\n") {
		line := strings.TrimSpace(stripPrompt(raw))
		switch {
		case line == "", strings.HasPrefix(line, "Date/Time:"), strings.HasPrefix(line, "="):
			continue
		case msgRE.MatchString(line):
			if header == nil && strings.Contains(line, noFlashText) {
				return nil, nil
			}
			continue
		}
		fields := strings.Split(line, ",")
		if header == nil {
			for i := range fields {
				fields[i] = strings.TrimSpace(fields[i])
			}
			if !contains(fields, "ID") {
				return nil, fmt.Errorf("%w: line %d: %q: want a header line of comma-separated column names, one of them ID", ErrBadOutput, n+1, line)
			}
			for _, c := range requiredColumns {
				if !contains(fields, c) {
					return nil, fmt.Errorf("%w: header %q has no %s column", ErrBadOutput, line, c)
				}
			}
			header = fields
			continue
		}
		if len(fields) != len(header) {
			return nil, fmt.Errorf("%w: line %d has %d fields, the header has %d: %q", ErrBadOutput, n+1, len(fields), len(header), line)
		}
		cols := make(map[string]string, len(header))
		for i, h := range header {
			if _, dup := cols[h]; !dup {
				cols[h] = strings.TrimSpace(fields[i])
			}
		}
		f := Flash{
			ID:         strings.ToUpper(cols["ID"]),
			Recording:  cols["Recording"],
			Persistent: cols["Persistent"],
			State:      cols["State"],
			TgtSE:      cols["isTgtSE"],
			DateSynced: cols["DateSynced"],
			Columns:    cols,
		}
		if _, err := ParsePair(f.ID); err != nil {
			return nil, fmt.Errorf("%w: line %d: ID %q: %v", ErrBadOutput, n+1, cols["ID"], err)
		}
		flashes = append(flashes, f)
	}
	if header == nil {
		return nil, fmt.Errorf("%w: no header line and no %q message", ErrBadOutput, noFlashText)
	}
	return flashes, nil
}

func stripPrompt(s string) string {
	for {
		t := strings.TrimLeft(s, " \t")
		if !strings.HasPrefix(t, "dscli>") {
			return s
		}
		s = t[len("dscli>"):]
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Message is one dscli message line: "CMUC00168I resyncflash: FlashCopy
// volume pair 0001:0002 successfully resynchronized."
type Message struct {
	ID       string // CMUC00168I
	Severity byte   // I, W or E
	Command  string // resyncflash; "" when the message names none
	Text     string // what follows the ID and the command
	Pair     string // the first src:tgt pair the text names, upper case
}

var (
	msgRE  = regexp.MustCompile(`^(CMU[A-Z][0-9]{5}([IWE]))(?:\s+(.*))?$`)
	cmdRE  = regexp.MustCompile(`^([a-z]+):\s*(.*)$`)
	pairRE = regexp.MustCompile(`\b([0-9A-Fa-f]{4}:[0-9A-Fa-f]{4})\b`)
)

// ParseMessages returns the message lines of a dscli output, in order.
// Lines that are not messages (banner, continuation of a wrapped
// message, prompts) are skipped.
func ParseMessages(out string) []Message {
	var msgs []Message
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimSpace(stripPrompt(raw))
		m := msgRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		msg := Message{ID: m[1], Severity: m[2][0], Text: m[3]}
		if c := cmdRE.FindStringSubmatch(msg.Text); c != nil {
			msg.Command, msg.Text = c[1], c[2]
		}
		if p := pairRE.FindStringSubmatch(msg.Text); p != nil {
			msg.Pair = strings.ToUpper(p[1])
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

// errorMessages returns the error messages (severity E) of msgs, as
// printed.
func errorMessages(msgs []Message) []string {
	var errs []string
	for _, m := range msgs {
		if m.Severity == 'E' {
			s := m.ID
			if m.Command != "" {
				s += " " + m.Command + ":"
			}
			errs = append(errs, strings.TrimSpace(s+" "+m.Text))
		}
	}
	return errs
}

// unconfirmed returns the pairs no message with one of ids names.
func unconfirmed(msgs []Message, pairs []Pair, ids ...string) []Pair {
	ok := map[string]bool{}
	for _, m := range msgs {
		if contains(ids, m.ID) && m.Pair != "" {
			ok[m.Pair] = true
		}
	}
	var missing []Pair
	for _, p := range pairs {
		if !ok[p.String()] {
			missing = append(missing, p)
		}
	}
	return missing
}

// dateLayout is DateSynced's format, strftime "%a %b %d %H:%M:%S %Z %Y"
// (facts 1.4), which is Java's Date.toString. _2 accepts "08" and "8".
const dateLayout = "Mon Jan _2 15:04:05 MST 2006"

// ParseDateSynced reads a DateSynced ("Thu Sep 18 23:04:04 CEST 2014")
// as a time in loc, the array's time zone. The zone abbreviation must be
// loc's at that instant: Go would give an abbreviation it does not find
// in loc a zero offset, silently shifting the time by hours, so a
// mismatch is an error wrapping ErrZoneMismatch. UTC and GMT are
// unambiguous and accepted in any loc.
func ParseDateSynced(s string, loc *time.Location) (time.Time, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return time.Time{}, fmt.Errorf("date %q: want the form Thu Sep 18 23:04:04 CEST 2014", s)
	}
	abbr := f[4]
	t, err := time.ParseInLocation(dateLayout, strings.Join(f, " "), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", s, err)
	}
	name, _ := t.Zone()
	switch {
	case t.Location() == loc && name == abbr:
		return t, nil
	case t.Location() != loc && (abbr == "UTC" || abbr == "GMT"):
		return t.In(loc), nil
	}
	// What loc calls that wall-clock time, to say what was expected.
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
	want, _ := wall.Zone()
	return time.Time{}, fmt.Errorf("date %q: %w: it says %s, but %s calls that time %s (set the resource's timezone to the array's)",
		s, ErrZoneMismatch, abbr, loc, want)
}

// ParsePair reads "0001:0002": two DS8000 volume IDs (4 hex digits, LSS
// and volume number), source first.
func ParsePair(s string) (Pair, error) {
	src, tgt, ok := strings.Cut(s, ":")
	if !ok || !volRE.MatchString(src) || !volRE.MatchString(tgt) {
		return Pair{}, fmt.Errorf("%q: want source:target volume IDs of 4 hex digits, such as 0001:0002", s)
	}
	src, tgt = strings.ToUpper(src), strings.ToUpper(tgt)
	if src == tgt {
		return Pair{}, fmt.Errorf("%q: source and target are the same volume", s)
	}
	return Pair{Source: src, Target: tgt}, nil
}

var volRE = regexp.MustCompile(`^[0-9A-Fa-f]{4}$`)
