// Package gds simulates the PRIMECLUSTER GDS commands the gdsproxy sync
// driver runs — sdxinfo -V/-S, sdxproxy Part/Rejoin, and sdxvolume -F/-N
// to stop or start a parted proxy — for tests: one multi-call program
// (cmd/gdssim) run under each command's name, with the node's volumes
// in a JSON file under $ARRAYSIM_DIR.
//
// The output layouts are seed 004's (the GDS 4.1 guide's sdxinfo
// samples), with the further columns that guide elides as "..." filled
// in plausibly. A rejoin puts the proxy's slices in COPY for a
// configurable number of sdxinfo -S calls, then STOP. Tests put volumes
// in bad states (missing, INVALID, stuck in COPY) and make commands fail
// with the helpers here.
package gds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"github.com/ietkit/ietkit/internal/simlock"
)

// The files in the state directory.
const (
	StateFile = "gds.json"
	LogFile   = "commands.log"
)

// State is the simulated node: its volumes, how long copies last, and
// the failures asked for.
type State struct {
	Volumes []*Volume `json:"volumes"`
	// CopyPolls is how many sdxinfo -S calls show a rejoined proxy's
	// slices in COPY before they turn STOP.
	CopyPolls int       `json:"copy_polls"`
	Failures  []Failure `json:"failures,omitempty"`
}

// Volume is a GDS volume, master, proxy or neither.
type Volume struct {
	Name   string `json:"name"`
	Class  string `json:"class"`
	Group  string `json:"group"`
	Blocks int64  `json:"blocks"`
	// Master is the master volume of a proxy; "" for other volumes.
	Master string `json:"master,omitempty"`
	// Proxy is Join or Part for a proxy.
	Proxy string `json:"proxy,omitempty"`
	// PJRM is the JRM mode for proxies set by the last Part (on, off).
	PJRM   string  `json:"pjrm,omitempty"`
	Slices []Slice `json:"slices"`
	// Copying is a copy started by a rejoin: each sdxinfo -S shows the
	// COPY slices and counts CopyLeft down; at 0 they turn CopyEnd.
	Copying  bool `json:"copying,omitempty"`
	CopyLeft int  `json:"copy_left,omitempty"`
	// Stuck: a copy to this volume never ends.
	Stuck bool `json:"stuck,omitempty"`
	// CopyEnd is the slices' status when a copy ends; STOP when "".
	CopyEnd string `json:"copy_end,omitempty"`
}

// Slice is a volume's slice on one disk.
type Slice struct {
	Disk   string `json:"disk"`
	Status string `json:"status"`
}

// Failure makes a command fail on demand.
type Failure struct {
	// Command is the command name (sdxproxy, sdxinfo, sdxvolume).
	Command string `json:"command"`
	// Arg, when set, must be one of the arguments (Rejoin, a volume).
	Arg string `json:"arg,omitempty"`
	// Exit is the exit code; 0 prints Message and exits 0 without doing
	// anything, as a command that fails silently would.
	Exit int `json:"exit"`
	// Message is printed as it is, on stderr unless Stdout; use
	// ErrorMessage for GDS's format.
	Message string `json:"message"`
	Stdout  bool   `json:"stdout,omitempty"`
	// Times is how many calls fail; 0 for all of them.
	Times int `json:"times,omitempty"`
}

// ErrorMessage is an error line as sdx commands print it
// ("SDX:sdxproxy: ERROR: Volume2: ..."). The format is from memory of
// the GDS guide's message appendix: none of our sources shows a failing
// sdx command, so message numbers and exact texts are not documented
// here and the texts the simulator uses are made up.
func ErrorMessage(command, text string) string {
	return "SDX:" + command + ": ERROR: " + text
}

// volume returns the volume named name in class, or nil.
func (s *State) volume(class, name string) *Volume {
	for _, v := range s.Volumes {
		if v.Class == class && v.Name == name {
			return v
		}
	}
	return nil
}

// Pair is a master volume and its proxy.
type Pair struct{ Master, Proxy string }

// Pairs returns n pairs named as in seed 004: Volume1:Volume2,
// Volume3:Volume4, ...
func Pairs(n int) []Pair {
	ps := make([]Pair, n)
	for i := range ps {
		ps[i] = Pair{Master: fmt.Sprintf("Volume%d", 2*i+1), Proxy: fmt.Sprintf("Volume%d", 2*i+2)}
	}
	return ps
}

// Set is a group of pairs for Seed.
type Set struct {
	Class string // Class1 when ""
	Pairs []Pair // Pairs(1) when nil
	// Joined proxies are joined and in sync (slices STOP); otherwise
	// they are parted (as after a break) and stopped, ready to rejoin,
	// unless Started.
	Joined  bool
	Started bool
	// MasterGroup (Group1) and ProxyGroup (Group2) hold the masters and
	// the proxies; MasterDisks (2) and ProxyDisks (1, as Disk3 in seed
	// 004) are the slices of each.
	MasterGroup, ProxyGroup string
	MasterDisks, ProxyDisks int
}

// DefaultCopyPolls is the number of sdxinfo -S that show a copy running
// after Seed.
const DefaultCopyPolls = 1

