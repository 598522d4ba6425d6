package tgt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// binding is an account bound to a target in one direction.
type binding struct {
	tid int
	dir targetconf.Direction
}

// bindingsOf lists where account name is bound in s, except on target
// skip (-1: nowhere skipped).
func bindingsOf(s *ietd.State, name string, skip int) []binding {
	var out []binding
	for _, t := range s.Targets {
		if t.TID == skip {
			continue
		}
		for _, u := range t.Users {
			if u.Name == name {
				out = append(out, binding{t.TID, u.Dir})
			}
		}
	}
	return out
}

// accountNames lists the distinct names of users, in order.
func accountNames(users []ietd.UserRef) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range users {
		if !seen[u.Name] {
			seen[u.Name] = true
			out = append(out, u.Name)
		}
	}
	return out
}

func checkUser(tid int, dir targetconf.Direction, name string) error {
	if tid == 0 {
		return fmt.Errorf("%w: tgt has no discovery CHAP accounts", ietd.ErrUnsupported)
	}
	if dir != targetconf.Incoming && dir != targetconf.Outgoing {
		return fmt.Errorf("%w: direction %q", ietd.ErrInvalid, dir)
	}
	if name == "" || strings.ContainsAny(name, " \t\n") {
		return fmt.Errorf("%w: account name %q (one word)", ietd.ErrInvalid, name)
	}
	if strings.HasPrefix(name, placeholderPrefix) {
		return fmt.Errorf("%w: account name %q: %s is reserved for ietkit's placeholder accounts", ietd.ErrInvalid, name, placeholderPrefix)
	}
	return nil
}

// AddUser implements ietd.Backend. Accounts are global in tgt, with one
// password each, which tgtd can neither show nor change. So AddUser
// makes sure the account has u's password: an existing account is
// unbound everywhere, deleted, created again and bound again where it
// was (see recreate), and to target tid in u.Dir. An outgoing account
// replaces the target's previous one, which is deleted when no other
// target uses it. tid 0 (discovery) is ErrUnsupported; an unknown tid
// ErrNotFound.
func (b *Backend) AddUser(ctx context.Context, tid int, u targetconf.User) error {
	what := fmt.Sprintf("add %s user %s to target %d", u.Dir, u.Name, tid)
	if err := checkUser(tid, u.Dir, u.Name); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s, err := b.State(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	t, ok := targetByTID(s, tid)
	if !ok {
		return fmt.Errorf("%s: %w: no target %d", what, ietd.ErrNotFound, tid)
	}
	if u.Dir == targetconf.Outgoing {
		for _, r := range append([]ietd.UserRef(nil), t.Users...) {
			if r.Dir == targetconf.Outgoing && r.Name != u.Name {
				if err := b.unbindAndDrop(ctx, s, tid, r); err != nil {
					return fmt.Errorf("%s: replace outgoing user %s: %w", what, r.Name, err)
				}
			}
		}
	}
	keep := bindingsOf(s, u.Name, -1)
	want := keep
	if !slices.Contains(keep, binding{tid, u.Dir}) {
		want = append(slices.Clip(keep), binding{tid, u.Dir})
	}
	pw := u.Secret.Reveal()
	_, err = b.tgtadm(ctx, argvNewAccount(u.Name, pw), pw)
	switch {
	case errors.Is(err, ietd.ErrExists):
		err = b.recreate(ctx, s, u.Name, pw, keep, want)
	case err == nil:
		err = b.bindAll(ctx, s, u.Name, want)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// bindAll binds account name as want says and records it in s.
func (b *Backend) bindAll(ctx context.Context, s *ietd.State, name string, want []binding) error {
	for _, bd := range want {
		if err := b.bind(ctx, s, bd.tid, ietd.UserRef{Dir: bd.dir, Name: name}); err != nil {
			return err
		}
	}
	return nil
}

// recreate replaces account name, bound at keep, by one with password pw
// bound at want. Meanwhile a placeholder account is bound to the targets
// where name was an incoming account, so that none of them is left
// without incoming accounts, which would let initiators in without CHAP.
func (b *Backend) recreate(ctx context.Context, s *ietd.State, name, pw string, keep, want []binding) (err error) {
	hold, err := b.newPlaceholder(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, b.dropPlaceholder(ctx, s, hold)) }()
	for _, bd := range keep {
		if bd.dir == targetconf.Incoming {
			if err := b.bind(ctx, s, bd.tid, ietd.UserRef{Dir: targetconf.Incoming, Name: hold}); err != nil {
				return err
			}
		}
	}
	for _, bd := range keep {
		if err := b.unbind(ctx, s, bd.tid, ietd.UserRef{Dir: bd.dir, Name: name}); err != nil {
			return fmt.Errorf("unbind the account from target %d to replace it: %w", bd.tid, err)
		}
	}
	if _, err := b.tgtadm(ctx, argvDeleteAccount(name)); err != nil && !errors.Is(err, ietd.ErrNotFound) {
		return fmt.Errorf("delete the account to replace it: %w", err)
	}
	if _, err := b.tgtadm(ctx, argvNewAccount(name, pw), pw); err != nil {
		return fmt.Errorf("create it again (it was bound to %s): %w", describe(keep), err)
	}
	return b.bindAll(ctx, s, name, want)
}

func describe(bs []binding) string {
	if len(bs) == 0 {
		return "no target"
	}
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("target %d %s", b.tid, b.dir))
	}
	return strings.Join(parts, ", ")
}

// DeleteUser implements ietd.Backend: it unbinds the account from target
// tid and deletes it once no target uses it. ErrNotFound when it is not
// bound there.
func (b *Backend) DeleteUser(ctx context.Context, tid int, dir targetconf.Direction, name string) error {
	what := fmt.Sprintf("delete %s user %s of target %d", dir, name, tid)
	if err := checkUser(tid, dir, name); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s, err := b.State(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := b.unbindAndDrop(ctx, s, tid, ietd.UserRef{Dir: dir, Name: name}); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// unbindAndDrop unbinds ref from target tid and deletes the account when
// it is bound nowhere else.
func (b *Backend) unbindAndDrop(ctx context.Context, s *ietd.State, tid int, ref ietd.UserRef) error {
	if err := b.unbind(ctx, s, tid, ref); err != nil {
		return err
	}
	if len(bindingsOf(s, ref.Name, -1)) > 0 {
		return nil
	}
	if _, err := b.tgtadm(ctx, argvDeleteAccount(ref.Name)); err != nil && !errors.Is(err, ietd.ErrNotFound) {
		return fmt.Errorf("delete account %s: %w", ref.Name, err)
	}
	return nil
}
