package tgt

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
)

// canonicalACL returns an ACL entry in one spelling: ALL, an address, a
// masked network or a lower-case initiator name. tgtd compares entries
// as strings, so "2001:DB8::5" and "2001:db8::5" are two rules to it; an
// entry that is none of these is ErrInvalid (tgtd would take any word).
func canonicalACL(e string) (string, error) {
	e = strings.TrimSpace(e)
	switch {
	case strings.EqualFold(e, ietd.ACLAll):
		return ietd.ACLAll, nil
	case isInitiatorName(e):
		if strings.ContainsAny(e, " \t,") {
			break
		}
		return strings.ToLower(e), nil
	}
	if p, err := netip.ParsePrefix(e); err == nil {
		if p.IsSingleIP() {
			return p.Addr().Unmap().String(), nil
		}
		return p.Masked().String(), nil
	}
	if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
		return a.Unmap().String(), nil
	}
	return "", fmt.Errorf("%w: ACL entry %q is not ALL, an address, a network or an initiator name", ietd.ErrInvalid, e)
}

// BindInitiators implements ietd.Backend: each entry is bound in its
// canonical spelling (see canonicalACL); one bound already counts as
// done.
func (b *Backend) BindInitiators(ctx context.Context, tid int, entries []string) error {
	for _, e := range entries {
		c, err := canonicalACL(e)
		if err != nil {
			return fmt.Errorf("bind initiators to target %d: %w", tid, err)
		}
		if _, err := b.tgtadm(ctx, argvBindACL(true, tid, c)); err != nil && !errors.Is(err, ietd.ErrExists) {
			return fmt.Errorf("bind initiators %s to target %d: %w", c, tid, err)
		}
	}
	return nil
}

// UnbindInitiators implements ietd.Backend: every rule of the target
// that spells one of the entries, however written, is unbound; an entry
// not bound counts as done. ErrNotFound when the target does not exist.
func (b *Backend) UnbindInitiators(ctx context.Context, tid int, entries []string) error {
	want := map[string]bool{}
	for _, e := range entries {
		c, err := canonicalACL(e)
		if err != nil {
			return fmt.Errorf("unbind initiators from target %d: %w", tid, err)
		}
		want[c] = true
	}
	s, err := b.State(ctx)
	if err != nil {
		return fmt.Errorf("unbind initiators from target %d: %w", tid, err)
	}
	t, ok := targetByTID(s, tid)
	if !ok {
		return fmt.Errorf("unbind initiators from target %d: %w: no such target", tid, ietd.ErrNotFound)
	}
	for _, have := range t.ACL {
		c, err := canonicalACL(have)
		if err != nil || !want[c] {
			continue
		}
		if _, err := b.tgtadm(ctx, argvBindACL(false, tid, have)); err != nil && !errors.Is(err, ietd.ErrNotFound) {
			return fmt.Errorf("unbind initiators %s from target %d: %w", have, tid, err)
		}
	}
	return nil
}
