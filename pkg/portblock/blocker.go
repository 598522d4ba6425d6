package portblock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-iptables/iptables"
)

// Blocker blocks and unblocks source prefixes on one chain and port,
// journaling every block. It is safe for concurrent use, within a process
// and across processes sharing the journal.
type Blocker struct {
	opts    Options
	log     *slog.Logger
	journal journal

	mu  sync.Mutex // guards ipt
	ipt map[iptables.Protocol]*iptables.IPTables
}

// New returns a Blocker for opts, after checking them: the chain name must
// be one iptables accepts (at most 28 characters of letters, digits, '-',
// '_' and '.', and no built-in name), the port 1 to 65535, and the journal
// path set. It runs nothing: the iptables commands are looked up on first
// use of each address family.
func New(opts Options) (*Blocker, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new port blocker: %w", err)
	}
	return &Blocker{
		opts:    o,
		log:     o.Logger,
		journal: journal{path: o.JournalPath},
		ipt:     make(map[iptables.Protocol]*iptables.IPTables),
	}, nil
}

// Block drops incoming TCP traffic to the port from each prefix. Prefixes
// are masked (10.0.0.1/8 is 10.0.0.0/8); an invalid one fails the call
// before anything changes. Each block is journaled and fsynced before its
// rule is inserted. Blocking a blocked prefix keeps its journal entry and
// makes sure its rule is there.
//
// On error some prefixes may be blocked and others journaled only; the
// caller unblocks them all with Unblock (or Heal), as it must on every
// path out of its work.
func (b *Blocker) Block(ctx context.Context, reason string, ps []netip.Prefix) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("block: %w", err)
	}
	ps, err := normalizeAll(ps)
	if err != nil {
		return fmt.Errorf("block: %w", err)
	}
	if len(ps) == 0 {
		return nil
	}
	// Find both families' commands first, so that a missing ip6tables
	// fails the call before anything is journaled.
	ipts := make(map[netip.Prefix]*iptables.IPTables, len(ps))
	for _, p := range ps {
		ipt, err := b.tables(p)
		if err != nil {
			return fmt.Errorf("block %s: %w", p, err)
		}
		ipts[p] = ipt
	}

	unlock, err := b.journal.lock(ctx)
	if err != nil {
		return fmt.Errorf("block: %w", err)
	}
	defer unlock()

	ready := make(map[*iptables.IPTables]bool)
	for _, p := range ps {
		if ipt := ipts[p]; !ready[ipt] {
			if err := ensureChain(ipt, b.opts.Chain, b.opts.Port); err != nil {
				return fmt.Errorf("block %s: %w", p, err)
			}
			ready[ipt] = true
		}
	}

	if err := b.journalBlocks(reason, ps); err != nil {
		return fmt.Errorf("block %s: %w", joinPrefixes(ps), err)
	}
	for _, p := range ps {
		if b.opts.AfterJournal != nil {
			b.opts.AfterJournal(p)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("block %s: %w", p, err)
		}
		if err := ipts[p].AppendUnique(table, b.opts.Chain, ruleSpec(p)...); err != nil {
			return fmt.Errorf("block %s: %w", p, err)
		}
		b.log.Info("blocked initiator traffic", "prefix", p, "chain", b.opts.Chain, "port", b.opts.Port, "reason", reason)
	}
	return nil
}

// joinPrefixes names prefixes in an error.
func joinPrefixes(ps []netip.Prefix) string {
	ss := make([]string, len(ps))
	for i, p := range ps {
		ss[i] = p.String()
	}
	return strings.Join(ss, ", ")
}

// journalBlocks adds the prefixes not yet journaled to the journal; the
// caller holds the lock.
func (b *Blocker) journalBlocks(reason string, ps []netip.Prefix) error {
	entries, err := b.journal.load()
	if err != nil {
		return err
	}
	have := make(map[key]bool, len(entries))
	for _, e := range entries {
		have[e.key()] = true
	}
	now, pid := time.Now().UTC(), os.Getpid()
	n := len(entries)
	for _, p := range ps {
		e := Block{Prefix: p, Port: b.opts.Port, Chain: b.opts.Chain, Since: now, PID: pid, Reason: reason}
		if !have[e.key()] {
			entries = append(entries, e)
		}
	}
	if len(entries) == n {
		return nil
	}
	return b.journal.save(entries)
}

