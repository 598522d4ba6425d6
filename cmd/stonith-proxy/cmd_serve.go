package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/fence"
	"github.com/urfave/cli/v2"
)

type serveOptions struct {
	node, caller     string
	config, auditLog string
	dryRun           bool
}

func newServeCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "The forced command on the proxy host: carry out one caller's request",
		ArgsUsage: " ",
		Description: describe(`
Runs as the command= of an authorized_keys entry and reads the caller's
request from SSH_ORIGINAL_COMMAND, never through a shell:

   TOKEN | off TOKEN | on TOKEN | reboot TOKEN | status TOKEN
   (or ACTION NODE TOKEN, where NODE must be --node)

The caller is --caller, or the one configured caller whose key= matches the
session's key (sshd's ExposeAuthInfo). The request is carried out only if
that caller may fence --node and the token matches its hash; anything else
is refused with a one-line reason, and repeated refusals lock the caller out
for a while. off, on and reboot switch every outlet of the node and read them
back until all confirm. Every action and refusal is audited to syslog
(facility auth) or --audit-log, with caller, node, action, outlets and
result, never the token.

EXAMPLES:
   # ~stonith/.ssh/authorized_keys on the proxy host (one line):
   from="198.51.100.2",restrict,command="/usr/local/bin/stonith-proxy serve --node node1 --caller node2" ssh-ed25519 AAAA... node2`),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "node", Usage: "the node this key may fence (required)"},
			&cli.StringFlag{Name: "caller", Usage: "the configured caller this key belongs to (default: found by the session's key, with ExposeAuthInfo yes)"},
			configFlag(),
			&cli.StringFlag{Name: "audit-log", Usage: "append audit lines to this file instead of syslog"},
			&cli.BoolFlag{Name: "dry-run", Usage: "check the request, then print the SNMP sets instead of sending them"},
		},
		OnUsageError: subcommandUsage("serve"),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			o := serveOptions{node: c.String("node"), caller: c.String("caller"), config: c.String("config"),
				auditLog: c.String("audit-log"), dryRun: c.Bool("dry-run")}
			if o.node == "" {
				return usagef("serve: --node is required: the node this key may fence")
			}
			return runServe(c.Context, g, o)
		},
	}
}

func runServe(ctx context.Context, g *globals, o serveOptions) error {
	audit, err := fence.OpenAudit(o.auditLog, g.stderr)
	var rec fence.Recorder = audit
	if err != nil {
		// No audit trail is no reason to leave a node unfenced: the lines
		// go to the caller (and so to its cluster log) instead.
		g.log.Warn("audit trail unavailable; audit lines go to stderr", "err", err)
		rec = stderrAudit{g}
	} else {
		defer audit.Close()
	}
	from := g.getenv("SSH_CONNECTION")
	if f := strings.Fields(from); len(f) >= 2 {
		from = f[0] + ":" + f[1]
	}
	cfg, err := fence.LoadConfig(o.config)
	if err != nil {
		rec.Record(fence.AuditRecord{Caller: o.caller, From: from, Node: o.node, Result: "failed", Reason: oneLine(err)})
		return err
	}
	id := fence.Identity{Caller: o.caller, Node: o.node}
	if p := g.getenv("SSH_USER_AUTH"); p != "" {
		if id.Keys, err = fence.KeysFromUserAuth(p); err != nil {
			g.log.Warn("cannot read the session's keys", "err", err)
		}
	}
	lockout := &fence.Lockout{Dir: cfg.StateDir, MaxFailures: cfg.LockoutFailures, CoolDown: cfg.LockoutTime}
	// Bound the whole request: a reboot's two confirmations and delay,
	// plus the PDUs' own retries.
	ctx, cancel := context.WithTimeout(ctx, 2*cfg.ConfirmTimeout+cfg.RebootDelay+time.Minute)
	defer cancel()
	p := &fence.Proxy{
		Config: cfg, Identity: id, From: from, Lockout: lockout, DryRun: o.dryRun,
		Dial: func(ctx context.Context, pc fence.PDUConfig) (fence.Outlets, error) {
			return fence.DialPDU(ctx, pc, func(pdu string, attempt int, err error, wait time.Duration) {
				g.log.Warn("SNMP request failed; retrying", "pdu", pdu, "attempt", attempt, "err", err, "wait", wait)
			})
		},
		Audit: rec, Stdout: g.stdout, Stderr: g.stderr, Log: g.log,
	}
	line, ok := g.lookupEnv("SSH_ORIGINAL_COMMAND")
	if code := p.Serve(ctx, line, ok); code != fence.ExitOK {
		return exitStatus(code)
	}
	return nil
}

type stderrAudit struct{ g *globals }

func (s stderrAudit) Record(r fence.AuditRecord) {
	fmt.Fprintf(s.g.stderr, "stonith-proxy: audit: %s\n", r)
}
