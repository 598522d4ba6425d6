package fence

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type auditLog struct{ recs []AuditRecord }

func (a *auditLog) Record(r AuditRecord) { a.recs = append(a.recs, r) }

type serveEnv struct {
	proxy          *Proxy
	a, b           *fakePDU
	audit          *auditLog
	stdout, stderr *bytes.Buffer
}

func newServeEnv(t *testing.T, id Identity) *serveEnv {
	t.Helper()
	c := mustConfig(t, sampleConfig())
	c.ConfirmTimeout, c.ConfirmInterval, c.RebootDelay = 200*time.Millisecond, 5*time.Millisecond, time.Millisecond
	e := &serveEnv{a: newFakePDU("pdu-a", 3, 4), b: newFakePDU("pdu-b", 3, 4), audit: &auditLog{},
		stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	e.proxy = &Proxy{
		Config: c, Identity: id, From: "198.51.100.2 40000",
		Lockout: &Lockout{Dir: filepath.Join(t.TempDir(), "state"), MaxFailures: 3, CoolDown: time.Minute},
		Dial: func(_ context.Context, pc PDUConfig) (Outlets, error) {
			switch pc.Name {
			case "pdu-a":
				return e.a, nil
			case "pdu-b":
				return e.b, nil
			}
			return nil, fmt.Errorf("no pdu %s", pc.Name)
		},
		Audit: e.audit, Stdout: e.stdout, Stderr: e.stderr,
	}
	return e
}

func (e *serveEnv) serve(line string) int {
	e.stdout.Reset()
	e.stderr.Reset()
	return e.proxy.Serve(context.Background(), line, true)
}

func TestServeOffStatusOn(t *testing.T) {
	e := newServeEnv(t, Identity{Caller: "node2", Node: "node1"})
	if code := e.serve("off node1 " + testToken); code != ExitOK {
		t.Fatalf("off: exit %d, stderr %q", code, e.stderr)
	}
	if e.a.state[3] != StateOff || e.b.state[3] != StateOff {
		t.Fatal("off: outlets not off")
	}
	if !strings.Contains(e.stdout.String(), "node1: off, confirmed on 2 outlets") {
		t.Errorf("off: stdout %q", e.stdout)
	}
	if code := e.serve("status " + testToken); code != ExitOff {
		t.Errorf("status of an off node: exit %d, want 2", code)
	}
	if diff := cmp.Diff("outlet pdu-a:3: off\noutlet pdu-b:3: off\nnode1: off\n", e.stdout.String()); diff != "" {
		t.Errorf("status output (-want +got):\n%s", diff)
	}
	if code := e.serve("on " + testToken); code != ExitOK {
		t.Fatalf("on: exit %d, stderr %q", code, e.stderr)
	}
	if code := e.serve("status " + testToken); code != ExitOK {
		t.Errorf("status of an on node: exit %d, want 0", code)
	}
	e.b.state[3] = StateOff
	if code := e.serve("status " + testToken); code != ExitFailed {
		t.Errorf("status, mixed: exit %d, want 1", code)
	}
	if code := e.serve(testToken); code != ExitOK || e.a.state[3] != StateOff {
		t.Errorf("bare token: exit %d, outlet %s; want off", code, e.a.state[3])
	}
	var got []string
	for _, r := range e.audit.recs {
		got = append(got, r.String())
	}
	want := []string{
		`caller=node2 from="198.51.100.2 40000" node=node1 action=off outlets=pdu-a:3,pdu-b:3 result=ok`,
		`caller=node2 from="198.51.100.2 40000" node=node1 action=status outlets=pdu-a:3,pdu-b:3 result=ok reason=off`,
		`caller=node2 from="198.51.100.2 40000" node=node1 action=on outlets=pdu-a:3,pdu-b:3 result=ok`,
		`caller=node2 from="198.51.100.2 40000" node=node1 action=status outlets=pdu-a:3,pdu-b:3 result=ok reason=on`,
		`caller=node2 from="198.51.100.2 40000" node=node1 action=status outlets=pdu-a:3,pdu-b:3 result=failed reason="some outlets are on and some off"`,
		`caller=node2 from="198.51.100.2 40000" node=node1 action=off outlets=pdu-a:3,pdu-b:3 result=ok`,
	}
	for i := range got {
		// Durations vary; the rest must not.
		if j := strings.Index(got[i], " duration="); j >= 0 {
			k := strings.IndexByte(got[i][j+1:], ' ')
			if k < 0 {
				got[i] = got[i][:j]
			} else {
				got[i] = got[i][:j] + got[i][j+1+k:]
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestServeRefusals(t *testing.T) {
	tests := []struct {
		name     string
		id       Identity
		line     string
		unset    bool
		wantWhy  string
		wantCode int
	}{
		{name: "wrong token", line: "off " + strings.Repeat("x", 20), wantWhy: "wrong token for caller node2"},
		{name: "other node", line: "off node2 " + testToken, wantWhy: "but this key may fence only node1"},
		{name: "forced node not allowed", id: Identity{Caller: "node2", Node: "node2"}, line: "off " + testToken, wantWhy: "caller node2 may not fence node node2"},
		{name: "chained", line: "off " + testToken + "; reboot", wantWhy: "not a node name"},
		{name: "substitution", line: "off $(reboot)xxxxxxxxxxxx", wantWhy: "not allowed"},
		{name: "empty", line: "", wantWhy: "empty command"},
		{name: "interactive", unset: true, wantWhy: "no command"},
		{name: "64 KiB", line: strings.Repeat("A", 64<<10), wantWhy: "more than the 512 allowed"},
		{name: "unknown caller", id: Identity{Caller: "nobody", Node: "node1"}, line: "off " + testToken, wantWhy: `caller "nobody" is not configured`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.id
			if id.Caller == "" && id.Node == "" {
				id = Identity{Caller: "node2", Node: "node1"}
			}
			e := newServeEnv(t, id)
			code := e.proxy.Serve(context.Background(), tt.line, !tt.unset)
			if code != ExitFailed {
				t.Fatalf("exit %d, want 1", code)
			}
			msg := e.stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "refused: ") || !strings.Contains(msg, tt.wantWhy) {
				t.Errorf("stderr %q, want one line with %q", msg, tt.wantWhy)
			}
			if len(e.audit.recs) != 1 || e.audit.recs[0].Result != "refused" || !strings.Contains(e.audit.recs[0].Reason, tt.wantWhy) {
				t.Errorf("audit %+v", e.audit.recs)
			}
			if strings.Contains(e.audit.recs[0].String(), testToken) || strings.Contains(msg, testToken) {
				t.Error("the token was shown")
			}
			if len(e.a.setCalls())+len(e.b.setCalls()) != 0 {
				t.Error("a refused request switched outlets")
			}
		})
	}
}

func TestServeLockout(t *testing.T) {
	e := newServeEnv(t, Identity{Caller: "node2", Node: "node1"})
	for i := 0; i < 3; i++ {
		if code := e.serve("off wrongwrongwrongwrong"); code != ExitFailed {
			t.Fatalf("attempt %d: exit %d", i, code)
		}
	}
	if code := e.serve("off " + testToken); code != ExitFailed || !strings.Contains(e.stderr.String(), "locked out: 3 refused requests from caller:node2") {
		t.Fatalf("right token while locked out: exit %d, stderr %q", code, e.stderr)
	}
	if len(e.a.setCalls()) != 0 {
		t.Error("a locked-out caller switched outlets")
	}
	// Another caller is not affected.
	e.proxy.Identity = Identity{Caller: "node1", Node: "node2"}
	if code := e.serve("off " + testToken); code != ExitOK {
		t.Fatalf("other caller: exit %d, stderr %q", code, e.stderr)
	}
}

func TestServeFailures(t *testing.T) {
	e := newServeEnv(t, Identity{Caller: "node2", Node: "node1"})
	e.b.stuck[3] = true
	if code := e.serve("off " + testToken); code != ExitFailed {
		t.Fatalf("stuck outlet: exit %d", code)
	}
	if !strings.Contains(e.stderr.String(), "FAILED: off node1: not confirmed off: pdu-b:3 still on after 200ms") {
		t.Errorf("stderr %q", e.stderr)
	}
	last := e.audit.recs[len(e.audit.recs)-1]
	if last.Result != "failed" || !strings.Contains(last.Reason, "pdu-b:3 still on") {
		t.Errorf("audit %v", last)
	}

	e = newServeEnv(t, Identity{Caller: "node2", Node: "node1"})
	dial := e.proxy.Dial
	e.proxy.Dial = func(ctx context.Context, pc PDUConfig) (Outlets, error) {
		if pc.Name == "pdu-b" {
			return nil, fmt.Errorf("pdu-b (%s): %w", pc.Address, errFakeTimeout)
		}
		return dial(ctx, pc)
	}
	if code := e.serve("off " + testToken); code != ExitFailed {
		t.Fatalf("unreachable PDU: exit %d", code)
	}
	if !strings.Contains(e.stderr.String(), "pdu-b (198.51.100.22:1161): request timeout") {
		t.Errorf("stderr %q", e.stderr)
	}
	if e.a.state[3] != StateOff {
		t.Error("the reachable PDU's outlet was left on")
	}
}

func TestServeDryRun(t *testing.T) {
	e := newServeEnv(t, Identity{Caller: "node2", Node: "node1"})
	e.proxy.DryRun = true
	e.proxy.Dial = nil // must not be called
	if code := e.serve("off " + testToken); code != ExitOK {
		t.Fatalf("exit %d: %s", code, e.stderr)
	}
	out := e.stdout.String()
	for _, want := range []string{"dry run: off node1 would do:", ".1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.3 = 2 (immediateOff)", "until all report off"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if e.audit.recs[0].Result != "dry-run" {
		t.Errorf("audit %v", e.audit.recs[0])
	}
}
