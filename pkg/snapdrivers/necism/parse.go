package necism

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Message is one iSM message line, as in seed 000:
//
//	iSMsc_create:Info: iSM19010: iSMsc_create has normally terminated.
type Message struct {
	Command string // iSMsc_create
	Level   string // Info, Warning, Error
	ID      string // iSM19010
	Text    string
}

var messageRE = regexp.MustCompile(`^(\S+?):(\w+): (iSM\d{5}): ?(.*)$`)

// ParseMessages returns the iSM message lines of a command's output, in
// order; other lines (the BV/SV block iSMsc_create prints) are skipped.
func ParseMessages(out string) []Message {
	var msgs []Message
	for line := range strings.Lines(out) {
		m := messageRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		msgs = append(msgs, Message{Command: m[1], Level: m[2], ID: m[3], Text: m[4]})
	}
	return msgs
}

// BVDetail is the output of iSMsc_query -bv BV -bvflg ld -detail
// (facts 1.3): a base volume and its pairs.
type BVDetail struct {
	BV    string // LD Name
	Type  string
	State string
	SVs   []SVDetail
}

// SVDetail is one SV of a BVDetail, with the LV linked to it.
type SVDetail struct {
	Name       string
	Generation string // "-1(normal)"
	SnapState  string // snap/active, snap/deleting, ...
	Time       string // the snapshot time as printed ("2014/09/09 17:27:45"), "" when none
	LinkStatus string // link, or anything else when no LV is linked
	LV         string // the LV:LD Name block after the SV, "" when none
}

// SV returns the SV named name.
func (d BVDetail) SV(name string) (SVDetail, bool) {
	for _, sv := range d.SVs {
		if sv.Name == name {
			return sv, true
		}
	}
	return SVDetail{}, false
}

// LinkedSV is the SV of this BV that lv is linked to, "" when none.
func (d BVDetail) LinkedSV(lv string) string {
	for _, sv := range d.SVs {
		if sv.LV == lv {
			return sv.Name
		}
	}
	return ""
}

// ParseBVDetail reads iSMsc_query -bv BV -bvflg ld -detail. Lines are
// "key : value", split at the first ": " as their keys may hold a colon
// ("SV:LD Name") and their values may not start with a blank; an LV
// block belongs to the SV above it. Unknown keys are skipped, so that a
// newer iSM adding lines does not break the driver.
func ParseBVDetail(out string) (BVDetail, error) {
	var d BVDetail
	section := ""
	var sv *SVDetail
	inLV := false
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		switch line {
		case "":
			continue
		case "BV Information":
			section = "bv"
			continue
		case "Pair Information":
			section = "pair"
			continue
		}
		key, value, ok := strings.Cut(line, ": ")
		if !ok {
			key, value = strings.TrimSuffix(line, ":"), ""
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch section {
		case "bv":
			switch key {
			case "LD Name":
				d.BV = value
			case "Type":
				d.Type = value
			case "State":
				d.State = value
			}
		case "pair":
			switch key {
			case "SV:LD Name":
				if value == "" {
					return BVDetail{}, errors.New("an SV:LD Name line without a name")
				}
				d.SVs = append(d.SVs, SVDetail{Name: value})
				sv, inLV = &d.SVs[len(d.SVs)-1], false
			case "LV:LD Name":
				if sv == nil {
					return BVDetail{}, fmt.Errorf("LV %s listed before any SV", value)
				}
				sv.LV, inLV = value, true
			case "Generation(Attribute)":
				if sv != nil && !inLV {
					sv.Generation = value
				}
			case "Snap State":
				if sv != nil && !inLV {
					sv.SnapState, sv.Time = splitSnapState(value)
				}
			case "LV Link Status":
				if sv != nil && !inLV {
					sv.LinkStatus = value
				}
			}
		}
	}
	if d.BV == "" {
		return BVDetail{}, errors.New("no BV Information block with an LD Name")
	}
	return d, nil
}

// splitSnapState splits "snap/active        [2014/09/09 17:27:45]".
func splitSnapState(v string) (state, when string) {
	state, rest, _ := strings.Cut(v, "[")
	state = strings.TrimSpace(state)
	if i := strings.IndexByte(rest, ']'); i >= 0 {
		when = strings.TrimSpace(rest[:i])
	}
	return state, when
}

// timeLayout is how iSM prints times.
const timeLayout = "2006/01/02 15:04:05"

// ParseTime reads an iSM time in loc, the array's zone: iSM prints no
// zone.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(timeLayout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("snapshot time %q: want YYYY/MM/DD HH:MM:SS", s)
	}
	return t, nil
}
