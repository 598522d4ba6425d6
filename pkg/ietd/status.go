package ietd

import (
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Report is the status of the running target, for people and scripts.
type Report struct {
	Targets []TargetReport `json:"targets"`
}

// TargetReport is one target.
type TargetReport struct {
	TID      int         `json:"tid"`
	IQN      string      `json:"iqn"`
	InConfig bool        `json:"in_config"`
	LUNs     []LUNReport `json:"luns"`
	Sessions []Session   `json:"sessions"`
}

// LUNReport is one LUN with what it serves and what its device holds.
type LUNReport struct {
	LUN
	// Served is the size initiators see; ServedFrom says where it comes
	// from: "daemon", "records" (what ietkit added it with) or "unknown".
	Served     int64  `json:"served"`
	ServedFrom string `json:"served_from"`
	// Device is the device's size now; DeviceErr why it is unknown.
	Device    int64  `json:"device"`
	DeviceErr string `json:"device_error,omitempty"`
	// Stale is true when initiators see another size than the device's.
	Stale bool `json:"stale"`
}

// Status builds the report of s. cfg may be nil (no config to compare).
func Status(s *State, rec *Records, cfg *targetconf.Config, sizer func(string) (int64, error)) Report {
	if rec == nil {
		rec = NewRecords()
	}
	var r Report
	for _, t := range s.Targets {
		tr := TargetReport{TID: t.TID, IQN: t.Name, Sessions: t.Sessions}
		if cfg != nil {
			_, tr.InConfig = cfg.Target(t.Name)
		}
		for _, l := range t.LUNs {
			lr := LUNReport{LUN: l, ServedFrom: "unknown"}
			bs := int64(512)
			switch rc, ok := rec.LUNs[LUNKey(t.Name, l.Number)]; {
			case l.SizeKnown:
				lr.Served, lr.ServedFrom, bs = l.Size(), "daemon", int64(l.BlockSize)
			case ok && rc.Path == l.Path:
				lr.Served, lr.ServedFrom = rc.Size, "records"
				if rc.BlockSize > 0 {
					bs = int64(rc.BlockSize)
				}
			}
			if l.Path != "" {
				n, err := sizer(l.Path)
				if err != nil {
					lr.DeviceErr = err.Error()
				} else {
					lr.Device = n
					lr.Stale = lr.ServedFrom != "unknown" && n/bs*bs != lr.Served
				}
			}
			tr.LUNs = append(tr.LUNs, lr)
		}
		r.Targets = append(r.Targets, tr)
	}
	return r
}
