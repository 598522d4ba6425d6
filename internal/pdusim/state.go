package pdusim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"github.com/ietkit/ietkit/internal/simlock"
)

// Outlet states as the state file spells them.
const (
	On  = "on"
	Off = "off"
)

// Outlet is one outlet of the simulated PDU.
type Outlet struct {
	// Name is what rPDUOutletConfigOutletName reports ("Outlet N" when
	// empty).
	Name string `json:"name,omitempty"`
	// State is On or Off.
	State string `json:"state"`
	// Stuck outlets accept every valid SET but keep State: a relay that
	// welded, the case a fencing agent must notice by reading back.
	Stuck bool `json:"stuck,omitempty"`
}

// State is the content of the state file. Outlet n (1-based, as in the
// MIB) is Outlets[n-1]; the PDU has len(Outlets) outlets.
type State struct {
	Outlets []Outlet `json:"outlets"`
}

// NewState returns the state of a PDU with n outlets, all on.
func NewState(n int) State {
	st := State{Outlets: make([]Outlet, n)}
	for i := range st.Outlets {
		st.Outlets[i].State = On
	}
	return st
}

// Check reports the first thing wrong with st.
func (st *State) Check() error {
	if len(st.Outlets) == 0 {
		return errors.New("no outlets")
	}
	for i, o := range st.Outlets {
		if o.State != On && o.State != Off {
			return fmt.Errorf("outlet %d: state %q, want %q or %q", i+1, o.State, On, Off)
		}
		if strings.ContainsAny(o.Name, "\r\n") {
			return fmt.Errorf("outlet %d: name holds a line break", i+1)
		}
	}
	return nil
}

// Outlet returns outlet n (1-based), or an error if there is none.
func (st *State) Outlet(n int) (*Outlet, error) {
	if n < 1 || n > len(st.Outlets) {
		return nil, fmt.Errorf("no outlet %d (the PDU has %d)", n, len(st.Outlets))
	}
	return &st.Outlets[n-1], nil
}

// SetRecord is one accepted SET, a line of the sets log.
type SetRecord struct {
	Time  time.Time `json:"time"`
	OID   string    `json:"oid"`
	Value int       `json:"value"`
}

// Store is a state file together with its lock file (Path + ".lock") and
// its sets log (SetsPath). Readers need no lock: the file is only ever
// replaced by a rename. Writers, in any process, take the lock so that
// no update is lost between reading and writing.
type Store struct {
	Path string
}

// SetsPath is the sets log of the state file statePath: one JSON
// SetRecord per line.
func SetsPath(statePath string) string {
	return strings.TrimSuffix(statePath, ".json") + ".sets.jsonl"
}

// Load reads and checks the state file.
func (s *Store) Load() (State, error) {
	b, err := os.ReadFile(s.Path)
	if err != nil {
		return State{}, fmt.Errorf("read state: %w", err)
	}
	var st State
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return State{}, fmt.Errorf("parse state %s: %w", s.Path, err)
	}
	if err := st.Check(); err != nil {
		return State{}, fmt.Errorf("state %s: %w", s.Path, err)
	}
	return st, nil
}

// Write replaces the state file with st.
func (s *Store) Write(st State) error {
	return s.locked(func() error { return s.write(st) })
}

// Update applies fn to the current state and writes the result, unless
// fn fails.
func (s *Store) Update(fn func(*State) error) error {
	return s.locked(func() error {
		st, err := s.Load()
		if err != nil {
			return err
		}
		if err := fn(&st); err != nil {
			return err
		}
		return s.write(st)
	})
}

// Sets reads the sets log; a missing log is an empty one.
func (s *Store) Sets() ([]SetRecord, error) {
	f, err := os.Open(SetsPath(s.Path))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sets log: %w", err)
	}
	defer f.Close()
	var recs []SetRecord
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var r SetRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("sets log %s line %d: %w", f.Name(), n, err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read sets log %s: %w", f.Name(), err)
	}
	return recs, nil
}

func (s *Store) write(st State) error {
	if err := st.Check(); err != nil {
		return fmt.Errorf("write state %s: %w", s.Path, err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("write state %s: %w", s.Path, err)
	}
	return atomicfile.Write(s.Path, append(b, '\n'), atomicfile.Options{})
}

// appendSet adds r to the sets log; the caller holds the lock.
func (s *Store) appendSet(r SetRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("sets log: %w", err)
	}
	f, err := os.OpenFile(SetsPath(s.Path), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("sets log: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("sets log %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sets log %s: %w", f.Name(), err)
	}
	return nil
}

// locked runs fn holding the exclusive lock of the store. The lock is a
// file of its own: the state file is replaced on every write, and a lock
// on a replaced inode would exclude nobody.
func (s *Store) locked(fn func() error) error {
	return simlock.With(s.Path+".lock", fn)
}
