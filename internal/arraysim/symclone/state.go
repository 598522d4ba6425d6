// Package symclone simulates the two EMC Solutions Enabler (symcli)
// commands the symclone sync driver runs against a Symmetrix: symclone
// (query, recreate, activate on the pairs of a device group) and symld
// (list -v). Tests run it as a multi-call program (cmd/symclonesim)
// under each command's name; tests seed and break its state through this
// package.
//
// The state is a JSON file in $ARRAYSIM_DIR, read and written under an
// flock by every invocation: device groups holding logical devices (LDs)
// and clone sessions between them. A session moves as on the array:
//
//	Created / Copied / CopyInProg / CopyOnAccess --recreate--> Precopy (with -precopy) or Recreated
//	Created / Precopy / Recreated --activate--> CopyInProg --N queries--> Copied
//
// N is the session's CopyPolls (Stuck: never). recreate and activate set
// the session's time of last clone action to now; symld prints it in
// $ARRAYSIM_TZ (an IANA zone, UTC by default) in C's ctime format.
//
// Formats: the query table and the operation messages are those of facts
// 2.1 and seed 002 (see render.go). Undocumented outputs (symld list -v,
// error messages) are marked as such where they are printed.
//
// Every invocation is appended to $ARRAYSIM_DIR/commands.log: the command
// name and its arguments joined by single spaces. Failures on demand are
// Failure records in the state.
package symclone

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ietkit/ietkit/internal/simlock"
)

// Environment variables of the simulator.
const (
	DirEnv = "ARRAYSIM_DIR"
	TZEnv  = "ARRAYSIM_TZ"
)

// Files in the state directory.
const (
	stateFile = "symclone.json"
	lockFile  = "symclone.lock"
	logFile   = "commands.log"
)

// Stuck, as a session's CopyPolls, keeps it in CopyInProg forever.
const Stuck = -1

// DefaultCopyPolls is how many queries a seeded session shows
// CopyInProg after an activate before it shows Copied.
const DefaultCopyPolls = 2

// DefaultTracks is a device's size in 64 KiB tracks (20625 MB, the
// devices of the facts' query example).
const DefaultTracks = 330000

// State is the simulated array, as far as these commands see it.
type State struct {
	Groups map[string]*Group `json:"groups"`
	// NextSym is the next Symmetrix device number Seed hands out.
	NextSym  int       `json:"next_sym"`
	Failures []Failure `json:"failures,omitempty"`
}

// Group is a device group (symdg).
type Group struct {
	Name     string     `json:"name"`
	Type     string     `json:"type"`   // REGULAR, as seed 002 creates it
	SymID    string     `json:"sym_id"` // the array's serial number
	Devices  []Device   `json:"devices"`
	Sessions []*Session `json:"sessions"`
}

// Device is a logical device of a group.
type Device struct {
	Logical  string `json:"logical"`  // DEV001
	Sym      string `json:"sym"`      // 0E28
	Physical string `json:"physical"` // /dev/sdc, or "Not Visible"
	Tracks   int64  `json:"tracks"`
}

// Session is a clone session between two LDs of a group.
type Session struct {
	Source     string    `json:"source"`
	Target     string    `json:"target"`
	State      string    `json:"state"`
	LastAction time.Time `json:"last_action,omitzero"` // zero: symld shows N/A
	CopyPolls  int       `json:"copy_polls"`           // queries in CopyInProg after activate; Stuck: forever
	Left       int       `json:"left"`                 // queries left in CopyInProg
	Percent    int       `json:"percent"`
}

// Failure makes matching invocations fail.
type Failure struct {
	Command string `json:"command"`       // symclone or symld
	Arg     string `json:"arg,omitempty"` // an argument that must be present ("recreate"), if set
	Code    int    `json:"code"`          // exit code
	Message string `json:"message"`       // printed on stderr, or on stdout with Stdout
	Stdout  bool   `json:"stdout,omitempty"`
	// Times is how many invocations fail; 0 is every one.
	Times int `json:"times,omitempty"`
}

// Pair names a source LD and its target LD.
type Pair struct{ Source, Target string }

// Pairs returns n pairs DEV001:CLONE001, DEV002:CLONE002, ...
func Pairs(n int) []Pair {
	ps := make([]Pair, n)
	for i := range ps {
		ps[i] = Pair{Source: fmt.Sprintf("DEV%03d", i+1), Target: fmt.Sprintf("CLONE%03d", i+1)}
	}
	return ps
}

func (g *Group) device(logical string) *Device {
	for i := range g.Devices {
		if g.Devices[i].Logical == logical {
			return &g.Devices[i]
		}
	}
	return nil
}

func (g *Group) session(p Pair) *Session {
	for _, s := range g.Sessions {
		if s.Source == p.Source && s.Target == p.Target {
			return s
		}
	}
	return nil
}

// locked runs fn with the state of dir under an exclusive flock, and
// saves the state when fn succeeds. The lock is a file of its own: the
// state file is replaced on every save.
func locked(dir string, fn func(*State) error) error {
	if dir == "" {
		return fmt.Errorf("%s is not set: where the simulator keeps its state", DirEnv)
	}
	release, err := simlock.Acquire(filepath.Join(dir, lockFile))
	if err != nil {
		return err
	}
	defer release()
	st, err := load(dir)
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	return save(dir, st)
}

