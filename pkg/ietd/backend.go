package ietd

import (
	"context"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Capabilities tell the planner where a daemon differs from IET; the
// zero value describes IET.
type Capabilities struct {
	// LiveACL: the daemon enforces initiator allow lists itself, set with
	// BindInitiators and UnbindInitiators (tgt). Without it, only the
	// initiators.allow file does (IET).
	LiveACL bool
	// Options names the options (targetconf spelling) the daemon can set
	// on a running target; nil means every live option of targetconf.
	Options map[string]bool
	// GlobalAccounts: CHAP accounts are one namespace with one password
	// per name, shared by the targets they are bound to (tgt).
	GlobalAccounts bool
	// NoDiscoveryAuth: discovery sessions cannot have CHAP accounts.
	NoDiscoveryAuth bool
}

// Backend is one target daemon. Methods return errors wrapping ErrNotFound,
// ErrExists, ErrBusy, ErrNotRunning, ErrUnsupported or ErrInvalid where the
// daemon's answer means that, alongside the command's own error.
type Backend interface {
	// Name is the backend's name ("iet", "tgt").
	Name() string
	// Caps says what the daemon can do.
	Caps() Capabilities
	// State reads targets, LUNs and sessions. Options and users are not
	// filled in (see Details). ErrNotRunning when the daemon is not running.
	State(ctx context.Context) (*State, error)
	// Details fills in the options and CHAP users of target t (tid 0:
	// the discovery users of s), leaving them unknown where the daemon
	// cannot show them.
	Details(ctx context.Context, s *State, tid int) error
	// AddTarget creates target iqn with the given tid.
	// ErrExists when the tid or the name is taken.
	AddTarget(ctx context.Context, tid int, iqn string) error
	// DeleteTarget deletes a target and its LUNs. ErrBusy while it has
	// sessions; ErrNotFound when it does not exist.
	DeleteTarget(ctx context.Context, tid int) error
	// SetOptions changes options of a running target; new sessions use them.
	SetOptions(ctx context.Context, tid int, opts []targetconf.Option) error
	// AddUser adds a CHAP account (tid 0: discovery). Adding an outgoing
	// account replaces the previous one.
	AddUser(ctx context.Context, tid int, u targetconf.User) error
	// DeleteUser deletes a CHAP account. ErrNotFound when it does not exist.
	DeleteUser(ctx context.Context, tid int, dir targetconf.Direction, name string) error
	// AddLUN adds a LUN; the daemon reads the device's size now.
	// ErrExists when the number is taken.
	AddLUN(ctx context.Context, tid int, l targetconf.LUN) error
	// DeleteLUN deletes a LUN. IET deletes it even while initiators use
	// it; tgt answers ErrBusy while commands to it are in flight (callers
	// retry). ErrNotFound when it does not exist.
	DeleteLUN(ctx context.Context, tid int, lun int) error
	// CloseConnection closes one connection of a session; a session left
	// without connections ends. ErrNotFound when it is gone already.
	CloseConnection(ctx context.Context, tid int, sid uint64, cid uint32) error
	// BindInitiators lets the ACL entries (see ACLEntries) log in to
	// target tid; UnbindInitiators stops that. Binding an entry that is
	// bound, or unbinding one that is not, succeeds. Only backends with
	// Caps().LiveACL implement them; the others return ErrUnsupported.
	BindInitiators(ctx context.Context, tid int, entries []string) error
	UnbindInitiators(ctx context.Context, tid int, entries []string) error
}

// Observe reads the daemon's state, with details of the targets cfg names
// and of discovery, for planning.
func Observe(ctx context.Context, b Backend, cfg *targetconf.Config) (*State, error) {
	s, err := b.State(ctx)
	if err != nil {
		return nil, err
	}
	s.Sort()
	if err := b.Details(ctx, s, 0); err != nil {
		return nil, err
	}
	for _, t := range cfg.Targets {
		if obs, ok := s.Target(t.IQN); ok {
			if err := b.Details(ctx, s, obs.TID); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}
