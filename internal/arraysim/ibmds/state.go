// Package ibmds simulates IBM's dscli for the FlashCopy commands the
// ibmdsflash driver runs (setenv, lsflash, resyncflash, mkflash,
// rmflash), with the array's FlashCopy relationships kept in a JSON
// state file, so that tests (and snapsync end-to-end tests and
// benchmarks) can run the driver without an array.
//
// The state lives in a directory ($ARRAYSIM_DIR): ibmds.json, written
// atomically under an flock of ibmds.json.lock, and commands.log, one
// line per invocation:
//
//	dscli -hmc1 10.0.0.1 -user snapsync -pwfile /etc/x.pwfile <<< resyncflash -dev IBM.2107-75ABC01 -persist -record -cp 0001:0002
//
// (the commands read on stdin joined by "; " after " <<< "). Times are
// printed in $ARRAYSIM_TZ (an IANA name; UTC when unset) from the real
// clock.
//
// Formats: the banner and the resyncflash messages are those of seed
// 001; mkflash's CMUC00137I is the Redbook's; the lsflash columns are
// the facts file's unverified list (1.4); rmflash's CMUC00140I, the
// error messages (CMUN...E) and the exit codes are plausible inventions,
// marked where they are made.
package ibmds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"github.com/ietkit/ietkit/internal/simlock"
)

// StateFile is the state's file name in the state directory.
const StateFile = "ibmds.json"

// CommandLog is the log of invocations in the state directory.
const CommandLog = "commands.log"

// States of a relationship. Valid is the healthy one; the others are
// from memory of the lsflash documentation (unverified) and stand for
// any state the driver must report.
const (
	StateValid        = "Valid"
	StateTgtFailed    = "Tgt Failed"
	StateValidationRq = "Validation Required"
)

// State is the simulated storage image.
type State struct {
	// Array is the storage image ID (IBM.2107-75ABC01); a -dev naming
	// another is refused.
	Array string `json:"array"`
	// User, when set, is the only -user accepted.
	User    string  `json:"user,omitempty"`
	Flashes []Flash `json:"flashes"`
	// ESEVolumes are the extent space-efficient volumes: a relationship
	// targeting one shows isTgtSE ESE, and mkflash and resyncflash refuse
	// it without -tgtse.
	ESEVolumes []string  `json:"ese_volumes,omitempty"`
	Failures   []Failure `json:"failures,omitempty"`
}

// Flash is one FlashCopy relationship.
type Flash struct {
	Source         string    `json:"source"`
	Target         string    `json:"target"`
	Recording      bool      `json:"recording"`
	Persistent     bool      `json:"persistent"`
	BackgroundCopy bool      `json:"background_copy"`
	State          string    `json:"state"`
	TgtSE          string    `json:"tgt_se,omitempty"` // isTgtSE: "ESE" for a space-efficient target; "No" when empty
	DateCreated    time.Time `json:"date_created"`
	DateSynced     time.Time `json:"date_synced,omitzero"` // zero prints "-"
	// OutOfSyncTracks > 0 is a background copy in progress (ActiveCopy
	// Enabled); the target is usable meanwhile, so the driver does not
	// wait for it.
	OutOfSyncTracks int `json:"out_of_sync_tracks,omitempty"`
}

// ID is source:target.
func (f Flash) ID() string { return f.Source + ":" + f.Target }

// Failure makes a dscli command fail on demand.
type Failure struct {
	// Command is the dscli command (resyncflash, mkflash, rmflash,
	// lsflash, setenv), or "dscli" for the session itself (a connection
	// or authentication failure, before any command).
	Command string `json:"command"`
	// Arg, when set, must be among the command's arguments. When it is a
	// pair of a resyncflash, mkflash or rmflash, only that pair fails and
	// the others go through, as the array does.
	Arg string `json:"arg,omitempty"`
	// Code is dscli's exit code. 0 makes a silent failure: the pair is
	// not changed and no message confirms it.
	Code int `json:"code"`
	// Message is printed as is, on stderr unless Stdout.
	Message string `json:"message,omitempty"`
	Stdout  bool   `json:"stdout,omitempty"`
}

// Check reports the first inconsistency of st.
func (st *State) Check() error {
	if st.Array == "" {
		return errors.New("no array ID")
	}
	seen := map[string]bool{}
	for _, f := range st.Flashes {
		if seen[f.ID()] {
			return fmt.Errorf("relationship %s twice", f.ID())
		}
		seen[f.ID()] = true
	}
	return nil
}

// Flash returns the relationship id (source:target), or nil.
func (st *State) Flash(id string) *Flash {
	for i := range st.Flashes {
		if strings.EqualFold(st.Flashes[i].ID(), id) {
			return &st.Flashes[i]
		}
	}
	return nil
}

// Store is the state file of a state directory.
type Store struct {
	Dir string
}

func (s Store) path() string { return filepath.Join(s.Dir, StateFile) }

// Load reads the state.
func (s Store) Load() (State, error) {
	b, err := os.ReadFile(s.path())
	if err != nil {
		return State{}, fmt.Errorf("read simulator state: %w", err)
	}
	var st State
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return State{}, fmt.Errorf("parse simulator state %s: %w", s.path(), err)
	}
	if err := st.Check(); err != nil {
		return State{}, fmt.Errorf("simulator state %s: %w", s.path(), err)
	}
	return st, nil
}

