package fence

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/pdusim"
	"github.com/ietkit/ietkit/internal/testenv"
)

// Integration tests: PDU against real net-snmp agents standing in for
// two APC PDUs (internal/testenv, internal/pdusim).

const (
	itAuthPass = "it-auth-S3CRET"
	itPrivPass = "it-priv-S3CRET"
)

// pduConfig is the config of d as PDU name, over SNMP version with table.
func pduConfig(d *testenv.Snmpd, name, version string, table Table) PDUConfig {
	cfg := PDUConfig{
		Name: name, Address: d.Addr.String(), Version: version, Table: table,
		Timeout: time.Second, Retries: 1,
	}
	if version == "3" {
		cfg.User, cfg.AuthProtocol, cfg.AuthPassword = d.User, testenv.SnmpdAuthProtocol, d.AuthPassword
		cfg.PrivProtocol, cfg.PrivPassword = testenv.SnmpdPrivProtocol, d.PrivPassword
	} else {
		cfg.Community = d.Community
	}
	return cfg
}

// reports collects the calls of a RetryFunc.
type reports struct{ calls []retryCall }

func (r *reports) report(t *testing.T) RetryFunc {
	return func(pdu string, attempt int, err error, wait time.Duration) {
		t.Logf("retry %s attempt %d after %v: %v", pdu, attempt, wait, err)
		r.calls = append(r.calls, retryCall{pdu, attempt, wait})
	}
}

func dial(t *testing.T, cfg PDUConfig, report RetryFunc) *PDU {
	t.Helper()
	p, err := DialPDU(context.Background(), cfg, report)
	if err != nil {
		t.Fatalf("DialPDU: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func wantState(t *testing.T, p *PDU, outlet int, want PowerState) {
	t.Helper()
	got, err := p.State(context.Background(), outlet)
	if err != nil {
		t.Fatalf("State(%d): %v", outlet, err)
	}
	if got != want {
		t.Errorf("State(%d) = %v, want %v", outlet, got, want)
	}
}

// newSets returns the SETs d accepted since it had accepted n.
func newSets(t *testing.T, d *testenv.Snmpd, n int) []pdusim.SetRecord {
	t.Helper()
	return d.Sets(t)[n:]
}

func assertSecretsHidden(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q reveals a secret", err)
		}
	}
}

