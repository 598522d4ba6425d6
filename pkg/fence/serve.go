package fence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Exit codes of the proxy and the client, as fence agents define them for
// status (0 on, 1 failure or unreachable, 2 off); other actions use 0
// and 1.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitOff    = 2
)

// Recorder takes audit records.
type Recorder interface{ Record(AuditRecord) }

// Proxy is the forced command's side: one request, checked and carried
// out.
type Proxy struct {
	Config *Config
	// Identity is what sshd and the forced command say about the caller.
	Identity Identity
	// From is the client's address (SSH_CONNECTION), for the audit.
	From string
	// Lockout counts refusals; nil turns it off.
	Lockout *Lockout
	// Dial opens one PDU.
	Dial func(context.Context, PDUConfig) (Outlets, error)
	// DryRun prints the SNMP sets instead of sending them.
	DryRun bool
	Audit  Recorder
	// Stdout gets results, Stderr refusals and failures: both go back to
	// the caller through ssh.
	Stdout, Stderr io.Writer
	Log            *slog.Logger
}

// Serve handles one request: line is SSH_ORIGINAL_COMMAND and ok whether
// sshd set it (it does not for an interactive login). It returns the exit
// code. Every outcome is audited; the token never is.
func (p *Proxy) Serve(ctx context.Context, line string, ok bool) int {
	start := time.Now()
	rec := AuditRecord{From: p.From, Node: p.Identity.Node}
	refuse := func(key string, err error) int {
		rec.Result, rec.Reason = "refused", strings.TrimPrefix(err.Error(), "not allowed: ")
		p.Audit.Record(rec)
		if p.Lockout != nil && !errors.Is(err, ErrLockedOut) {
			if lerr := p.Lockout.Failure(key); lerr != nil {
				p.warn("cannot record the refusal for the lock-out", "err", lerr)
			}
		}
		fmt.Fprintf(p.Stderr, "stonith-proxy: refused: %s\n", rec.Reason)
		return ExitFailed
	}

	caller, idErr := p.Config.IdentifyCaller(p.Identity)
	key := "caller:" + caller
	switch {
	case idErr != nil && len(p.Identity.Keys) > 0:
		key = "key:" + p.Identity.Keys[0]
	case idErr != nil:
		key = "unknown"
	}
	rec.Caller = caller
	if p.Lockout != nil {
		if err := p.Lockout.Check(key); err != nil {
			if !errors.Is(err, ErrLockedOut) {
				// The lock-out is a brake on guessing, not the guard: the
				// token still is. Do not let a full disk stop a fence.
				p.warn("cannot read the lock-out state; going on without it", "err", err)
			} else {
				return refuse(key, err)
			}
		}
	}
	if !ok {
		return refuse(key, badRequest("no command: this key only runs stonith-proxy; send ACTION [NODE] TOKEN"))
	}
	req, err := ParseRequest(line)
	if err != nil {
		return refuse(key, err)
	}
	rec.Action = string(req.Action)
	if idErr != nil {
		return refuse(key, idErr)
	}
	d, err := p.Config.Authorize(caller, p.Identity.Node, req)
	if err != nil {
		return refuse(key, err)
	}
	if p.Lockout != nil {
		if err := p.Lockout.Success(key); err != nil {
			p.warn("cannot reset the lock-out count", "err", err)
		}
	}
	rec.Outlets = d.Outlets

	code, result, reason := p.carryOut(ctx, d)
	rec.Result, rec.Reason, rec.Duration = result, reason, time.Since(start)
	p.Audit.Record(rec)
	return code
}

// carryOut does an allowed request and returns the exit code, the audit
// result and its reason.
func (p *Proxy) carryOut(ctx context.Context, d Decision) (int, string, string) {
	cfg := p.Config
	if p.DryRun {
		steps, err := cfg.Plan(d.Node, d.Action)
		if err != nil {
			return p.fail(d, err)
		}
		fmt.Fprintf(p.Stdout, "dry run: %s %s would do:\n", d.Action, d.Node)
		for _, s := range steps {
			fmt.Fprintf(p.Stdout, "  %s\n", s)
		}
		if d.Action == ActionStatus {
			fmt.Fprintf(p.Stdout, "  read %d outlets\n", len(d.Outlets))
		}
		return ExitOK, "dry-run", ""
	}
	opened, failed := cfg.OpenPDUs(ctx, d.Node, p.Dial)
	defer ClosePDUs(opened)
	for name, err := range failed {
		p.warn("PDU unreachable", "pdu", name, "err", err)
	}
	pw := &Power{
		PDUs: opened, Unreachable: failed,
		ConfirmTimeout: cfg.ConfirmTimeout, ConfirmInterval: cfg.ConfirmInterval,
		RebootDelay: cfg.RebootDelay, Log: p.Log,
	}
	switch d.Action {
	case ActionStatus:
		states, _ := pw.Status(ctx, d.Outlets)
		p.printStates(states)
		switch Summarize(states) {
		case AllOn:
			fmt.Fprintf(p.Stdout, "%s: on\n", d.Node)
			return ExitOK, "ok", "on"
		case AllOff:
			fmt.Fprintf(p.Stdout, "%s: off\n", d.Node)
			return ExitOff, "ok", "off"
		}
		err := firstErr(states)
		if err == nil {
			err = errors.New("some outlets are on and some off")
		}
		return p.fail(d, err)
	case ActionOff, ActionOn:
		var states []OutletState
		var err error
		if d.Action == ActionOff {
			states, err = pw.Off(ctx, d.Outlets)
		} else {
			states, err = pw.On(ctx, d.Outlets)
		}
		p.printStates(states)
		if err != nil {
			return p.fail(d, err)
		}
		fmt.Fprintf(p.Stdout, "%s: %s, confirmed on %d outlets\n", d.Node, d.Action, len(d.Outlets))
		return ExitOK, "ok", ""
	case ActionReboot:
		res, err := pw.Reboot(ctx, d.Outlets)
		p.printStates(res.Off)
		if err != nil {
			return p.fail(d, err)
		}
		p.printStates(res.On)
		if res.OnErr != nil {
			fmt.Fprintf(p.Stderr, "stonith-proxy: warning: %s was confirmed off but did not come back on: %v\n", d.Node, res.OnErr)
			return ExitOK, "ok", "off confirmed; power on failed: " + res.OnErr.Error()
		}
		fmt.Fprintf(p.Stdout, "%s: rebooted, off and on confirmed on %d outlets\n", d.Node, len(d.Outlets))
		return ExitOK, "ok", ""
	}
	return p.fail(d, fmt.Errorf("unknown action %q", d.Action))
}

func (p *Proxy) fail(d Decision, err error) (int, string, string) {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintf(p.Stderr, "stonith-proxy: FAILED: %s %s: %s\n", d.Action, d.Node, msg)
	return ExitFailed, "failed", msg
}

func (p *Proxy) printStates(states []OutletState) {
	for _, s := range states {
		if s.Err != nil {
			fmt.Fprintf(p.Stdout, "outlet %s: unknown (%v)\n", s.OutletRef, s.Err)
			continue
		}
		fmt.Fprintf(p.Stdout, "outlet %s: %s\n", s.OutletRef, s.State)
	}
}

func (p *Proxy) warn(msg string, args ...any) {
	if p.Log != nil {
		p.Log.Warn(msg, args...)
	}
}
