package necism

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"github.com/ietkit/ietkit/internal/simlock"
)

// Files of the state directory.
const (
	StateFile = "necism.json"
	LogFile   = "commands.log"
	lockFile  = "necism.lock"
)

// Snap States the simulator gives SVs itself. Tests may set any other
// (snap/deleting, snap/fault, ...) with SetSVState.
const (
	SnapActive      = "snap/active"
	SnapNonexistent = "snap/nonexistent"
)

// State is what the array holds.
type State struct {
	BVs      []*BV     `json:"bvs"`
	LVs      []*LV     `json:"lvs"`
	Failures []Failure `json:"failures,omitempty"`
}

// BV is a base volume and its snapshot volumes.
type BV struct {
	Name    string `json:"name"`
	Type    string `json:"type"` // OS type: LX, WN, ...
	Special string `json:"special"`
	SVs     []*SV  `json:"svs"`
}

// SV is a snapshot volume.
type SV struct {
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Generation int       `json:"generation"`
	State      string    `json:"state"`
	Time       time.Time `json:"time,omitzero"` // when the snapshot was taken
	Size       string    `json:"size"`          // Snapshot Data Size, as printed
	// Settle is how many more queries of the BV show a transient State
	// before it becomes snap/active; 0 leaves it as it is (stuck).
	Settle int `json:"settle,omitempty"`
}

// LV is a link volume; SV is the SV it is linked to, "" when unlinked.
type LV struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Special string `json:"special,omitempty"` // no Special File line when ""
	Access  string `json:"access"`
	SV      string `json:"sv,omitempty"`
}

// Failure makes a command fail on demand.
type Failure struct {
	Command string `json:"command"`
	// Arg, when set, must be one of the command's arguments.
	Arg string `json:"arg,omitempty"`
	// Code is the exit code. 0 makes the command exit 0 having printed
	// only Message and done nothing: a run without its success message.
	Code int `json:"code"`
	// Message is printed instead of the default iSM error.
	Message string `json:"message,omitempty"`
	// Stdout prints Message on stdout rather than stderr.
	Stdout bool `json:"stdout,omitempty"`
	// Times is how many invocations fail before the failure is dropped;
	// 0 means every invocation.
	Times int `json:"times,omitempty"`
}

func (s *State) bv(name string) *BV {
	for _, b := range s.BVs {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// sv finds an SV on any BV.
func (s *State) sv(name string) (*BV, *SV) {
	for _, b := range s.BVs {
		for _, v := range b.SVs {
			if v.Name == name {
				return b, v
			}
		}
	}
	return nil, nil
}

func (s *State) lv(name string) *LV {
	for _, l := range s.LVs {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// linkedTo is the LV linked to sv, nil when none.
func (s *State) linkedTo(sv string) *LV {
	for _, l := range s.LVs {
		if l.SV == sv {
			return l
		}
	}
	return nil
}

func transient(state string) bool { return strings.HasSuffix(state, "ing") }

// locked runs fn with the state directory's lock held.
func locked(dir string, fn func() error) error {
	if dir == "" {
		return errors.New("no state directory: set ARRAYSIM_DIR")
	}
	return simlock.With(filepath.Join(dir, lockFile), fn)
}

func load(dir string) (*State, []byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &State{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, nil, fmt.Errorf("read state %s: %w", filepath.Join(dir, StateFile), err)
	}
	return &s, b, nil
}

// save writes s unless it is unchanged from old.
func save(dir string, s *State, old []byte) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if bytes.Equal(b, old) {
		return nil
	}
	return atomicfile.Write(filepath.Join(dir, StateFile), b, atomicfile.Options{})
}

// Read returns the state in dir.
func Read(dir string) (*State, error) {
	var s *State
	err := locked(dir, func() error {
		var err error
		s, _, err = load(dir)
		return err
	})
	return s, err
}

// Update changes the state in dir with fn, under the lock, so that it
// interleaves safely with simulated commands.
func Update(dir string, fn func(*State) error) error {
	return locked(dir, func() error {
		s, old, err := load(dir)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
		return save(dir, s, old)
	})
}
