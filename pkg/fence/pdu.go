package fence

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosnmp/gosnmp"
)

// Table is the APC MIB table an outlet is driven through.
type Table string

const (
	// TableRPDU is the Switched Rack PDU's (PowerNet-MIB rPDU): commands
	// go to rPDUOutletControlOutletCommand (1 immediateOn, 2
	// immediateOff) and the state is read from rPDUOutletStatusOutletState
	// (1 on, 2 off).
	TableRPDU Table = "rpdu"
	// TableSPDU is the older MasterSwitch's: sPDUOutletCtl both takes
	// commands (1 outletOn, 2 outletOff) and reads back (1 on, 2 off).
	TableSPDU Table = "spdu"
)

// OIDs of the objects used, numeric with a leading dot as gosnmp
// reports them; the outlet tables take the outlet number as last arc.
const (
	oidSysObjectID   = ".1.3.6.1.2.1.1.2.0"
	oidAPC           = ".1.3.6.1.4.1.318"
	oidRPDUControl   = ".1.3.6.1.4.1.318.1.1.12.3.3.1.1.4"
	oidRPDUStatus    = ".1.3.6.1.4.1.318.1.1.12.3.5.1.1.4"
	oidSPDUOutletCtl = ".1.3.6.1.4.1.318.1.1.4.4.2.1.3"
)

// Defaults of a PDUConfig and the bounds of the retry backoff.
const (
	defaultPDUTimeout = 2 * time.Second
	defaultSNMPPort   = 161
	firstRetryWait    = 100 * time.Millisecond
	maxRetryWait      = time.Second
	// minV3Password is what net-snmp and RFC 3414 key localization
	// demand; a shorter one could never authenticate.
	minV3Password = 8
)

// PowerState of one outlet.
type PowerState int

const (
	StateUnknown PowerState = iota
	StateOn
	StateOff
)

// String returns "on", "off" or "unknown".
func (s PowerState) String() string {
	switch s {
	case StateOn:
		return "on"
	case StateOff:
		return "off"
	}
	return "unknown"
}

// PDUConfig is one PDU as the proxy's config names it.
type PDUConfig struct {
	Name      string // config name, for messages
	Address   string // host or host:port; port 161 when absent; IPv6 as [addr]:port
	Version   string // "1", "2c" or "3"
	Community string // v1/v2c
	// v3, always authPriv. AuthProtocol: MD5, SHA, SHA224, SHA256,
	// SHA384, SHA512; PrivProtocol: DES, AES, AES192, AES256
	// (case-insensitive).
	User, AuthProtocol, AuthPassword, PrivProtocol, PrivPassword string
	Table                                                        Table
	Timeout                                                      time.Duration // per request; 2 s when 0
	// Retries after a timeout; 0 (or negative, unset) means none: the
	// config layer supplies the default.
	Retries int
}

// SetOp is one SNMP set the proxy sends (or, dry-run, would send).
type SetOp struct {
	PDU     string // PDUConfig.Name
	Address string
	Outlet  int
	OID     string // numeric, leading dot
	Value   int
	Meaning string // e.g. "immediateOff", "sPDUOutletCtl outletOff"
}

// String describes op for logs and dry runs.
func (op SetOp) String() string {
	return fmt.Sprintf("PDU %s (%s) outlet %d: set %s = %d (%s)", op.PDU, op.Address, op.Outlet, op.OID, op.Value, op.Meaning)
}

// SetOp returns the set that switches outlet on or off. It sends
// nothing. For a table Validate refuses, OID is empty.
func (c PDUConfig) SetOp(outlet int, on bool) SetOp {
	op := SetOp{PDU: c.Name, Address: c.Address, Outlet: outlet, Value: 2}
	if on {
		op.Value = 1
	}
	switch c.Table {
	case TableRPDU:
		op.OID = outletOID(oidRPDUControl, outlet)
		op.Meaning = map[bool]string{true: "immediateOn", false: "immediateOff"}[on]
	case TableSPDU:
		op.OID = outletOID(oidSPDUOutletCtl, outlet)
		op.Meaning = map[bool]string{true: "sPDUOutletCtl outletOn", false: "sPDUOutletCtl outletOff"}[on]
	default:
		op.Meaning = fmt.Sprintf("unknown table %q", c.Table)
	}
	return op
}

