package tgt

import (
	"context"
	"errors"
	"fmt"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Backend drives a running tgtd through tgtadm.
type Backend struct {
	// Tgtadm is the tgtadm program ("tgtadm" when empty).
	Tgtadm string
	// ControlPort is tgtadm's -C: which tgtd to talk to (0: tgtd's
	// default). tgt 1.0.85 takes 0 to 32767.
	ControlPort int
	Runner      remote.Runner
}

var _ ietd.Backend = (*Backend)(nil)

// liveOptions are the targetconf options tgtd sets on a running target
// with --op update --mode target --name K --value V: the iSCSI session
// keys, checked one by one against tgt 1.0.85 (TestLiveOptions). tgt
// takes digest lists such as "CRC32C,None" as IET does and shows the
// first it offers. IET's target options (Wthreads, QueuedCommands,
// NOPInterval, NOPTimeout) are refused with "invalid request".
var liveOptions = []string{
	"InitialR2T", "ImmediateData", "MaxConnections",
	"MaxRecvDataSegmentLength", "MaxXmitDataSegmentLength",
	"MaxBurstLength", "FirstBurstLength",
	"DefaultTime2Wait", "DefaultTime2Retain", "MaxOutstandingR2T",
	"DataPDUInOrder", "DataSequenceInOrder", "ErrorRecoveryLevel",
	"HeaderDigest", "DataDigest",
	"OFMarker", "IFMarker", "OFMarkInt", "IFMarkInt",
}

// Name implements ietd.Backend.
func (b *Backend) Name() string { return "tgt" }

// Caps implements ietd.Backend: tgt enforces its own ACLs, sets the
// iSCSI session keys live, keeps one namespace of accounts and has no
// discovery CHAP.
func (b *Backend) Caps() ietd.Capabilities {
	opts := make(map[string]bool, len(liveOptions))
	for _, o := range liveOptions {
		opts[o] = true
	}
	return ietd.Capabilities{LiveACL: true, Options: opts, GlobalAccounts: true, NoDiscoveryAuth: true}
}

// Reachable tells whether a tgtd answers tgtadm on the control port
// (0: tgtd's default) through r.
func Reachable(ctx context.Context, r remote.Runner, tgtadm string, controlPort int) bool {
	b := &Backend{Tgtadm: tgtadm, ControlPort: controlPort, Runner: r}
	_, err := b.tgtadm(ctx, argvShowSys())
	return err == nil
}

// tgtadm runs one command and returns its output; a failure is an
// *Error carrying the sentinel tgtadm's answer means. Secrets never
// appear in the error.
func (b *Backend) tgtadm(ctx context.Context, argv []string, secrets ...string) (string, error) {
	prog := b.Tgtadm
	if prog == "" {
		prog = "tgtadm"
	}
	full := append(append([]string{prog}, prefix(b.ControlPort)...), argv...)
	res, err := b.Runner.Run(ctx, remote.Cmd{Argv: full, Secrets: secrets})
	if err != nil {
		return string(res.Stdout), classify(err)
	}
	return string(res.Stdout), nil
}

// State implements ietd.Backend. tgtadm shows users and ACLs with the
// targets, so State fills them in (UsersKnown, ACLKnown).
func (b *Backend) State(ctx context.Context) (*ietd.State, error) {
	out, err := b.tgtadm(ctx, argvShowTargets())
	if err != nil {
		return nil, fmt.Errorf("read tgtd state: %w", err)
	}
	s, err := ParseShow(out)
	if err != nil {
		return nil, fmt.Errorf("read tgtd state: %w", err)
	}
	return s, nil
}

// Details implements ietd.Backend: the options of target tid, as tgtd
// shows them, limited to those it can set (Caps().Options). tgt has no
// discovery accounts, so tid 0 leaves DiscoveryUsersKnown false.
func (b *Backend) Details(ctx context.Context, s *ietd.State, tid int) error {
	if tid == 0 {
		return nil
	}
	caps := b.Caps()
	for i := range s.Targets {
		t := &s.Targets[i]
		if t.TID != tid {
			continue
		}
		out, err := b.tgtadm(ctx, argvShowParams(tid))
		if err != nil {
			return fmt.Errorf("show options of target %s: %w", t.Name, err)
		}
		t.Options = map[string]string{}
		for k, v := range ParseParams(out) {
			if caps.Options[k] {
				t.Options[k] = v
			}
		}
	}
	return nil
}

// AddTarget implements ietd.Backend. tgtd refuses a used tid or name
// alike ("this target already exists"). Unlike IET, tgt compares names
// case-sensitively.
func (b *Backend) AddTarget(ctx context.Context, tid int, iqn string) error {
	if tid <= 0 {
		return fmt.Errorf("add target %s: %w: tid %d (tgt numbers targets from 1)", iqn, ietd.ErrInvalid, tid)
	}
	if _, err := b.tgtadm(ctx, argvNewTarget(tid, iqn)); err != nil {
		return fmt.Errorf("add target %s (tid %d): %w", iqn, tid, err)
	}
	return nil
}

// DeleteTarget implements ietd.Backend: ErrBusy while the target has an
// I_T nexus. The accounts bound to it and to no other target are deleted
// afterwards, as IET deletes a target's accounts with it.
func (b *Backend) DeleteTarget(ctx context.Context, tid int) error {
	s, err := b.State(ctx)
	if err != nil {
		return fmt.Errorf("delete target %d: %w", tid, err)
	}
	if _, err := b.tgtadm(ctx, argvDeleteTarget(tid)); err != nil {
		return fmt.Errorf("delete target %d: %w", tid, err)
	}
	t, ok := targetByTID(s, tid)
	if !ok {
		return nil
	}
	var errs []error
	for _, name := range accountNames(t.Users) {
		if len(bindingsOf(s, name, tid)) > 0 {
			continue
		}
		if _, err := b.tgtadm(ctx, argvDeleteAccount(name)); err != nil && !errors.Is(err, ietd.ErrNotFound) {
			errs = append(errs, fmt.Errorf("delete account %s of deleted target %d: %w", name, tid, err))
		}
	}
	return errors.Join(errs...)
}

// SetOptions implements ietd.Backend, one tgtadm update per option.
func (b *Backend) SetOptions(ctx context.Context, tid int, opts []targetconf.Option) error {
	for _, o := range opts {
		if _, err := b.tgtadm(ctx, argvUpdateParam(tid, o)); err != nil {
			return fmt.Errorf("set option %s=%s of target %d: %w", o.Key, o.Value, tid, err)
		}
	}
	return nil
}

// CloseConnection implements ietd.Backend. A session left without
// connections ends; its initiator may log in again as a new session.
func (b *Backend) CloseConnection(ctx context.Context, tid int, sid uint64, cid uint32) error {
	if _, err := b.tgtadm(ctx, argvDeleteConn(tid, sid, cid)); err != nil {
		return fmt.Errorf("close connection %d of session %d of target %d: %w", cid, sid, tid, err)
	}
	return nil
}

// targetByTID finds a target of s by tid.
func targetByTID(s *ietd.State, tid int) (*ietd.Target, bool) {
	for i := range s.Targets {
		if s.Targets[i].TID == tid {
			return &s.Targets[i], true
		}
	}
	return nil, false
}