// Seed writes a fresh state to dir holding sets (one default set when
// none is given), with CopyPolls DefaultCopyPolls, and an empty command
// log. Masters are started (slices ACTIVE): the service uses them.
func Seed(dir string, sets ...Set) error {
	if len(sets) == 0 {
		sets = []Set{{}}
	}
	st := &State{CopyPolls: DefaultCopyPolls}
	for _, set := range sets {
		set = set.defaults()
		disks := func(first, n int, status string) []Slice {
			sl := make([]Slice, n)
			for i := range sl {
				sl[i] = Slice{Disk: fmt.Sprintf("Disk%d", first+i), Status: status}
			}
			return sl
		}
		proxy, proxyStatus := "Part", "STOP"
		if set.Joined {
			proxy = "Join"
		} else if set.Started {
			proxyStatus = "ACTIVE"
		}
		for _, p := range set.Pairs {
			if st.volume(set.Class, p.Master) == nil {
				st.Volumes = append(st.Volumes, &Volume{Name: p.Master, Class: set.Class, Group: set.MasterGroup,
					Blocks: 1048576, Slices: disks(1, set.MasterDisks, "ACTIVE")})
			}
			if st.volume(set.Class, p.Proxy) != nil {
				return fmt.Errorf("seed %s: volume %s given twice in class %s", dir, p.Proxy, set.Class)
			}
			st.Volumes = append(st.Volumes, &Volume{Name: p.Proxy, Class: set.Class, Group: set.ProxyGroup,
				Blocks: 1048576, Master: p.Master, Proxy: proxy, PJRM: "off",
				Slices: disks(1+set.MasterDisks, set.ProxyDisks, proxyStatus)})
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return locked(dir, func() error {
		if err := os.WriteFile(filepath.Join(dir, LogFile), nil, 0o644); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		return save(dir, st)
	})
}

func (s Set) defaults() Set {
	if s.Class == "" {
		s.Class = "Class1"
	}
	if s.Pairs == nil {
		s.Pairs = Pairs(1)
	}
	if s.MasterGroup == "" {
		s.MasterGroup = "Group1"
	}
	if s.ProxyGroup == "" {
		s.ProxyGroup = "Group2"
	}
	if s.MasterDisks == 0 {
		s.MasterDisks = 2
	}
	if s.ProxyDisks == 0 {
		s.ProxyDisks = 1
	}
	return s
}

// Load reads the state in dir.
func Load(dir string) (*State, error) {
	var st *State
	err := locked(dir, func() error {
		var err error
		st, err = load(dir)
		return err
	})
	return st, err
}

// Modify changes the state in dir with fn, under the lock the commands
// take.
func Modify(dir string, fn func(*State) error) error {
	return locked(dir, func() error {
		st, err := load(dir)
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
		return save(dir, st)
	})
}

// modifyVolume changes the volume named name (any class) with fn.
func modifyVolume(dir, name string, fn func(*State, *Volume) error) error {
	return Modify(dir, func(st *State) error {
		for _, v := range st.Volumes {
			if v.Name == name {
				return fn(st, v)
			}
		}
		return fmt.Errorf("gdssim: no volume %s", name)
	})
}

// SetSliceStatus sets the status of volume's slice on disk, or of all
// its slices when disk is "". The status stays until a command changes
// it: a COPY set here is a copy that never ends.
func SetSliceStatus(dir, volume, disk, status string) error {
	return modifyVolume(dir, volume, func(_ *State, v *Volume) error {
		found := false
		for i := range v.Slices {
			if disk == "" || v.Slices[i].Disk == disk {
				v.Slices[i].Status = status
				found = true
			}
		}
		if !found {
			return fmt.Errorf("gdssim: volume %s has no slice on %s", volume, disk)
		}
		v.Copying = false
		return nil
	})
}

// RemoveVolume deletes a volume.
func RemoveVolume(dir, name string) error {
	return modifyVolume(dir, name, func(st *State, v *Volume) error {
		st.Volumes = slices.DeleteFunc(st.Volumes, func(x *Volume) bool { return x == v })
		return nil
	})
}

// SetRelation makes proxy the proxy of master in state (Join, Part, or
// anything else to test the parser); master "" makes it a plain volume.
func SetRelation(dir, proxy, master, state string) error {
	return modifyVolume(dir, proxy, func(_ *State, v *Volume) error {
		v.Master, v.Proxy = master, state
		if master == "" {
			v.Proxy = ""
		}
		return nil
	})
}

// Stick makes every copy to proxy, running or to come, never end.
func Stick(dir, proxy string) error {
	return modifyVolume(dir, proxy, func(_ *State, v *Volume) error {
		v.Stuck = true
		return nil
	})
}

// EndCopyWith makes the copies to proxy end with its slices in status
// (INVALID, say) instead of STOP.
func EndCopyWith(dir, proxy, status string) error {
	return modifyVolume(dir, proxy, func(_ *State, v *Volume) error {
		v.CopyEnd = status
		return nil
	})
}

// SetCopyPolls sets how many sdxinfo -S show a copy running.
func SetCopyPolls(dir string, n int) error {
	return Modify(dir, func(st *State) error {
		st.CopyPolls = n
		return nil
	})
}

// AddFailure makes commands matching f fail.
func AddFailure(dir string, f Failure) error {
	return Modify(dir, func(st *State) error {
		st.Failures = append(st.Failures, f)
		return nil
	})
}

func load(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &State{CopyPolls: DefaultCopyPolls}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gdssim: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("gdssim: %s: %w", filepath.Join(dir, StateFile), err)
	}
	return &st, nil
}

func save(dir string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("gdssim: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, StateFile), append(b, '\n'), atomicfile.Options{})
}

// locked runs fn holding the state's lock. The lock is a file of its
// own: the state file is replaced on every write, and a lock on a
// replaced inode would exclude nobody.
func locked(dir string, fn func() error) error {
	return simlock.With(filepath.Join(dir, StateFile+".lock"), fn)
}
