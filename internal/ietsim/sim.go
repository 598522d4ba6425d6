package ietsim

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
)

// Sim is a test's handle on a simulated ietd. It holds no state of its
// own that matters: every method loads the state directory under its lock,
// so a Sim and fake-ietadm processes can be used in any interleaving.
type Sim struct {
	dir, root, version string

	mu   sync.Mutex
	last *State // the state as last loaded, for Targets' fallback
}

// Open opens the simulator state in stateDir, creating an empty one if
// there is none, records version as the release simulated ("" keeps the
// recorded one, DefaultVersion for a new state) and renders
// root/proc/net/iet.
func Open(stateDir, root, version string) (*Sim, error) {
	if version != "" {
		if _, err := ParseVersion(version); err != nil {
			return nil, fmt.Errorf("open simulator: %w", err)
		}
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, fmt.Errorf("open simulator: %w", err)
	}
	s := &Sim{dir: stateDir, root: root, version: version}
	if err := s.update(func(st *State) error {
		if version != "" {
			st.Version = version
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("open simulator: %w", err)
	}
	return s, nil
}

// update loads the state under the lock, applies fn and, if fn succeeds,
// saves the state and re-renders /proc.
func (s *Sim) update(fn func(*State) error) error {
	unlock, err := lockDir(s.dir)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := loadState(s.dir)
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	if err := saveState(s.dir, s.root, st); err != nil {
		return err
	}
	s.remember(st)
	return nil
}

func (s *Sim) remember(st *State) {
	s.mu.Lock()
	s.last = st.clone()
	s.mu.Unlock()
}

// Dir returns the state directory and Root the root of proc/net/iet.
func (s *Sim) Dir() string  { return s.dir }
func (s *Sim) Root() string { return s.root }

// Save writes the current state back and re-renders /proc/net/iet, which
// repairs the proc files if something removed them. Every other method
// already saves; Save exists for tests that want to force a re-render.
func (s *Sim) Save() error {
	if err := s.update(func(*State) error { return nil }); err != nil {
		return fmt.Errorf("save simulator: %w", err)
	}
	return nil
}

// State returns a copy of the current state.
func (s *Sim) State() (*State, error) {
	unlock, err := lockDir(s.dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, err := loadState(s.dir)
	if err != nil {
		return nil, err
	}
	s.remember(st)
	return st, nil
}

// Targets returns a copy of the current targets. Should the state be
// unreadable it returns the targets as last read.
func (s *Sim) Targets() []Target {
	if st, err := s.State(); err == nil {
		return st.Targets
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		return nil
	}
	return s.last.clone().Targets
}

// AddSession simulates an initiator logging in to target tid with the
// given connections (none is allowed: a session whose connection dropped).
// It fails with ENOENT for an unknown target and EEXIST for a sid in use.
func (s *Sim) AddSession(tid uint32, sid uint64, initiator string, conns ...Conn) error {
	return s.update(func(st *State) error { return st.addSession(tid, sid, initiator, conns) })
}

// RemoveSession simulates an initiator logging out; ENOENT if there is no
// such session.
func (s *Sim) RemoveSession(tid uint32, sid uint64) error {
	return s.update(func(st *State) error { return st.removeSession(tid, sid) })
}

// SetRunning starts or stops the simulated ietd. While stopped, the proc
// files are absent and every request fails with ECONNREFUSED; the targets
// are kept for when it runs again.
func (s *Sim) SetRunning(running bool) error {
	return s.update(func(st *State) error {
		st.Stopped = !running
		return nil
	})
}

// Env returns the environment variables that point fake-ietadm at this
// simulator (IETSIM_DIR, IETSIM_ROOT and, if Open was given one,
// IETSIM_VERSION).
func (s *Sim) Env() []string {
	env := []string{EnvDir + "=" + s.dir, EnvRoot + "=" + s.root}
	if s.version != "" {
		env = append(env, EnvVersion+"="+s.version)
	}
	return env
}

// Run runs one ietadm invocation in-process, without hooks or injected
// failures, and returns what it printed and its exit status.
func (s *Sim) Run(ctx context.Context, args ...string) (stdout, stderr string, exit int) {
	var out, errOut strings.Builder
	exit = Exec(ctx, Config{Dir: s.dir, Root: s.root}, args, &out, &errOut)
	return out.String(), errOut.String(), exit
}
