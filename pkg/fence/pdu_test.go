package fence

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gosnmp/gosnmp"
)

func TestSetOp(t *testing.T) {
	rpdu := PDUConfig{Name: "pdu-a", Address: "198.51.100.21", Table: TableRPDU}
	spdu := PDUConfig{Name: "pdu-b", Address: "[2001:db8::22]:1161", Table: TableSPDU}
	for _, tc := range []struct {
		name   string
		cfg    PDUConfig
		outlet int
		on     bool
		want   SetOp
	}{
		{"rpdu off", rpdu, 3, false, SetOp{PDU: "pdu-a", Address: "198.51.100.21", Outlet: 3,
			OID: ".1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.3", Value: 2, Meaning: "immediateOff"}},
		{"rpdu on", rpdu, 12, true, SetOp{PDU: "pdu-a", Address: "198.51.100.21", Outlet: 12,
			OID: ".1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.12", Value: 1, Meaning: "immediateOn"}},
		{"spdu off", spdu, 1, false, SetOp{PDU: "pdu-b", Address: "[2001:db8::22]:1161", Outlet: 1,
			OID: ".1.3.6.1.4.1.318.1.1.4.4.2.1.3.1", Value: 2, Meaning: "sPDUOutletCtl outletOff"}},
		{"spdu on", spdu, 8, true, SetOp{PDU: "pdu-b", Address: "[2001:db8::22]:1161", Outlet: 8,
			OID: ".1.3.6.1.4.1.318.1.1.4.4.2.1.3.8", Value: 1, Meaning: "sPDUOutletCtl outletOn"}},
		{"unknown table", PDUConfig{Name: "x", Table: "pdu"}, 1, false, SetOp{PDU: "x", Outlet: 1,
			Value: 2, Meaning: `unknown table "pdu"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.cfg.SetOp(tc.outlet, tc.on)); diff != "" {
				t.Errorf("SetOp(%d, %v) (-want +got):\n%s", tc.outlet, tc.on, diff)
			}
		})
	}
	op := rpdu.SetOp(3, false)
	if got, want := op.String(), "PDU pdu-a (198.51.100.21) outlet 3: set .1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.3 = 2 (immediateOff)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestStateOID(t *testing.T) {
	for _, tc := range []struct {
		table  Table
		outlet int
		want   string
	}{
		{TableRPDU, 1, ".1.3.6.1.4.1.318.1.1.12.3.5.1.1.4.1"},
		{TableRPDU, 24, ".1.3.6.1.4.1.318.1.1.12.3.5.1.1.4.24"},
		{TableSPDU, 1, ".1.3.6.1.4.1.318.1.1.4.4.2.1.3.1"},
		{TableSPDU, 8, ".1.3.6.1.4.1.318.1.1.4.4.2.1.3.8"},
		{"", 1, ""},
		{"RPDU", 1, ""},
	} {
		if got := (PDUConfig{Table: tc.table}).StateOID(tc.outlet); got != tc.want {
			t.Errorf("%q StateOID(%d) = %q, want %q", tc.table, tc.outlet, got, tc.want)
		}
	}
}

const (
	testCommunity = "c0mmunity-S3CRET"
	testAuthPass  = "auth-S3CRET-pass"
	testPrivPass  = "priv-S3CRET-pass"
)

func validV1() PDUConfig {
	return PDUConfig{Name: "pdu-a", Address: "198.51.100.21", Version: "1", Community: testCommunity, Table: TableRPDU}
}

func validV3() PDUConfig {
	return PDUConfig{Name: "pdu-b", Address: "pdu-b.example:1161", Version: "3", User: "fence",
		AuthProtocol: "SHA", AuthPassword: testAuthPass, PrivProtocol: "AES", PrivPassword: testPrivPass, Table: TableSPDU}
}

func TestValidatePDUConfig(t *testing.T) {
	with := func(c PDUConfig, fn func(*PDUConfig)) PDUConfig { fn(&c); return c }
	for _, tc := range []struct {
		name    string
		cfg     PDUConfig
		wantErr string // substring; "" for valid
	}{
		{"v1", validV1(), ""},
		{"v2c", with(validV1(), func(c *PDUConfig) { c.Version = "2c" }), ""},
		{"v2C", with(validV1(), func(c *PDUConfig) { c.Version = "2C" }), ""},
		{"v3", validV3(), ""},
		{"v3 lower-case protocols", with(validV3(), func(c *PDUConfig) { c.AuthProtocol, c.PrivProtocol = "sha512", "aes256" }), ""},
		{"v3 MD5 DES", with(validV3(), func(c *PDUConfig) { c.AuthProtocol, c.PrivProtocol = "MD5", "DES" }), ""},
		{"v3 SHA224 AES192", with(validV3(), func(c *PDUConfig) { c.AuthProtocol, c.PrivProtocol = "SHA224", "AES192" }), ""},
		{"v3 SHA256", with(validV3(), func(c *PDUConfig) { c.AuthProtocol = "SHA256" }), ""},
		{"v3 SHA384", with(validV3(), func(c *PDUConfig) { c.AuthProtocol = "SHA384" }), ""},
		{"unset retries", with(validV1(), func(c *PDUConfig) { c.Retries = -1 }), ""},
		{"timeout", with(validV1(), func(c *PDUConfig) { c.Timeout = 500 * time.Millisecond }), ""},
		{"host:port", with(validV1(), func(c *PDUConfig) { c.Address = "198.51.100.21:1161" }), ""},
		{"host name", with(validV1(), func(c *PDUConfig) { c.Address = "pdu-a" }), ""},
		{"IPv6 with port", with(validV1(), func(c *PDUConfig) { c.Address = "[2001:db8::21]:161" }), ""},
		{"IPv6 bracketed", with(validV1(), func(c *PDUConfig) { c.Address = "[2001:db8::21]" }), ""},
		{"IPv6 bare", with(validV1(), func(c *PDUConfig) { c.Address = "2001:db8::21" }), ""},

		{"no name", with(validV1(), func(c *PDUConfig) { c.Name = "" }), "no name"},
		{"no address", with(validV1(), func(c *PDUConfig) { c.Address = "" }), "no address"},
		{"port zero", with(validV1(), func(c *PDUConfig) { c.Address = "pdu:0" }), "port"},
		{"port too big", with(validV1(), func(c *PDUConfig) { c.Address = "pdu:65536" }), "port"},
		{"port empty", with(validV1(), func(c *PDUConfig) { c.Address = "pdu:" }), "port"},
		{"port name", with(validV1(), func(c *PDUConfig) { c.Address = "pdu:snmp" }), "port"},
		{"no host", with(validV1(), func(c *PDUConfig) { c.Address = ":161" }), "bad host"},
		{"IPv6 unbracketed port", with(validV1(), func(c *PDUConfig) { c.Address = "2001:db8::21:161:x" }), "address"},
		{"bad IPv6", with(validV1(), func(c *PDUConfig) { c.Address = "[2001:db8::zz]:161" }), "IPv6"},
		{"URL", with(validV1(), func(c *PDUConfig) { c.Address = "udp://pdu:161" }), "address"},
		{"unknown version", with(validV1(), func(c *PDUConfig) { c.Version = "2" }), `SNMP version "2"`},
		{"no version", with(validV1(), func(c *PDUConfig) { c.Version = "" }), "SNMP version"},
		{"no community", with(validV1(), func(c *PDUConfig) { c.Community = "" }), "needs a community"},
		{"v2c no community", with(validV1(), func(c *PDUConfig) { c.Version, c.Community = "2c", "" }), "needs a community"},
		{"unknown table", with(validV1(), func(c *PDUConfig) { c.Table = "masterswitch" }), `table "masterswitch"`},
		{"no table", with(validV1(), func(c *PDUConfig) { c.Table = "" }), "table"},
		{"negative timeout", with(validV1(), func(c *PDUConfig) { c.Timeout = -time.Second }), "negative"},
		{"v3 no user", with(validV3(), func(c *PDUConfig) { c.User = "" }), "needs a user"},
		{"v3 no auth protocol", with(validV3(), func(c *PDUConfig) { c.AuthProtocol = "" }), "auth protocol"},
		{"v3 unknown auth", with(validV3(), func(c *PDUConfig) { c.AuthProtocol = "SHA1" }), `auth protocol "SHA1"`},
		{"v3 no priv protocol", with(validV3(), func(c *PDUConfig) { c.PrivProtocol = "" }), "priv protocol"},
		{"v3 unknown priv", with(validV3(), func(c *PDUConfig) { c.PrivProtocol = "AES192C" }), `priv protocol "AES192C"`},
		{"v3 short auth password", with(validV3(), func(c *PDUConfig) { c.AuthPassword = "1234567" }), "auth password needs 8"},
		{"v3 no priv password", with(validV3(), func(c *PDUConfig) { c.PrivPassword = "" }), "priv password needs 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
			assertNoSecret(t, err)
		})
	}
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{testCommunity, testAuthPass, testPrivPass} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q reveals a secret", err)
		}
	}
}

func TestPDUSplitAddress(t *testing.T) {
	type hp struct {
		Host string
		Port uint16
	}
	for addr, want := range map[string]hp{
		"198.51.100.21":       {"198.51.100.21", 161},
		"198.51.100.21:1161":  {"198.51.100.21", 1161},
		"pdu-a.example":       {"pdu-a.example", 161},
		"pdu-a.example:162":   {"pdu-a.example", 162},
		"[2001:db8::1]:1161":  {"2001:db8::1", 1161},
		"[2001:db8::1]":       {"2001:db8::1", 161},
		"2001:db8::1":         {"2001:db8::1", 161},
		"fe80::1%eth0":        {"fe80::1%eth0", 161},
		"[fe80::1%eth0]:1161": {"fe80::1%eth0", 1161},
	} {
		h, p, err := splitAddress(addr)
		if err != nil {
			t.Errorf("splitAddress(%q): %v", addr, err)
			continue
		}
		if diff := cmp.Diff(want, hp{h, p}); diff != "" {
			t.Errorf("splitAddress(%q) (-want +got):\n%s", addr, diff)
		}
	}
}

func TestPDUPowerStateString(t *testing.T) {
	for s, want := range map[PowerState]string{StateOn: "on", StateOff: "off", StateUnknown: "unknown", 7: "unknown"} {
		if got := s.String(); got != want {
			t.Errorf("PowerState(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}

// testPDU is a PDU whose client never touches the network: for the
// answer checks and the retry loop.
func testPDU(cfg PDUConfig, report RetryFunc) *PDU {
	return &PDU{cfg: cfg, report: report, client: &gosnmp.GoSNMP{Timeout: 50 * time.Millisecond}}
}

func TestPDUAnswerChecks(t *testing.T) {
	p := testPDU(validV1(), nil)
	oid := p.cfg.StateOID(3)
	intVar := func(name string, v int) gosnmp.SnmpPDU {
		return gosnmp.SnmpPDU{Name: name, Type: gosnmp.Integer, Value: v}
	}
	for _, tc := range []struct {
		name       string
		res        gosnmp.SnmpPacket
		wantErr    string
		wantStatus gosnmp.SNMPError
	}{
		{"good", gosnmp.SnmpPacket{Variables: []gosnmp.SnmpPDU{intVar(oid, 2)}}, "", gosnmp.NoError},
		{"noSuchName", gosnmp.SnmpPacket{Error: gosnmp.NoSuchName, ErrorIndex: 1, Variables: []gosnmp.SnmpPDU{intVar(oid, 0)}},
			"error status NoSuchName (2), index 1", gosnmp.NoSuchName},
		{"notWritable", gosnmp.SnmpPacket{Error: gosnmp.NotWritable, ErrorIndex: 1}, "NotWritable", gosnmp.NotWritable},
		{"authorizationError", gosnmp.SnmpPacket{Error: gosnmp.AuthorizationError}, "AuthorizationError", gosnmp.AuthorizationError},
		{"wrongType", gosnmp.SnmpPacket{Error: gosnmp.WrongType}, "WrongType", gosnmp.WrongType},
		{"noSuchInstance", gosnmp.SnmpPacket{Variables: []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.NoSuchInstance}}}, "NoSuchInstance", gosnmp.NoError},
		{"noSuchObject", gosnmp.SnmpPacket{Variables: []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.NoSuchObject}}}, "NoSuchObject", gosnmp.NoError},
		{"endOfMibView", gosnmp.SnmpPacket{Variables: []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.EndOfMibView}}}, "EndOfMibView", gosnmp.NoError},
		{"no variable", gosnmp.SnmpPacket{}, "0 variables", gosnmp.NoError},
		{"two variables", gosnmp.SnmpPacket{Variables: []gosnmp.SnmpPDU{intVar(oid, 1), intVar(oid, 1)}}, "2 variables", gosnmp.NoError},
		{"other OID", gosnmp.SnmpPacket{Variables: []gosnmp.SnmpPDU{intVar(oid+".1", 1)}}, "answered for " + oid + ".1", gosnmp.NoError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.onlyVariable("get", 3, oid, 0, &tc.res)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("onlyVariable: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("onlyVariable = nil, want an error containing %q", tc.wantErr)
			}
			msg := err.Error()
			for _, want := range []string{tc.wantErr, "PDU pdu-a (198.51.100.21)", "outlet 3", oid} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			var se *SNMPError
			if !errors.As(err, &se) || se.Status != tc.wantStatus {
				t.Errorf("error %#v: want an *SNMPError with Status %v", err, tc.wantStatus)
			}
			if errors.Is(err, ErrUnreachable) {
				t.Errorf("an answer is unreachable: %v", err)
			}
		})
	}
}

func TestPDUTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("request timeout (after 0 retries): %w", gosnmp.ErrMaxRetriesExceeded), true},
		{context.DeadlineExceeded, true},
		{&net.OpError{Op: "read", Net: "udp", Err: syscall.ECONNREFUSED}, true},
		{&net.DNSError{Err: "no such host", Name: "pdu", IsNotFound: true}, true},
		{gosnmp.ErrUnknownEngineID, true},
		{gosnmp.ErrNotInTimeWindow, true},
		{gosnmp.ErrWrongDigest, false},
		{gosnmp.ErrUnknownUsername, false},
		{gosnmp.ErrDecryption, false},
		{errors.New("marshal: bad OID"), false},
		{context.Canceled, false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type retryCall struct {
	PDU     string
	Attempt int
	Wait    time.Duration
}

func TestPDURetry(t *testing.T) {
	timeout := fmt.Errorf("request timeout (after 0 retries): %w", gosnmp.ErrMaxRetriesExceeded)
	refused := &net.OpError{Op: "read", Net: "udp", Err: syscall.ECONNREFUSED}
	answer := &gosnmp.SnmpPacket{}
	for _, tc := range []struct {
		name        string
		retries     int
		errs        []error // of the attempts in turn; then an answer
		wantCalls   int
		wantReports []retryCall
		wantErr     string // "" for success
		unreachable bool
	}{
		{name: "answer", retries: 3, wantCalls: 1},
		{name: "answer after two timeouts", retries: 3, errs: []error{timeout, timeout}, wantCalls: 3,
			wantReports: []retryCall{{"pdu-a", 1, 100 * time.Millisecond}, {"pdu-a", 2, 200 * time.Millisecond}}},
		{name: "timeouts exhaust the retries", retries: 2, errs: []error{timeout, timeout, timeout, timeout}, wantCalls: 3,
			wantReports: []retryCall{{"pdu-a", 1, 100 * time.Millisecond}, {"pdu-a", 2, 200 * time.Millisecond}},
			wantErr:     "no answer to 3 attempts (timeout 50ms each)", unreachable: true},
		{name: "no retries", retries: 0, errs: []error{timeout}, wantCalls: 1,
			wantErr: "no answer to 1 attempt (timeout 50ms each)", unreachable: true},
		{name: "refused", retries: 1, errs: []error{refused, refused}, wantCalls: 2,
			wantReports: []retryCall{{"pdu-a", 1, 100 * time.Millisecond}},
			wantErr:     "no answer after 2 attempts, the last: read udp: connection refused", unreachable: true},
		{name: "unset retries are none", retries: -1, errs: []error{timeout, timeout}, wantCalls: 1,
			wantErr: "no answer to 1 attempt (timeout 50ms each)", unreachable: true},
		{name: "auth error is terminal", retries: 3, errs: []error{gosnmp.ErrWrongDigest}, wantCalls: 1,
			wantErr: "wrong digest (check the SNMPv3 auth protocol and password)"},
		{name: "terminal after a timeout", retries: 3, errs: []error{timeout, gosnmp.ErrUnknownUsername}, wantCalls: 2,
			wantReports: []retryCall{{"pdu-a", 1, 100 * time.Millisecond}},
			wantErr:     "unknown username"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validV1()
			cfg.Retries = tc.retries
			var reports []retryCall
			p := testPDU(cfg, func(pdu string, attempt int, err error, wait time.Duration) {
				reports = append(reports, retryCall{pdu, attempt, wait})
				if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "outlet 3") {
					t.Errorf("reported error %v: want unreachable, naming the outlet", err)
				}
			})
			calls := 0
			res, err := p.do(context.Background(), "get", 3, cfg.StateOID(3), 0, func() (*gosnmp.SnmpPacket, error) {
				calls++
				if calls <= len(tc.errs) {
					return nil, tc.errs[calls-1]
				}
				return answer, nil
			})
			if calls != tc.wantCalls {
				t.Errorf("%d attempts, want %d", calls, tc.wantCalls)
			}
			if diff := cmp.Diff(tc.wantReports, reports); diff != "" {
				t.Errorf("reports (-want +got):\n%s", diff)
			}
			if tc.wantErr == "" {
				if err != nil || res != answer {
					t.Fatalf("do = %v, %v; want the answer", res, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("do = %v, want an error containing %q", err, tc.wantErr)
			}
			if got := errors.Is(err, ErrUnreachable); got != tc.unreachable {
				t.Errorf("errors.Is(%v, ErrUnreachable) = %v, want %v", err, got, tc.unreachable)
			}
			if tc.unreachable && !strings.Contains(err.Error(), "community") {
				t.Errorf("unreachable v1 error %q does not hint at the community", err)
			}
			var se *SNMPError
			if !errors.As(err, &se) || se.PDU != "pdu-a" || se.Outlet != 3 || se.OID != cfg.StateOID(3) {
				t.Errorf("error %#v does not name the PDU, outlet and OID", err)
			}
			assertNoSecret(t, err)
		})
	}
}

func TestPDURetryBackoffCap(t *testing.T) {
	cfg := validV1()
	cfg.Retries = 6
	// Waiting for real would take 4.7 s: the context ends it at the
	// fifth report, which is all this test needs.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits []time.Duration
	p := testPDU(cfg, func(_ string, _ int, _ error, wait time.Duration) {
		waits = append(waits, wait)
		if len(waits) == 5 {
			cancel()
		}
	})
	start := time.Now()
	_, err := p.do(ctx, "set", 1, cfg.SetOp(1, false).OID, 2, func() (*gosnmp.SnmpPacket, error) {
		return nil, context.DeadlineExceeded
	})
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrUnreachable) {
		t.Errorf("do after cancel = %v, want context.Canceled and unreachable", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("the cancelled wait went on: %v", el)
	}
}

func TestPDUContextEndedBeforeRequest(t *testing.T) {
	p := testPDU(validV1(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	_, err := p.do(ctx, "get", 1, p.cfg.StateOID(1), 0, func() (*gosnmp.SnmpPacket, error) {
		calls++
		return nil, nil
	})
	if calls != 0 || !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) {
		t.Errorf("do with an ended context: %d attempts, %v; want none, context.Canceled and not unreachable", calls, err)
	}
}

func TestPDUOutletNumber(t *testing.T) {
	p := testPDU(validV1(), nil)
	if err := p.Set(context.Background(), 0, false); err == nil || !strings.Contains(err.Error(), "numbered from 1") {
		t.Errorf("Set(0) = %v", err)
	}
	if _, err := p.State(context.Background(), -1); err == nil || !strings.Contains(err.Error(), "numbered from 1") {
		t.Errorf("State(-1) = %v", err)
	}
}

func TestDialPDUInvalidConfig(t *testing.T) {
	cfg := validV1()
	cfg.Version = "4"
	_, err := DialPDU(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "pdu-a") || !strings.Contains(err.Error(), `version "4"`) {
		t.Errorf("DialPDU with version 4 = %v", err)
	}
}
