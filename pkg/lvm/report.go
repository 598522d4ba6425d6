package lvm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// LVFields are the lvs columns ietkit asks for, with
// --reportformat json --units b --nosuffix and LC_ALL=C (so that numbers
// are plain bytes with a '.' decimal point).
var LVFields = []string{"lv_name", "vg_name", "lv_path", "lv_size", "lv_attr", "origin", "lv_role", "data_percent", "lv_active"}

// LVInfo is one row of an lvs report.
type LVInfo struct {
	Name   string
	VG     string
	Path   string
	Size   int64
	Attr   string
	Origin string
	Roles  []string
	// DataPercent is how full a snapshot is (-1 when not shown: inactive
	// or not a snapshot).
	DataPercent float64
	Active      bool
}

// IsSnapshot tells whether the LV is a classic copy-on-write snapshot
// (lv_attr type s or S, as lvs(8) documents), or a thin snapshot (a thin
// volume, type V, with an origin).
func (l LVInfo) IsSnapshot() bool {
	if len(l.Attr) == 0 {
		return false
	}
	switch l.Attr[0] {
	case 's', 'S':
		return true
	case 'V':
		return l.Origin != ""
	}
	return false
}

// IsOrigin tells whether snapshots were taken of the LV (type o or O).
func (l LVInfo) IsOrigin() bool { return len(l.Attr) > 0 && (l.Attr[0] == 'o' || l.Attr[0] == 'O') }

// Invalid tells whether a snapshot overflowed (state I or S): its data is
// lost and reads fail.
func (l LVInfo) Invalid() bool { return len(l.Attr) > 4 && (l.Attr[4] == 'I' || l.Attr[4] == 'S') }

// lvsReport is the JSON shape of lvs (lvmreport(7)); every value is a
// string. Other top-level keys ("log" since 2.03.26) are ignored.
type lvsReport struct {
	Report []struct {
		LV []map[string]string `json:"lv"`
	} `json:"report"`
}

// ParseLVs reads an lvs JSON report.
func ParseLVs(data []byte) ([]LVInfo, error) {
	var rep lvsReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("parse lvs report: %w", err)
	}
	var out []LVInfo
	for _, r := range rep.Report {
		for i, row := range r.LV {
			lv, err := lvFromRow(row)
			if err != nil {
				return nil, fmt.Errorf("parse lvs report: row %d: %w", i+1, err)
			}
			out = append(out, lv)
		}
	}
	return out, nil
}

func lvFromRow(row map[string]string) (LVInfo, error) {
	lv := LVInfo{Name: row["lv_name"], VG: row["vg_name"], Path: row["lv_path"], Attr: row["lv_attr"], Origin: row["origin"], DataPercent: -1}
	if lv.Name == "" || lv.VG == "" {
		return LVInfo{}, fmt.Errorf("no lv_name or vg_name in %v", row)
	}
	size, err := strconv.ParseInt(strings.TrimSpace(row["lv_size"]), 10, 64)
	if err != nil || size < 0 {
		return LVInfo{}, fmt.Errorf("lv_size %q of %s/%s is not a byte count (run with --units b --nosuffix and LC_ALL=C)", row["lv_size"], lv.VG, lv.Name)
	}
	lv.Size = size
	if r := row["lv_role"]; r != "" {
		lv.Roles = strings.Split(r, ",")
	}
	if p := strings.TrimSpace(row["data_percent"]); p != "" {
		if lv.DataPercent, err = strconv.ParseFloat(p, 64); err != nil {
			return LVInfo{}, fmt.Errorf("data_percent %q of %s/%s is not a number", p, lv.VG, lv.Name)
		}
	}
	switch row["lv_active"] {
	case "active", "1":
		lv.Active = true
	}
	return lv, nil
}