// Unblock lets each prefix's traffic through again: it deletes the rule
// if present, then drops the journal entry. Unblocking a prefix that is not
// blocked does nothing. Unblock goes on even when ctx is already
// cancelled, since callers run it on their way out of a cancelled
// operation, and it unblocks every valid prefix even when some fail; the
// error joins all failures. A journal that cannot be locked or read does
// not stop it either: the rules are deleted, the journal is left as it is
// (still a superset of the rules) and its error is returned.
func (b *Blocker) Unblock(ctx context.Context, ps []netip.Prefix) error {
	ps, nerr := normalizeAll(ps)
	var errs []error
	if nerr != nil {
		errs = append(errs, fmt.Errorf("unblock: %w", nerr))
	}
	if len(ps) == 0 {
		return errors.Join(errs...)
	}

	// A journal we cannot lock or read must not keep rules in force:
	// delete them anyway, and leave the journal (a superset of the rules
	// still) for Heal once it is repaired.
	var entries []Block
	unlock, jerr := b.journal.lock(context.WithoutCancel(ctx))
	if jerr == nil {
		defer unlock()
		entries, jerr = b.journal.load()
	}
	if jerr != nil {
		errs = append(errs, fmt.Errorf("unblock: %w", jerr))
	}
	journaled := make(map[key]bool, len(entries))
	for _, e := range entries {
		journaled[e.key()] = true
	}
	gone := make(map[key]bool)
	for _, p := range ps {
		ipt, err := b.tables(p)
		if err == nil {
			err = deleteRule(ipt, b.opts.Chain, p)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("unblock %s: %w", p, err))
			continue
		}
		k := key{p, b.opts.Chain, b.opts.Port}
		gone[k] = true
		if journaled[k] || jerr != nil {
			b.log.Info("unblocked initiator traffic", "prefix", p, "chain", b.opts.Chain, "port", b.opts.Port)
		} else {
			b.log.Debug("unblock: prefix was not blocked", "prefix", p, "chain", b.opts.Chain, "port", b.opts.Port)
		}
	}
	if jerr != nil {
		return errors.Join(errs...)
	}
	kept := slices.DeleteFunc(slices.Clone(entries), func(e Block) bool { return gone[e.key()] })
	if len(kept) != len(entries) {
		if err := b.journal.save(kept); err != nil {
			errs = append(errs, fmt.Errorf("unblock: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Heal removes every journaled block, whichever chain and port it names:
// it deletes the rule if present, then drops the entry. It returns the
// blocks it removed. An entry whose rule cannot be deleted stays in the
// journal and its error is returned with the others. Like Unblock, Heal
// goes on even when ctx is already cancelled.
func (b *Blocker) Heal(ctx context.Context) ([]Block, error) {
	unlock, err := b.journal.lock(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("heal: %w", err)
	}
	defer unlock()

	entries, err := b.journal.load()
	if err != nil {
		return nil, fmt.Errorf("heal: %w", err)
	}
	var kept, removed []Block
	var errs []error
	for _, e := range entries {
		ipt, err := b.tables(e.Prefix)
		if err == nil {
			err = deleteRule(ipt, e.Chain, e.Prefix)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("heal %s: %w", e.Prefix, err))
			kept = append(kept, e)
			continue
		}
		removed = append(removed, e)
	}
	if len(removed) > 0 {
		if err := b.journal.save(kept); err != nil {
			return removed, errors.Join(append(errs, fmt.Errorf("heal: %w", err))...)
		}
	}
	for _, e := range removed {
		b.log.Info("healed block: unblocked initiator traffic", "prefix", e.Prefix, "chain", e.Chain, "port", e.Port, "reason", e.Reason, "since", e.Since, "pid", e.PID)
	}
	return removed, errors.Join(errs...)
}

// List returns the journaled blocks, each with Active telling whether its
// rule exists.
func (b *Blocker) List(ctx context.Context) ([]Block, error) {
	unlock, err := b.journal.lock(ctx)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	defer unlock()

	entries, err := b.journal.load()
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	for i, e := range entries {
		ipt, err := b.tables(e.Prefix)
		if err == nil {
			entries[i].Active, err = ruleExists(ipt, e.Chain, e.Prefix)
		}
		if err != nil {
			return nil, fmt.Errorf("list blocks: check %s: %w", e.Prefix, err)
		}
	}
	return entries, nil
}