// StateOID is the object that reads back the state of outlet; empty for
// a table Validate refuses.
func (c PDUConfig) StateOID(outlet int) string {
	switch c.Table {
	case TableRPDU:
		return outletOID(oidRPDUStatus, outlet)
	case TableSPDU:
		return outletOID(oidSPDUOutletCtl, outlet)
	}
	return ""
}

func outletOID(column string, outlet int) string {
	return column + "." + strconv.Itoa(outlet)
}

// Validate checks a PDUConfig without any network I/O. Its messages do
// not name the PDU (the caller knows which it checked) and never hold a
// community or password.
func (c PDUConfig) Validate() error {
	if c.Name == "" {
		return errors.New("the PDU has no name")
	}
	if _, _, err := splitAddress(c.Address); err != nil {
		return err
	}
	switch c.Table {
	case TableRPDU, TableSPDU:
	default:
		return fmt.Errorf("table %q: want %s or %s", c.Table, TableRPDU, TableSPDU)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("timeout %v is negative", c.Timeout)
	}
	switch strings.ToLower(c.Version) {
	case "1", "2c":
		if c.Community == "" {
			return fmt.Errorf("SNMP version %s needs a community", c.Version)
		}
	case "3":
		if c.User == "" {
			return errors.New("SNMP version 3 needs a user")
		}
		if _, err := authProtocol(c.AuthProtocol); err != nil {
			return err
		}
		if _, err := privProtocol(c.PrivProtocol); err != nil {
			return err
		}
		if len(c.AuthPassword) < minV3Password {
			return fmt.Errorf("the SNMPv3 auth password needs %d characters at least", minV3Password)
		}
		if len(c.PrivPassword) < minV3Password {
			return fmt.Errorf("the SNMPv3 priv password needs %d characters at least", minV3Password)
		}
	default:
		return fmt.Errorf("SNMP version %q: want 1, 2c or 3", c.Version)
	}
	return nil
}

// splitAddress parses host, host:port, [v6addr]:port, [v6addr] or a
// bare IPv6 address.
func splitAddress(addr string) (host string, port uint16, err error) {
	if addr == "" {
		return "", 0, errors.New("the PDU has no address")
	}
	if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
		return a.String(), defaultSNMPPort, nil
	}
	hostPort := addr
	if strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]") || !strings.Contains(addr, ":") {
		hostPort = addr + ":" + strconv.Itoa(defaultSNMPPort)
	}
	h, p, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: %w", addr, err)
	}
	if h == "" || strings.ContainsAny(h, " \t/") {
		return "", 0, fmt.Errorf("address %q: bad host", addr)
	}
	if strings.Contains(h, ":") {
		if a, err := netip.ParseAddr(h); err != nil || !a.Is6() {
			return "", 0, fmt.Errorf("address %q: bad IPv6 address", addr)
		}
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return "", 0, fmt.Errorf("address %q: port %q is not 1-65535", addr, p)
	}
	return h, uint16(n), nil
}

func authProtocol(s string) (gosnmp.SnmpV3AuthProtocol, error) {
	switch strings.ToUpper(s) {
	case "MD5":
		return gosnmp.MD5, nil
	case "SHA":
		return gosnmp.SHA, nil
	case "SHA224":
		return gosnmp.SHA224, nil
	case "SHA256":
		return gosnmp.SHA256, nil
	case "SHA384":
		return gosnmp.SHA384, nil
	case "SHA512":
		return gosnmp.SHA512, nil
	}
	return 0, fmt.Errorf("SNMPv3 auth protocol %q: want MD5, SHA, SHA224, SHA256, SHA384 or SHA512", s)
}