// Update applies fn to the state under the lock and writes the result
// unless fn fails.
func (s Store) Update(fn func(*State) error) error {
	return s.Locked(func() error {
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

// Write replaces the state.
func (s Store) Write(st State) error {
	return s.Locked(func() error { return s.write(st) })
}

func (s Store) write(st State) error {
	if err := st.Check(); err != nil {
		return fmt.Errorf("write simulator state: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("write simulator state: %w", err)
	}
	return atomicfile.Write(s.path(), append(b, '\n'), atomicfile.Options{})
}

// Locked runs fn holding the state directory's lock, a file of its own:
// the state file is replaced on each write, and a lock on a replaced
// inode would exclude nobody.
func (s Store) Locked(fn func() error) error {
	return simlock.With(s.path()+".lock", fn)
}

// Pairs returns n pair IDs: source volumes 0000, 0001, ... in LSS 00-0F
// and targets 1000, 1001, ... in LSS 10-1F (n at most 4096).
func Pairs(n int) []string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("%04X:%04X", i, 0x1000+i)
	}
	return ps
}

// Seed writes a fresh state in dir: array with each of pairs
// ("0001:0002") established with -record -persist -cp, Valid, created an
// hour before synced and last synced at synced. An existing state is
// replaced; the command log is kept.
func Seed(dir, array string, pairs []string, synced time.Time) error {
	st := State{Array: array}
	for _, p := range pairs {
		src, tgt, ok := strings.Cut(p, ":")
		if !ok {
			return fmt.Errorf("seed: pair %q: want source:target", p)
		}
		st.Flashes = append(st.Flashes, Flash{
			Source: strings.ToUpper(src), Target: strings.ToUpper(tgt),
			Recording: true, Persistent: true, BackgroundCopy: true,
			State:       StateValid,
			DateCreated: synced.Add(-time.Hour).Truncate(time.Second),
			DateSynced:  synced.Truncate(time.Second),
		})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return Store{Dir: dir}.Write(st)
}

// SeedN seeds n pairs (Pairs(n)) and returns them.
func SeedN(dir, array string, n int, synced time.Time) ([]string, error) {
	ps := Pairs(n)
	return ps, Seed(dir, array, ps, synced)
}

// SetFlash changes the relationship id with fn.
func SetFlash(dir, id string, fn func(*Flash)) error {
	return Store{Dir: dir}.Update(func(st *State) error {
		f := st.Flash(id)
		if f == nil {
			return fmt.Errorf("no relationship %s", id)
		}
		fn(f)
		return nil
	})
}

// SetState puts the relationship id in state (StateTgtFailed, ...).
func SetState(dir, id, state string) error {
	return SetFlash(dir, id, func(f *Flash) { f.State = state })
}

// SetESE makes the target of the relationship id an extent
// space-efficient volume.
func SetESE(dir, id string) error {
	return Store{Dir: dir}.Update(func(st *State) error {
		f := st.Flash(id)
		if f == nil {
			return fmt.Errorf("no relationship %s", id)
		}
		f.TgtSE = "ESE"
		st.ESEVolumes = append(st.ESEVolumes, f.Target)
		return nil
	})
}

// RemoveFlash withdraws the relationship id, as if someone ran rmflash.
func RemoveFlash(dir, id string) error {
	return Store{Dir: dir}.Update(func(st *State) error {
		for i := range st.Flashes {
			if strings.EqualFold(st.Flashes[i].ID(), id) {
				st.Flashes = append(st.Flashes[:i], st.Flashes[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("no relationship %s", id)
	})
}

// AddFailure makes commands fail as f says, until ClearFailures.
func AddFailure(dir string, f Failure) error {
	return Store{Dir: dir}.Update(func(st *State) error {
		st.Failures = append(st.Failures, f)
		return nil
	})
}

// ClearFailures removes every failure on demand.
func ClearFailures(dir string) error {
	return Store{Dir: dir}.Update(func(st *State) error {
		st.Failures = nil
		return nil
	})
}

// WriteCredentials writes, in dir, the files the driver needs to reach
// array: auth.conf with its section (hmc1, an empty hmc2, user) and
// ARRAY.pwfile holding a dummy password, both mode 0600 (the driver
// refuses them unless owned by root too). It returns their paths.
func WriteCredentials(dir, array, hmc1, user string) (authConf, pwfile string, err error) {
	authConf = filepath.Join(dir, "auth.conf")
	pwfile = filepath.Join(dir, array+".pwfile")
	conf := fmt.Sprintf("[%s]\ntype = ibmds\nhmc1 = %s\nhmc2 =\nusername = %s\n", array, hmc1, user)
	if err := atomicfile.Write(authConf, []byte(conf), atomicfile.Options{Mode: 0o600}); err != nil {
		return "", "", err
	}
	// The simulator never reads it; real dscli would hold an encrypted
	// password here.
	if err := atomicfile.Write(pwfile, []byte("simulated\n"), atomicfile.Options{Mode: 0o600}); err != nil {
		return "", "", err
	}
	return authConf, pwfile, nil
}
