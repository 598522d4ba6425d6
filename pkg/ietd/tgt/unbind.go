package tgt

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// How tgtd 1.0.85 keeps a target's incoming accounts, as measured (see
// TestLiveAccountHole) and read in tgt usr/target.c: an array of account
// ids and a count n. Binding takes the first free place; unbinding clears
// the account's place and decrements n; show and CHAP read the first n
// places. Unbinding an account that is not the last leaves a hole among
// them: the next --op show --mode target dereferences it and crashes
// tgtd, and CHAP no longer finds the accounts after it. Deleting a bound
// account unbinds it the same way. So this backend only ever unbinds the
// last incoming account; to unbind another, it moves the last one into
// its place first (unbindMoving), and it deletes accounts once unbound.
// While there are no holes, the order tgtadm shows is the array's.

// bind binds ref to target tid and records it in s where tgtd puts it:
// at the end of the target's incoming or outgoing accounts. One bound
// already counts as done.
func (b *Backend) bind(ctx context.Context, s *ietd.State, tid int, ref ietd.UserRef) error {
	_, err := b.tgtadm(ctx, argvBindAccount(true, tid, ref.Dir, ref.Name))
	if errors.Is(err, ietd.ErrExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bind %s user %s to target %d: %w", ref.Dir, ref.Name, tid, err)
	}
	if t, ok := targetByTID(s, tid); ok {
		in, out := split(t.Users)
		if ref.Dir == targetconf.Outgoing {
			out = append(out, ref)
		} else {
			in = append(in, ref)
		}
		t.Users = append(in, out...)
	}
	return nil
}

// split returns a target's incoming and outgoing accounts, in order.
func split(users []ietd.UserRef) (in, out []ietd.UserRef) {
	for _, u := range users {
		if u.Dir == targetconf.Outgoing {
			out = append(out, u)
		} else {
			in = append(in, u)
		}
	}
	return in, out
}

// unbind unbinds ref from target tid without leaving a hole and records
// that in s. ErrNotFound when ref is not bound there.
func (b *Backend) unbind(ctx context.Context, s *ietd.State, tid int, ref ietd.UserRef) error {
	t, ok := targetByTID(s, tid)
	if !ok {
		return fmt.Errorf("%w: no target %d", ietd.ErrNotFound, tid)
	}
	in, out := split(t.Users)
	list := in
	if ref.Dir == targetconf.Outgoing {
		list = out
	}
	pos := -1
	for i, u := range list {
		if u == ref {
			pos = i
		}
	}
	if pos < 0 {
		return fmt.Errorf("%w: %s user %s is not bound to target %d", ietd.ErrNotFound, ref.Dir, ref.Name, tid)
	}
	last := len(list) - 1
	if ref.Dir == targetconf.Outgoing || pos == last {
		if _, err := b.tgtadm(ctx, argvBindAccount(false, tid, ref.Dir, ref.Name)); err != nil {
			return fmt.Errorf("unbind %s user %s from target %d: %w", ref.Dir, ref.Name, tid, err)
		}
		list = append(list[:pos], list[pos+1:]...)
	} else {
		if err := b.unbindMoving(ctx, tid, ref.Name, list[last].Name); err != nil {
			return err
		}
		list[pos] = list[last]
		list = list[:last]
	}
	if ref.Dir == targetconf.Outgoing {
		out = list
	} else {
		in = list
	}
	t.Users = append(in, out...)
	return nil
}

// unbindMoving unbinds incoming account name from target tid and moves
// the target's last incoming account, last, into its place: unbound and
// bound again, it takes the first free place, which is name's. A
// placeholder account is bound meanwhile, so that the target is never
// left without incoming accounts, which would let initiators in without
// CHAP. Should a step fail, the accounts are bound back where they were.
func (b *Backend) unbindMoving(ctx context.Context, tid int, name, last string) error {
	run := func(bind bool, user string) error {
		if _, err := b.tgtadm(ctx, argvBindAccount(bind, tid, targetconf.Incoming, user)); err != nil {
			return fmt.Errorf("%s %s: %w", op(bind), user, err)
		}
		return nil
	}
	hold, err := b.newPlaceholder(ctx)
	if err == nil {
		if err = run(true, hold); err != nil {
			err = errors.Join(err, b.deleteAccount(ctx, hold))
		}
	}
	if err != nil {
		return fmt.Errorf("unbind incoming user %s from target %d: %w", name, tid, err)
	}
	if err = run(false, name); err == nil {
		if err = run(false, last); err != nil {
			err = errors.Join(err, run(true, name))
		} else if err = run(true, last); err != nil {
			err = errors.Join(err, run(true, name), run(true, last))
		}
	}
	// The placeholder holds the place after the others now. Deleting it
	// while bound would leave a hole, so it is kept when unbinding fails.
	if uerr := run(false, hold); uerr != nil {
		err = errors.Join(err, uerr)
	} else {
		err = errors.Join(err, b.deleteAccount(ctx, hold))
	}
	if err != nil {
		return fmt.Errorf("unbind incoming user %s from target %d: %w", name, tid, err)
	}
	return nil
}

func (b *Backend) deleteAccount(ctx context.Context, name string) error {
	if _, err := b.tgtadm(ctx, argvDeleteAccount(name)); err != nil {
		return fmt.Errorf("delete account %s: %w", name, err)
	}
	return nil
}

// placeholderPrefix starts the names of the placeholder accounts.
const placeholderPrefix = "ietkit-hold-"

// newPlaceholder creates an account nobody can log in with: a random
// name and password, which is never shown.
func (b *Backend) newPlaceholder(ctx context.Context) (string, error) {
	name, pw := placeholderPrefix+strings.ToLower(rand.Text()[:12]), rand.Text()
	if _, err := b.tgtadm(ctx, argvNewAccount(name, pw), pw); err != nil {
		return "", fmt.Errorf("create placeholder account: %w", err)
	}
	return name, nil
}

// dropPlaceholder unbinds a placeholder account wherever s has it bound
// and deletes it (unless an unbind failed: deleting a bound account
// would leave a hole).
func (b *Backend) dropPlaceholder(ctx context.Context, s *ietd.State, hold string) error {
	var errs []error
	for _, bd := range bindingsOf(s, hold, -1) {
		if err := b.unbind(ctx, s, bd.tid, ietd.UserRef{Dir: bd.dir, Name: hold}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return b.deleteAccount(ctx, hold)
}