func privProtocol(s string) (gosnmp.SnmpV3PrivProtocol, error) {
	switch strings.ToUpper(s) {
	case "DES":
		return gosnmp.DES, nil
	case "AES":
		return gosnmp.AES, nil
	case "AES192":
		return gosnmp.AES192, nil
	case "AES256":
		return gosnmp.AES256, nil
	}
	return 0, fmt.Errorf("SNMPv3 priv protocol %q: want DES, AES, AES192 or AES256", s)
}

// Outlets is what the power logic needs from a PDU. Implementations must
// be safe for use by one goroutine at a time (the caller serializes per
// PDU).
type Outlets interface {
	Set(ctx context.Context, outlet int, on bool) error
	State(ctx context.Context, outlet int) (PowerState, error)
	Close() error
}

// RetryFunc is told about each retry: which PDU, the number of the
// attempt that failed (1 for the first), its error, and the wait before
// the next attempt.
type RetryFunc func(pdu string, attempt int, err error, wait time.Duration)

// ErrUnreachable is matched (errors.Is) by every error of a request the
// PDU never answered: timeouts, transport errors, a context that ended
// while waiting. A wrong v1/v2c community is one of these, since an
// agent does not answer it.
var ErrUnreachable = errors.New("PDU unreachable")

// SNMPError is a failed request to a PDU. It names the PDU, the outlet
// and the object, and never holds a community or a password.
type SNMPError struct {
	PDU     string // PDUConfig.Name
	Address string
	Op      string // "probe", "get" or "set"
	Outlet  int    // 0 for the probe
	OID     string
	Value   int // of a set
	// Unreachable: no answer, after every attempt (see ErrUnreachable).
	Unreachable bool
	// Status is the error status of the PDU's answer, if it had one.
	Status gosnmp.SNMPError
	Err    error
	hint   string
}

func (e *SNMPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "PDU %s (%s): ", e.PDU, e.Address)
	switch {
	case e.Op == "probe":
		fmt.Fprintf(&b, "probe (GET sysObjectID.0 %s)", e.OID)
	case e.Op == "set":
		fmt.Fprintf(&b, "outlet %d: SET %s = %d", e.Outlet, e.OID, e.Value)
	default:
		fmt.Fprintf(&b, "outlet %d: %s %s", e.Outlet, strings.ToUpper(e.Op), e.OID)
	}
	b.WriteString(": ")
	if e.Unreachable {
		b.WriteString(ErrUnreachable.Error() + ": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.hint != "" {
		b.WriteString(" (" + e.hint + ")")
	}
	return b.String()
}

func (e *SNMPError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnreachable) hold for unanswered requests.
func (e *SNMPError) Is(target error) bool {
	return target == ErrUnreachable && e.Unreachable
}

// PDU implements Outlets over SNMP. Its methods may be called from more
// than one goroutine: they take turns.
type PDU struct {
	cfg    PDUConfig
	report RetryFunc
	mu     sync.Mutex
	client *gosnmp.GoSNMP
}

var _ Outlets = (*PDU)(nil)