func load(dir string) (*State, error) {
	st := &State{Groups: map[string]*Group{}, NextSym: 0x0E28}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("simulator state %s: %w", filepath.Join(dir, stateFile), err)
	}
	if st.Groups == nil {
		st.Groups = map[string]*Group{}
	}
	return st, nil
}

// save replaces the state file through a rename, so that a reader sees
// the old or the new state, never a mix.
func save(dir string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+stateFile+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, stateFile)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// Load returns the state of dir.
func Load(dir string) (*State, error) {
	var out *State
	err := locked(dir, func(st *State) error { out = st; return nil })
	return out, err
}

// Update changes the state of dir with fn, under the lock.
func Update(dir string, fn func(*State) error) error { return locked(dir, fn) }

// Seed creates (or replaces) device group dg in dir: for each pair a
// source LD and a target LD with new Symmetrix device numbers, and a
// clone session between them in state, last acted on at last (zero: no
// time), moving to Copied DefaultCopyPolls queries after an activate.
// Other groups are kept, so that several resources can share one array.
func Seed(dir, dg string, pairs []Pair, state string, last time.Time) error {
	return locked(dir, func(st *State) error {
		g := &Group{Name: dg, Type: "REGULAR", SymID: "000192601234"}
		for i, p := range pairs {
			src := Device{Logical: p.Source, Sym: fmt.Sprintf("%04X", st.NextSym), Physical: "Not Visible", Tracks: DefaultTracks}
			tgt := Device{Logical: p.Target, Sym: fmt.Sprintf("%04X", st.NextSym+1), Physical: fmt.Sprintf("/dev/sd%s", diskLetters(i)), Tracks: DefaultTracks}
			st.NextSym += 2
			if g.device(p.Source) == nil {
				g.Devices = append(g.Devices, src)
			}
			if g.device(p.Target) != nil {
				return fmt.Errorf("seed %s: target %s twice", dg, p.Target)
			}
			g.Devices = append(g.Devices, tgt)
			s := &Session{Source: p.Source, Target: p.Target, State: state, CopyPolls: DefaultCopyPolls}
			if !last.IsZero() {
				s.LastAction = last.Truncate(time.Second)
			}
			if state == "Copied" {
				s.Percent = 100
			}
			g.Sessions = append(g.Sessions, s)
		}
		st.Groups[dg] = g
		return nil
	})
}

// diskLetters names the i-th SCSI disk after sda: b, c, ..., z, aa, ab...
func diskLetters(i int) string {
	i++ // sda is the system disk
	s := ""
	for {
		s = string(rune('a'+i%26)) + s
		i = i/26 - 1
		if i < 0 {
			return s
		}
	}
}

func withSession(dir, dg string, p Pair, fn func(*Group, *Session) error) error {
	return locked(dir, func(st *State) error {
		g := st.Groups[dg]
		if g == nil {
			return fmt.Errorf("no device group %s", dg)
		}
		s := g.session(p)
		if s == nil {
			return fmt.Errorf("device group %s: no session %s:%s", dg, p.Source, p.Target)
		}
		return fn(g, s)
	})
}

// SetState puts the session of p in state (Split, Failed, CopyOnAccess, ...).
func SetState(dir, dg string, p Pair, state string) error {
	return withSession(dir, dg, p, func(_ *Group, s *Session) error { s.State = state; return nil })
}

// SetCopyPolls sets how many queries p shows CopyInProg after an
// activate before Copied (Stuck: forever); it applies to a copy already
// in progress too.
func SetCopyPolls(dir, dg string, p Pair, polls int) error {
	return withSession(dir, dg, p, func(_ *Group, s *Session) error {
		s.CopyPolls, s.Left = polls, polls
		return nil
	})
}

// SetLastAction sets the time of p's last clone action (zero: N/A).
func SetLastAction(dir, dg string, p Pair, t time.Time) error {
	return withSession(dir, dg, p, func(_ *Group, s *Session) error { s.LastAction = t.Truncate(time.Second); return nil })
}

// RemoveSession ends p's clone session, keeping both LDs in the group.
func RemoveSession(dir, dg string, p Pair) error {
	return withSession(dir, dg, p, func(g *Group, s *Session) error {
		for i, x := range g.Sessions {
			if x == s {
				g.Sessions = append(g.Sessions[:i], g.Sessions[i+1:]...)
				break
			}
		}
		return nil
	})
}

// RemoveDevice takes LD logical out of group dg, with its sessions.
func RemoveDevice(dir, dg, logical string) error {
	return locked(dir, func(st *State) error {
		g := st.Groups[dg]
		if g == nil || g.device(logical) == nil {
			return fmt.Errorf("device group %s has no device %s", dg, logical)
		}
		var devs []Device
		for _, d := range g.Devices {
			if d.Logical != logical {
				devs = append(devs, d)
			}
		}
		g.Devices = devs
		var ss []*Session
		for _, s := range g.Sessions {
			if s.Source != logical && s.Target != logical {
				ss = append(ss, s)
			}
		}
		g.Sessions = ss
		return nil
	})
}

// Fail adds a failure on demand.
func Fail(dir string, f Failure) error {
	return locked(dir, func(st *State) error {
		st.Failures = append(st.Failures, f)
		return nil
	})
}
