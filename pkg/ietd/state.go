package ietd

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// State is what the target daemon serves.
type State struct {
	Targets []Target `json:"targets"`
	// DiscoveryUsers are the discovery CHAP accounts, when UsersKnown.
	DiscoveryUsers      []UserRef `json:"discovery_users,omitempty"`
	DiscoveryUsersKnown bool      `json:"-"`
}

// Target is one target of the running daemon.
type Target struct {
	TID      int       `json:"tid"`
	Name     string    `json:"name"`
	LUNs     []LUN     `json:"luns"`
	Sessions []Session `json:"sessions"`
	// Options are the target's options as the daemon shows them (key as
	// in targetconf's table); nil when the daemon cannot show them.
	Options map[string]string `json:"options,omitempty"`
	// Users are its CHAP accounts; meaningful only when UsersKnown.
	Users      []UserRef `json:"users,omitempty"`
	UsersKnown bool      `json:"-"`
	// ACL lists the initiator entries the daemon lets in (ACLEntries
	// syntax), for daemons with live ACLs; ACLKnown says it was read.
	ACL      []string `json:"acl,omitempty"`
	ACLKnown bool     `json:"-"`
}

// LUN is a logical unit as the daemon serves it.
type LUN struct {
	Number int    `json:"lun"`
	Path   string `json:"path"`
	IOType string `json:"iotype"`
	// IOMode is "" when the daemon does not show it (IET before 0.4.14).
	IOMode string `json:"iomode,omitempty"`
	// State is IET's LUN state: 0 running, 1 being deleted.
	State int `json:"state"`
	// Blocks and BlockSize give the served size; SizeKnown is false when
	// the daemon does not show it (IET before 1.4.20).
	Blocks    uint64 `json:"blocks,omitempty"`
	BlockSize uint32 `json:"blocksize,omitempty"`
	SizeKnown bool   `json:"size_known"`
	// Approx and ApproxTolerance give the served size where the daemon
	// shows it only roughly (tgt: rounded megabytes): the size served is
	// within Approx ± ApproxTolerance bytes. ApproxTolerance 0: not shown.
	Approx          int64 `json:"approx_size,omitempty"`
	ApproxTolerance int64 `json:"approx_tolerance,omitempty"`
	// ScsiID and ScsiSN are the identifiers the LUN serves, where the
	// daemon shows them ("" otherwise).
	ScsiID string `json:"scsi_id,omitempty"`
	ScsiSN string `json:"scsi_sn,omitempty"`
}

// approxMatches tells whether size fits the roughly shown size; true
// when the daemon shows none.
func (l LUN) approxMatches(size int64) bool {
	if l.ApproxTolerance == 0 {
		return true
	}
	d := size - l.Approx
	return -l.ApproxTolerance <= d && d <= l.ApproxTolerance
}

// Size is the size the LUN serves, in bytes (0 when not known).
func (l LUN) Size() int64 { return int64(l.Blocks) * int64(l.BlockSize) }

// describe names a LUN's backing store: its path, or its I/O type when it
// has none (nullio).
func (l LUN) describe() string {
	if l.Path == "" {
		return l.IOType + ", no path"
	}
	return l.Path
}

// Session is an initiator's session with a target.
type Session struct {
	SID       uint64 `json:"sid"`
	Initiator string `json:"initiator"`
	Conns     []Conn `json:"connections"`
}

// Conn is one TCP connection of a session.
type Conn struct {
	CID          uint32     `json:"cid"`
	IP           netip.Addr `json:"ip"`
	State        string     `json:"state,omitempty"`
	HeaderDigest string     `json:"header_digest,omitempty"`
	DataDigest   string     `json:"data_digest,omitempty"`
}

// UserRef names a CHAP account (the daemon never shows secrets).
type UserRef struct {
	Dir  targetconf.Direction `json:"dir"`
	Name string               `json:"name"`
}

// Target finds a target by name, case-insensitively as IET compares.
func (s *State) Target(name string) (*Target, bool) {
	for i := range s.Targets {
		if strings.EqualFold(s.Targets[i].Name, name) {
			return &s.Targets[i], true
		}
	}
	return nil, false
}

// LUN finds a LUN by number.
func (t *Target) LUN(n int) (*LUN, bool) {
	for i := range t.LUNs {
		if t.LUNs[i].Number == n {
			return &t.LUNs[i], true
		}
	}
	return nil, false
}

// SessionAddrs returns the distinct addresses of the target's connections.
func (t *Target) SessionAddrs() []netip.Addr {
	seen := map[netip.Addr]bool{}
	var out []netip.Addr
	for _, s := range t.Sessions {
		for _, c := range s.Conns {
			if c.IP.IsValid() && !seen[c.IP] {
				seen[c.IP] = true
				out = append(out, c.IP)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// Sort orders targets by tid and their LUNs and sessions by number, so
// that plans and output are deterministic.
func (s *State) Sort() {
	sort.Slice(s.Targets, func(i, j int) bool { return s.Targets[i].TID < s.Targets[j].TID })
	for i := range s.Targets {
		t := &s.Targets[i]
		sort.Slice(t.LUNs, func(a, b int) bool { return t.LUNs[a].Number < t.LUNs[b].Number })
		sort.Slice(t.Sessions, func(a, b int) bool { return t.Sessions[a].SID < t.Sessions[b].SID })
	}
}