// DialPDU builds the SNMP client of cfg once and probes the device with a
// GET of sysObjectID.0: an unanswered or failed probe is an error, and so
// is a sysObjectID that is not APC's (under .1.3.6.1.4.1.318), since the
// outlets would be those of some other device. report, if not nil, is
// told about each retry.
func DialPDU(ctx context.Context, cfg PDUConfig, report RetryFunc) (*PDU, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("PDU %s (%s): %w", cfg.Name, cfg.Address, err)
	}
	host, port, _ := splitAddress(cfg.Address)
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = defaultPDUTimeout
	}
	c := &gosnmp.GoSNMP{
		Target:    host,
		Port:      port,
		Transport: "udp",
		Timeout:   timeout,
		// Retries are ours: with backoff, a report, and none after an
		// SNMP error.
		Retries: 0,
		MaxOids: gosnmp.MaxOids,
		Context: ctx,
	}
	switch strings.ToLower(cfg.Version) {
	case "1":
		c.Version, c.Community = gosnmp.Version1, cfg.Community
	case "2c":
		c.Version, c.Community = gosnmp.Version2c, cfg.Community
	case "3":
		auth, _ := authProtocol(cfg.AuthProtocol)
		priv, _ := privProtocol(cfg.PrivProtocol)
		c.Version = gosnmp.Version3
		c.SecurityModel = gosnmp.UserSecurityModel
		c.MsgFlags = gosnmp.AuthPriv
		c.SecurityParameters = &gosnmp.UsmSecurityParameters{
			UserName:                 cfg.User,
			AuthenticationProtocol:   auth,
			AuthenticationPassphrase: cfg.AuthPassword,
			PrivacyProtocol:          priv,
			PrivacyPassphrase:        cfg.PrivPassword,
		}
	}
	p := &PDU{cfg: cfg, report: report, client: c}
	// For UDP, Connect sends nothing: it resolves the host and binds a
	// socket. A name that does not resolve is as good as unreachable.
	if err := c.Connect(); err != nil {
		return nil, p.newError("probe", 0, oidSysObjectID, 0, true, err)
	}
	if err := p.probe(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return p, nil
}

func (p *PDU) probe(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	res, err := p.do(ctx, "probe", 0, oidSysObjectID, 0, func() (*gosnmp.SnmpPacket, error) {
		return p.client.Get([]string{oidSysObjectID})
	})
	if err != nil {
		return err
	}
	v, err := p.onlyVariable("probe", 0, oidSysObjectID, 0, res)
	if err != nil {
		return err
	}
	id, ok := v.Value.(string)
	if v.Type != gosnmp.ObjectIdentifier || !ok {
		return p.newError("probe", 0, oidSysObjectID, 0, false, fmt.Errorf("sysObjectID.0 is a %v, not an OID", v.Type))
	}
	if id != oidAPC && !strings.HasPrefix(id, oidAPC+".") {
		e := p.newError("probe", 0, oidSysObjectID, 0, false, fmt.Errorf("sysObjectID.0 is %s, not APC's (under %s): refusing to switch outlets of another kind of device", id, oidAPC))
		e.hint = "check the address"
		return e
	}
	return nil
}