func TestPDUIntegration(t *testing.T) {
	a := testenv.StartSnmpd(t, testenv.SnmpdOptions{Community: "pdu-a-S3CRET", AuthPassword: itAuthPass, PrivPassword: itPrivPass, Outlets: 8})
	b := testenv.StartSnmpd(t, testenv.SnmpdOptions{Community: "pdu-b-S3CRET", AuthPassword: itAuthPass, PrivPassword: itPrivPass, Outlets: 8})
	secrets := []string{a.Community, b.Community, itAuthPass, itPrivPass}

	t.Run("OffAndOn", func(t *testing.T) {
		outlet := 0
		for _, version := range []string{"1", "2c", "3"} {
			for _, pdu := range []struct {
				d, other *testenv.Snmpd
				table    Table
			}{{a, b, TableRPDU}, {b, a, TableSPDU}} {
				outlet++ // an outlet of its own, so each case starts on
				t.Run("v"+version+"-"+string(pdu.table), func(t *testing.T) {
					cfg := pduConfig(pdu.d, "pdu-x", version, pdu.table)
					var r reports
					p := dial(t, cfg, r.report(t))
					setsBefore, otherBefore := len(pdu.d.Sets(t)), len(pdu.other.Sets(t))

					wantState(t, p, outlet, StateOn)
					if err := p.Set(context.Background(), outlet, false); err != nil {
						t.Fatalf("Set(%d, off): %v", outlet, err)
					}
					if got := pdu.d.Outlet(t, outlet); got != "off" {
						t.Errorf("the PDU's outlet %d is %s after Set(off)", outlet, got)
					}
					wantState(t, p, outlet, StateOff)
					sets := newSets(t, pdu.d, setsBefore)
					op := cfg.SetOp(outlet, false)
					if len(sets) != 1 || sets[0].OID != op.OID || sets[0].Value != op.Value {
						t.Errorf("the PDU got SETs %+v, want one of %s = %d", sets, op.OID, op.Value)
					}

					if err := p.Set(context.Background(), outlet, true); err != nil {
						t.Fatalf("Set(%d, on): %v", outlet, err)
					}
					wantState(t, p, outlet, StateOn)
					if got := len(newSets(t, pdu.d, setsBefore)); got != 2 {
						t.Errorf("the PDU got %d SETs, want 2", got)
					}
					if got := len(newSets(t, pdu.other, otherBefore)); got != 0 {
						t.Errorf("the other PDU got %d SETs, want none", got)
					}
					if len(r.calls) != 0 {
						t.Errorf("retries against a PDU that answers: %+v", r.calls)
					}
				})
			}
		}
	})

	t.Run("ReadsAreNotCached", func(t *testing.T) {
		p := dial(t, pduConfig(a, "pdu-a", "2c", TableRPDU), nil)
		wantState(t, p, 7, StateOn)
		a.SetOutlet(t, 7, false) // someone at the front panel
		wantState(t, p, 7, StateOff)
		a.SetOutlet(t, 7, true)
		wantState(t, p, 7, StateOn)
	})

	t.Run("StuckOutlet", func(t *testing.T) {
		for _, table := range []Table{TableRPDU, TableSPDU} {
			p := dial(t, pduConfig(b, "pdu-b", "3", table), nil)
			b.SetStuck(t, 8, true)
			before := len(b.Sets(t))
			if err := p.Set(context.Background(), 8, false); err != nil {
				t.Errorf("%s: Set of a stuck outlet: %v, want nil (the PDU takes it)", table, err)
			}
			wantState(t, p, 8, StateOn)
			if got := len(newSets(t, b, before)); got != 1 {
				t.Errorf("%s: the PDU got %d SETs, want 1", table, got)
			}
			b.SetStuck(t, 8, false)
		}
	})

	t.Run("NoSuchOutlet", func(t *testing.T) {
		for _, version := range []string{"1", "2c", "3"} {
			var r reports
			cfg := pduConfig(a, "pdu-a", version, TableRPDU)
			p := dial(t, cfg, r.report(t))
			before := len(a.Sets(t))
			_, err := p.State(context.Background(), 99)
			if err == nil {
				t.Fatalf("v%s: State(99) = nil error", version)
			}
			if errors.Is(err, ErrUnreachable) || len(r.calls) != 0 {
				t.Errorf("v%s: State(99) = %v after %d retries: want a terminal error", version, err, len(r.calls))
			}
			for _, want := range []string{"pdu-a", a.Addr.String(), "outlet 99", cfg.StateOID(99)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("v%s: error %q lacks %q", version, err, want)
				}
			}
			err = p.Set(context.Background(), 99, false)
			var se *SNMPError
			if !errors.As(err, &se) || se.Unreachable || se.OID != cfg.SetOp(99, false).OID {
				t.Errorf("v%s: Set(99) = %v, want an answered SNMPError", version, err)
			} else if se.Status == 0 {
				t.Errorf("v%s: Set(99) = %v, want an error status", version, err)
			}
			if len(r.calls) != 0 {
				t.Errorf("v%s: %d retries after SNMP errors", version, len(r.calls))
			}
			if got := len(newSets(t, a, before)); got != 0 {
				t.Errorf("v%s: the PDU took %d SETs", version, got)
			}
			assertSecretsHidden(t, err, secrets...)
		}
	})

	t.Run("Paused", func(t *testing.T) {
		cfg := pduConfig(b, "pdu-b", "2c", TableSPDU)
		cfg.Timeout, cfg.Retries = 200*time.Millisecond, 2
		var r reports
		p := dial(t, cfg, r.report(t))
		b.Pause(t)
		paused := true
		defer func() {
			if paused {
				b.Resume(t)
			}
		}()

		start := time.Now()
		_, err := p.State(context.Background(), 1)
		el := time.Since(start)
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("State from a paused PDU = %v, want ErrUnreachable", err)
		}
		// Three timeouts and two waits (100 ms, 200 ms) between them.
		if el < 800*time.Millisecond || el > 3*time.Second {
			t.Errorf("State from a paused PDU took %v, want about 900ms", el)
		}
		want := []retryCall{{"pdu-b", 1, 100 * time.Millisecond}, {"pdu-b", 2, 200 * time.Millisecond}}
		if len(r.calls) != len(want) || r.calls[0] != want[0] || r.calls[1] != want[1] {
			t.Errorf("reports %+v, want %+v", r.calls, want)
		}
		for _, s := range []string{"pdu-b", "outlet 1", cfg.StateOID(1), "no answer to 3 attempts (timeout 200ms each)"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q lacks %q", err, s)
			}
		}

		// The context bounds the whole, retries included.
		cfg.Retries = 10
		r.calls = nil
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err = DialPDU(ctx, cfg, r.report(t))
		if !errors.Is(err, ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("DialPDU of a paused PDU = %v, want ErrUnreachable and DeadlineExceeded", err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("DialPDU went on %v past its context's 500ms", el)
		}
		if len(r.calls) == 0 {
			t.Errorf("no retry reported")
		}

		// Once the PDU answers again, so does the same client, though the
		// answers to what it asked meanwhile come in first.
		b.Resume(t)
		paused = false
		wantState(t, p, 1, StateOn)
	})

	t.Run("WrongCommunity", func(t *testing.T) {
		for _, version := range []string{"1", "2c"} {
			cfg := pduConfig(a, "pdu-a", version, TableRPDU)
			cfg.Community = "not-the-community"
			cfg.Timeout = 200 * time.Millisecond
			var r reports
			before := len(a.Sets(t))
			_, err := DialPDU(context.Background(), cfg, r.report(t))
			if !errors.Is(err, ErrUnreachable) {
				t.Fatalf("v%s: DialPDU with a wrong community = %v, want ErrUnreachable", version, err)
			}
			if !strings.Contains(err.Error(), "community") {
				t.Errorf("v%s: error %q does not hint at the community", version, err)
			}
			if len(r.calls) != 1 {
				t.Errorf("v%s: %d retries reported, want 1", version, len(r.calls))
			}
			assertSecretsHidden(t, err, append(secrets, cfg.Community)...)
			if got := len(newSets(t, a, before)); got != 0 {
				t.Errorf("v%s: the PDU took %d SETs", version, got)
			}
		}
	})

	t.Run("WrongV3Credentials", func(t *testing.T) {
		for _, tc := range []struct {
			name        string
			change      func(*PDUConfig)
			unreachable bool // dropped unanswered, rather than refused
			wantHint    string
		}{
			{"user", func(c *PDUConfig) { c.User = "nobody" }, false, "SNMPv3 user, auth protocol or auth password"},
			{"auth password", func(c *PDUConfig) { c.AuthPassword = "wrong-auth-pass" }, false, "SNMPv3 user, auth protocol or auth password"},
			{"auth protocol", func(c *PDUConfig) { c.AuthProtocol = "MD5" }, false, "SNMPv3 user, auth protocol or auth password"},
			{"priv password", func(c *PDUConfig) { c.PrivPassword = "wrong-priv-pass" }, true, "SNMPv3 priv protocol and password"},
			{"priv protocol", func(c *PDUConfig) { c.PrivProtocol = "DES" }, true, "SNMPv3 priv protocol and password"},
		} {
			cfg := pduConfig(b, "pdu-b", "3", TableSPDU)
			cfg.Timeout = 200 * time.Millisecond
			tc.change(&cfg)
			var r reports
			start := time.Now()
			_, err := DialPDU(context.Background(), cfg, r.report(t))
			if err == nil {
				t.Errorf("%s: DialPDU with a wrong %s succeeded", tc.name, tc.name)
				continue
			}
			t.Logf("%s: %v", tc.name, err)
			if got := errors.Is(err, ErrUnreachable); got != tc.unreachable {
				t.Errorf("%s: errors.Is(ErrUnreachable) = %v, want %v", tc.name, got, tc.unreachable)
			}
			if !tc.unreachable {
				if el := time.Since(start); el > time.Second || len(r.calls) != 0 {
					t.Errorf("%s: refused after %v and %d retries: a refusal is final", tc.name, el, len(r.calls))
				}
			}
			if !strings.Contains(err.Error(), tc.wantHint) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, tc.wantHint)
			}
			assertSecretsHidden(t, err, append(secrets, "wrong-auth-pass", "wrong-priv-pass")...)
		}
	})

	t.Run("NobodyListening", func(t *testing.T) {
		cfg := pduConfig(a, "pdu-a", "2c", TableRPDU)
		cfg.Address = "127.0.0.1:9" // discard: nothing listens on UDP here
		cfg.Timeout = 200 * time.Millisecond
		var r reports
		_, err := DialPDU(context.Background(), cfg, r.report(t))
		if !errors.Is(err, ErrUnreachable) || len(r.calls) != 1 {
			t.Errorf("DialPDU with nobody listening = %v after %d retries, want ErrUnreachable after 1", err, len(r.calls))
		}
	})
}

func TestPDUIntegrationSysObjectID(t *testing.T) {
	const netSnmpLinux = ".1.3.6.1.4.1.8072.3.2.10"
	d := testenv.StartSnmpd(t, testenv.SnmpdOptions{SysObjectID: netSnmpLinux})
	var r reports
	_, err := DialPDU(context.Background(), pduConfig(d, "pdu-c", "2c", TableRPDU), r.report(t))
	if err == nil {
		t.Fatal("DialPDU of a device that is not APC's succeeded")
	}
	if errors.Is(err, ErrUnreachable) || len(r.calls) != 0 {
		t.Errorf("DialPDU = %v after %d retries, want a terminal error", err, len(r.calls))
	}
	for _, want := range []string{"pdu-c", d.Addr.String(), netSnmpLinux, "not APC's"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
