package ietsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
)

// State is everything ietd and the kernel module hold.
type State struct {
	// Version is the IET release simulated ("" means DefaultVersion).
	Version string `json:"version"`
	// Stopped is true while ietd is not running: /proc/net/iet is absent
	// and every request fails with ECONNREFUSED.
	Stopped bool `json:"stopped,omitempty"`
	// NextTID is where the search for a free tid starts when a target is
	// added with tid 0; it only grows, so deleted tids are not reused
	// soon (the kernel's next_target_id).
	NextTID uint32 `json:"next_tid"`
	// Discovery holds the accounts of discovery sessions (tid 0).
	Discovery Accounts `json:"discovery"`
	// Targets are kept in tid order.
	Targets []Target `json:"targets"`
}

// Target is one iSCSI target.
type Target struct {
	TID  uint32 `json:"tid"`
	Name string `json:"name"`
	// Params holds every target key (Wthreads, Type, QueuedCommands,
	// NOPInterval, NOPTimeout) and SessionParams every session key, by
	// their ietd.conf spelling.
	Params        Params   `json:"params"`
	SessionParams Params   `json:"session_params"`
	Accounts      Accounts `json:"accounts"`
	// LUNs are kept in LUN order, Sessions in login order.
	LUNs     []LUN     `json:"luns"`
	Sessions []Session `json:"sessions"`
}

// Params maps a parameter's ietd.conf name to its value (see the package
// comment for how booleans and digests are encoded).
type Params map[string]uint32

// Accounts are the CHAP users of a target or of discovery.
type Accounts struct {
	// Incoming users, newest first as ietd lists them.
	Incoming []Account `json:"incoming"`
	// Outgoing is the single outgoing user, nil when none.
	Outgoing *Account `json:"outgoing,omitempty"`
}

// Account is one CHAP user.
type Account struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// LUN is one logical unit of a target.
type LUN struct {
	LUN    uint32 `json:"lun"`
	Path   string `json:"path"`
	IOType string `json:"iotype"` // fileio or blockio
	IOMode string `json:"iomode"` // wt, wb or ro
	// BlockSize is in bytes; Blocks is the size of the backing store at
	// the time the LUN was added, in blocks.
	BlockSize uint32 `json:"blocksize"`
	Blocks    uint64 `json:"blocks"`
	// ScsiID and ScsiSN are as given; empty when not given (ietd would
	// generate them).
	ScsiID string `json:"scsi_id,omitempty"`
	ScsiSN string `json:"scsi_sn,omitempty"`
	// State is 0 (running); 1 would be a deleted LUN still referenced.
	State uint32 `json:"state"`
}

// Session is an initiator logged in to a target.
type Session struct {
	SID       uint64 `json:"sid"`
	Initiator string `json:"initiator"`
	Conns     []Conn `json:"conns"`
}

// Conn is one connection of a session. AddSession fills an empty State
// with "active" and empty HD and DD with "none".
type Conn struct {
	CID   uint32     `json:"cid"`
	IP    netip.Addr `json:"ip"`
	State string     `json:"state"`
	HD    string     `json:"hd"`
	DD    string     `json:"dd"`
}

const stateFile = "state.json"

func newState() *State {
	return &State{NextTID: 1, Targets: []Target{}, Discovery: Accounts{Incoming: []Account{}}}
}

// loadState reads DIR/state.json; a missing file is an empty state.
func loadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("load simulator state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("load simulator state %s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

// saveState writes DIR/state.json and renders ROOT/proc/net/iet (or
// removes it while ietd is stopped).
func saveState(dir, root string, st *State) error {
	if st.Version == "" {
		st.Version = DefaultVersion
	}
	v, err := st.version()
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("save simulator state: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, stateFile), append(data, '\n')); err != nil {
		return fmt.Errorf("save simulator state: %w", err)
	}
	return renderProc(root, st, v)
}

// version returns the simulated release.
func (st *State) version() (Version, error) {
	if st.Version == "" {
		return ParseVersion(DefaultVersion)
	}
	return ParseVersion(st.Version)
}

// clone returns a deep copy.
func (st *State) clone() *State {
	data, err := json.Marshal(st)
	if err != nil {
		panic(fmt.Sprintf("ietsim: marshal state: %v", err)) // only plain data: cannot happen
	}
	c := newState()
	if err := json.Unmarshal(data, c); err != nil {
		panic(fmt.Sprintf("ietsim: unmarshal state: %v", err))
	}
	return c
}

// target returns the target with tid, or nil.
func (st *State) target(tid uint32) *Target {
	for i := range st.Targets {
		if st.Targets[i].TID == tid {
			return &st.Targets[i]
		}
	}
	return nil
}

// insertTarget adds t keeping tid order.
func (st *State) insertTarget(t Target) {
	i, _ := slices.BinarySearchFunc(st.Targets, t.TID, func(x Target, tid uint32) int {
		switch {
		case x.TID < tid:
			return -1
		case x.TID > tid:
			return 1
		}
		return 0
	})
	st.Targets = slices.Insert(st.Targets, i, t)
}

func (t *Target) lun(n uint32) *LUN {
	for i := range t.LUNs {
		if t.LUNs[i].LUN == n {
			return &t.LUNs[i]
		}
	}
	return nil
}

func (t *Target) session(sid uint64) *Session {
	for i := range t.Sessions {
		if t.Sessions[i].SID == sid {
			return &t.Sessions[i]
		}
	}
	return nil
}