// Set switches outlet on or off (immediateOn/immediateOff, or
// sPDUOutletCtl outletOn/outletOff). A nil error means the PDU took the
// command, not that the outlet changed: read it back with State.
func (p *PDU) Set(ctx context.Context, outlet int, on bool) error {
	op := p.cfg.SetOp(outlet, on)
	if outlet < 1 {
		return p.newError("set", outlet, op.OID, op.Value, false, errors.New("outlets are numbered from 1"))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	res, err := p.do(ctx, "set", outlet, op.OID, op.Value, func() (*gosnmp.SnmpPacket, error) {
		return p.client.Set([]gosnmp.SnmpPDU{{Name: op.OID, Type: gosnmp.Integer, Value: op.Value}})
	})
	if err != nil {
		return err
	}
	_, err = p.onlyVariable("set", outlet, op.OID, op.Value, res)
	return err
}

// State reads outlet's state back. A value other than on (1) or off (2)
// is an error.
func (p *PDU) State(ctx context.Context, outlet int) (PowerState, error) {
	oid := p.cfg.StateOID(outlet)
	if outlet < 1 {
		return StateUnknown, p.newError("get", outlet, oid, 0, false, errors.New("outlets are numbered from 1"))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	res, err := p.do(ctx, "get", outlet, oid, 0, func() (*gosnmp.SnmpPacket, error) {
		return p.client.Get([]string{oid})
	})
	if err != nil {
		return StateUnknown, err
	}
	v, err := p.onlyVariable("get", outlet, oid, 0, res)
	if err != nil {
		return StateUnknown, err
	}
	n, ok := v.Value.(int)
	if v.Type != gosnmp.Integer || !ok {
		return StateUnknown, p.newError("get", outlet, oid, 0, false, fmt.Errorf("the PDU answered a %v, not an integer", v.Type))
	}
	switch n {
	case 1:
		return StateOn, nil
	case 2:
		return StateOff, nil
	}
	return StateUnknown, p.newError("get", outlet, oid, 0, false, fmt.Errorf("the PDU answered %d, neither 1 (on) nor 2 (off)", n))
}

// Close releases the client's socket.
func (p *PDU) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.client.Close()
}

// onlyVariable checks an answer: no error status, and one variable, for
// oid, that is not an exception (noSuchObject, noSuchInstance,
// endOfMibView).
func (p *PDU) onlyVariable(op string, outlet int, oid string, value int, res *gosnmp.SnmpPacket) (gosnmp.SnmpPDU, error) {
	if res.Error != gosnmp.NoError {
		e := p.newError(op, outlet, oid, value, false, fmt.Errorf("the PDU answered error status %s (%d), index %d", res.Error, res.Error, res.ErrorIndex))
		e.Status = res.Error
		e.hint = statusHint(res.Error, p.cfg.Version)
		return gosnmp.SnmpPDU{}, e
	}
	if len(res.Variables) != 1 {
		return gosnmp.SnmpPDU{}, p.newError(op, outlet, oid, value, false, fmt.Errorf("the PDU answered %d variables, want 1", len(res.Variables)))
	}
	v := res.Variables[0]
	switch v.Type {
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView:
		e := p.newError(op, outlet, oid, value, false, fmt.Errorf("the PDU answered %s", v.Type))
		if outlet > 0 {
			e.hint = "no such outlet on this PDU, or the wrong table"
		}
		return gosnmp.SnmpPDU{}, e
	}
	if v.Name != oid {
		return gosnmp.SnmpPDU{}, p.newError(op, outlet, oid, value, false, fmt.Errorf("the PDU answered for %s", v.Name))
	}
	return v, nil
}

func statusHint(s gosnmp.SNMPError, version string) string {
	switch s {
	case gosnmp.NoSuchName:
		if version == "1" {
			return "no such outlet on this PDU, or the wrong table, or a read-only community"
		}
		return "no such object"
	case gosnmp.NotWritable, gosnmp.ReadOnly, gosnmp.NoAccess, gosnmp.AuthorizationError:
		return "the community or user may not write there, or no such outlet"
	}
	return ""
}

// do runs req with the retries of the PDU: only after a timeout or a
// transport error, waiting 100 ms, then twice as long each time up to
// 1 s, as long as ctx lasts.
func (p *PDU) do(ctx context.Context, op string, outlet int, oid string, value int, req func() (*gosnmp.SnmpPacket, error)) (*gosnmp.SnmpPacket, error) {
	attempts := 1 + max(p.cfg.Retries, 0)
	wait := firstRetryWait
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, p.gaveUp(op, outlet, oid, value, attempt-1, lastErr, err)
		}
		p.client.Context = ctx
		res, err := req()
		if err == nil {
			return res, nil
		}
		if !transient(err) {
			e := p.newError(op, outlet, oid, value, false, err)
			e.hint = terminalHint(err)
			return nil, e
		}
		if timedOut(err) && ctx.Err() == nil {
			err = &unanswered{msg: fmt.Sprintf("no answer within %v", p.client.Timeout), err: err}
		}
		lastErr = err
		if ctx.Err() != nil {
			return nil, p.gaveUp(op, outlet, oid, value, attempt, lastErr, ctx.Err())
		}
		if attempt >= attempts {
			return nil, p.gaveUp(op, outlet, oid, value, attempt, lastErr, nil)
		}
		if p.report != nil {
			p.report(p.cfg.Name, attempt, p.newError(op, outlet, oid, value, true, err), wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, p.gaveUp(op, outlet, oid, value, attempt, lastErr, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxRetryWait)
	}
}

// unanswered replaces gosnmp's timeout message, which counts its own
// retries (always none here), with one that says how long we waited.
type unanswered struct {
	msg string
	err error
}

func (u *unanswered) Error() string { return u.msg }
func (u *unanswered) Unwrap() error { return u.err }

// gaveUp is the error of a request not answered: attempts made, the last
// one's error (nil if none was made), and ctxErr if the context ended
// first. It is unreachable if an attempt was made.
func (p *PDU) gaveUp(op string, outlet int, oid string, value, attempts int, last, ctxErr error) *SNMPError {
	var err error
	var u *unanswered
	switch {
	case ctxErr != nil && last == nil:
		err = fmt.Errorf("%w before the request was sent", ctxErr)
	case ctxErr != nil && errors.Is(last, ctxErr):
		err = fmt.Errorf("%w waiting for an answer to attempt %d", ctxErr, attempts)
	case ctxErr != nil:
		err = fmt.Errorf("%w after %s, the last: %v", ctxErr, nAttempts(attempts), last)
	case errors.As(last, &u):
		err = &unanswered{msg: fmt.Sprintf("no answer to %s (timeout %v each)", nAttempts(attempts), p.client.Timeout), err: last}
	default:
		err = fmt.Errorf("no answer after %s, the last: %w", nAttempts(attempts), last)
	}
	e := p.newError(op, outlet, oid, value, last != nil, err)
	if last != nil {
		// Agents drop, unanswered, what they cannot take for theirs.
		e.hint = "is the PDU up and reachable, and the community right? An agent does not answer a wrong community"
		if p.cfg.Version == "3" {
			e.hint = "is the PDU up and reachable, and the SNMPv3 priv protocol and password right? An agent does not answer what it cannot decrypt"
		}
	}
	return e
}

func nAttempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

func (p *PDU) newError(op string, outlet int, oid string, value int, unreachable bool, err error) *SNMPError {
	return &SNMPError{
		PDU: p.cfg.Name, Address: p.cfg.Address, Op: op, Outlet: outlet, OID: oid, Value: value,
		Unreachable: unreachable, Err: err,
	}
}

// timedOut reports whether err is a request that got no answer in time.
func timedOut(err error) bool {
	var netErr net.Error
	return errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || errors.As(err, &netErr) && netErr.Timeout()
}

// transient reports whether err is worth another attempt: a timeout or a
// transport error, not an answer.
func transient(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, gosnmp.ErrMaxRetriesExceeded), // gosnmp's timeout
		errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr),
		// gosnmp's v3 resend after engine discovery went unanswered.
		errors.Is(err, gosnmp.ErrNotInTimeWindow),
		errors.Is(err, gosnmp.ErrUnknownEngineID):
		return true
	}
	return false
}

func terminalHint(err error) string {
	switch {
	// gosnmp's word for an unauthenticated report, which is how net-snmp
	// rejects an unknown user or a wrong auth key; it has no sentinel.
	case strings.Contains(err.Error(), "not authentic"):
		return "the PDU refused the SNMPv3 user, auth protocol or auth password"
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		return "check the SNMPv3 user"
	case errors.Is(err, gosnmp.ErrWrongDigest):
		return "check the SNMPv3 auth protocol and password"
	case errors.Is(err, gosnmp.ErrDecryption):
		return "check the SNMPv3 priv protocol and password"
	case errors.Is(err, gosnmp.ErrUnknownSecurityLevel):
		return "the PDU does not allow authPriv for this user"
	}
	return ""
}
