package iet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Backend drives a running ietd.
type Backend struct {
	// Root prefixes /proc/net/iet (tests point it at a simulator's tree).
	Root string
	// Ietadm is the ietadm program ("ietadm" when empty).
	Ietadm string
	Runner remote.Runner
}

var _ ietd.Backend = (*Backend)(nil)

// Name implements ietd.Backend.
func (b *Backend) Name() string { return "iet" }

// Caps implements ietd.Backend: IET is the model, the zero value.
func (b *Backend) Caps() ietd.Capabilities { return ietd.Capabilities{} }

// BindInitiators implements ietd.Backend: IET has no live ACL; its
// initiators.allow file does that job.
func (b *Backend) BindInitiators(ctx context.Context, tid int, entries []string) error {
	return fmt.Errorf("bind initiators: %w: IET reads initiators.allow instead", ietd.ErrUnsupported)
}

// UnbindInitiators implements ietd.Backend, like BindInitiators.
func (b *Backend) UnbindInitiators(ctx context.Context, tid int, entries []string) error {
	return fmt.Errorf("unbind initiators: %w: IET reads initiators.allow instead", ietd.ErrUnsupported)
}

// ProcDir is where IET's files are under root.
func ProcDir(root string) string { return filepath.Join(root, "proc", "net", "iet") }

// Present tells whether IET's /proc files exist under root.
func Present(root string) bool {
	_, err := os.Stat(filepath.Join(ProcDir(root), "volume"))
	return err == nil
}

func (b *Backend) ietadm(ctx context.Context, argv []string, secrets ...string) (string, error) {
	prog := b.Ietadm
	if prog == "" {
		prog = "ietadm"
	}
	res, err := b.Runner.Run(ctx, remote.Cmd{Argv: append([]string{prog}, argv...), Secrets: secrets})
	if err != nil {
		return string(res.Stdout), classify(err)
	}
	return string(res.Stdout), nil
}

// State implements ietd.Backend.
func (b *Backend) State(ctx context.Context) (*ietd.State, error) {
	dir := ProcDir(b.Root)
	vf, err := os.Open(filepath.Join(dir, "volume"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist (is the iscsi_trgt module loaded and ietd started?)", ietd.ErrNotRunning, filepath.Join(dir, "volume"))
	}
	if err != nil {
		return nil, fmt.Errorf("read ietd state: %w", err)
	}
	defer vf.Close()
	vol, err := ParseVolume(vf, vf.Name())
	if err != nil {
		return nil, fmt.Errorf("read ietd state: %w", err)
	}
	sf, err := os.Open(filepath.Join(dir, "session"))
	if err != nil {
		return nil, fmt.Errorf("read ietd state: %w", err)
	}
	defer sf.Close()
	sess, err := ParseSession(sf, sf.Name())
	if err != nil {
		return nil, fmt.Errorf("read ietd state: %w", err)
	}
	return Merge(vol, sess), nil
}

// Details implements ietd.Backend. IET before 1.4.20 shows neither
// options nor accounts; they are then left unknown.
func (b *Backend) Details(ctx context.Context, s *ietd.State, tid int) error {
	users, known, err := b.users(ctx, tid)
	if err != nil {
		return err
	}
	if tid == 0 {
		s.DiscoveryUsers, s.DiscoveryUsersKnown = users, known
		return nil
	}
	for i := range s.Targets {
		t := &s.Targets[i]
		if t.TID != tid {
			continue
		}
		t.Users, t.UsersKnown = users, known
		out, err := b.ietadm(ctx, argvShowTarget(tid))
		switch {
		case errors.Is(err, ietd.ErrInvalid) || errors.Is(err, ietd.ErrUnsupported):
		case err != nil:
			return fmt.Errorf("show options of target %s: %w", t.Name, err)
		default:
			t.Options = ParseShowTarget(out)
		}
	}
	return nil
}

func (b *Backend) users(ctx context.Context, tid int) ([]ietd.UserRef, bool, error) {
	out, err := b.ietadm(ctx, argvShowUsers(tid))
	if errors.Is(err, ietd.ErrInvalid) || errors.Is(err, ietd.ErrUnsupported) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("show accounts of tid %d: %w", tid, err)
	}
	users, err := ParseShowUsers(out)
	if err != nil {
		return nil, false, fmt.Errorf("show accounts of tid %d: %w", tid, err)
	}
	return users, true, nil
}

// AddTarget implements ietd.Backend. ietd answers a duplicate name with
// EINVAL; that is reported as ErrExists.
func (b *Backend) AddTarget(ctx context.Context, tid int, iqn string) error {
	_, err := b.ietadm(ctx, argvNewTarget(tid, iqn))
	if errors.Is(err, ietd.ErrInvalid) {
		if s, serr := b.State(ctx); serr == nil {
			if _, ok := s.Target(iqn); ok {
				return errors.Join(ietd.ErrExists, err)
			}
		}
	}
	return err
}

// DeleteTarget implements ietd.Backend.
func (b *Backend) DeleteTarget(ctx context.Context, tid int) error {
	_, err := b.ietadm(ctx, argvDeleteTarget(tid))
	return err
}

// SetOptions implements ietd.Backend.
func (b *Backend) SetOptions(ctx context.Context, tid int, opts []targetconf.Option) error {
	if len(opts) == 0 {
		return nil
	}
	_, err := b.ietadm(ctx, argvUpdateTarget(tid, opts))
	return err
}

// AddUser implements ietd.Backend.
func (b *Backend) AddUser(ctx context.Context, tid int, u targetconf.User) error {
	_, err := b.ietadm(ctx, argvNewUser(tid, u), u.Secret.Reveal())
	return err
}

// DeleteUser implements ietd.Backend.
func (b *Backend) DeleteUser(ctx context.Context, tid int, dir targetconf.Direction, name string) error {
	_, err := b.ietadm(ctx, argvDeleteUser(tid, dir, name))
	return err
}

// AddLUN implements ietd.Backend.
func (b *Backend) AddLUN(ctx context.Context, tid int, l targetconf.LUN) error {
	_, err := b.ietadm(ctx, argvNewLUN(tid, l))
	return err
}

// DeleteLUN implements ietd.Backend.
func (b *Backend) DeleteLUN(ctx context.Context, tid int, lun int) error {
	_, err := b.ietadm(ctx, argvDeleteLUN(tid, lun))
	return err
}

// CloseConnection implements ietd.Backend.
func (b *Backend) CloseConnection(ctx context.Context, tid int, sid uint64, cid uint32) error {
	_, err := b.ietadm(ctx, argvDeleteConn(tid, sid, cid))
	return err
}
