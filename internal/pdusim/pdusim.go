// Package pdusim simulates the outlet control of an APC rack PDU behind a
// real net-snmp snmpd, as a pass_persist handler (snmpd.conf(5)): snmpd
// does the SNMP (versions, communities, USM) and asks the handler, over
// its stdin and stdout, for the objects under .1.3.6.1.4.1.318.
//
// The protocol, one line each: snmpd sends "PING" before every request
// and wants "PONG". "get" or "getnext" and an OID are answered with
// three lines (OID, type, value) or "NONE". "set", an OID and "TYPE
// VALUE" are answered with "DONE" or an error word (not-writable,
// wrong-type, wrong-value, ...), which snmpd turns into the SNMP error.
//
// The outlets live in a JSON state file (see State), read again for
// every request so that a test can change an outlet between requests,
// and every accepted SET is appended to a sets log next to it, so that a
// test can tell what was sent, or that nothing was.
package pdusim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Enterprise is APC's enterprise OID: the subtree the handler serves.
const Enterprise = ".1.3.6.1.4.1.318"

// OIDs of the PowerNet-MIB objects the simulator answers; the outlet
// tables take the outlet number as the last arc.
const (
	// OIDNumOutlets is rPDUIdentDeviceNumOutlets.0.
	OIDNumOutlets = ".1.3.6.1.4.1.318.1.1.12.1.8.0"
	// OIDControl is rPDUOutletControlOutletCommand: reads 1 (on) or 2
	// (off); takes 1 immediateOn, 2 immediateOff, 3 immediateReboot.
	OIDControl = ".1.3.6.1.4.1.318.1.1.12.3.3.1.1.4"
	// OIDName is rPDUOutletConfigOutletName (read-only here).
	OIDName = ".1.3.6.1.4.1.318.1.1.12.3.4.1.1.2"
	// OIDStatus is rPDUOutletStatusOutletState: 1 on, 2 off; read-only.
	OIDStatus = ".1.3.6.1.4.1.318.1.1.12.3.5.1.1.4"
	// OIDSPDUCtl is sPDUOutletCtl of the older MasterSwitch MIB: reads 1
	// (on) or 2 (off); takes 1 outletOn, 2 outletOff, 3 outletReboot.
	OIDSPDUCtl = ".1.3.6.1.4.1.318.1.1.4.4.2.1.3"
)

// Replies of the pass_persist protocol.
const (
	replyPong        = "PONG"
	replyNone        = "NONE"
	replyDone        = "DONE"
	replyNotWritable = "not-writable"
	replyWrongType   = "wrong-type"
	replyWrongValue  = "wrong-value"
	replyGenError    = "gen-error"
)

// Handler answers snmpd's pass_persist requests from a Store.
type Handler struct {
	Store *Store
	// Log gets what snmpd cannot be told (a broken state file, an
	// unknown command); slog.Default when nil.
	Log *slog.Logger
	// Now stamps the sets log; time.Now when nil.
	Now func() time.Time
}

// Serve answers requests read from r on w until r ends. It returns nil
// at the end of r, and an error only if r or w fails: a bad request is
// answered, not fatal, since snmpd would restart the handler anyway.
func (h *Handler) Serve(r io.Reader, w io.Writer) error {
	br := bufio.NewReader(r)
	for {
		cmd, err := readLine(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		var reply string
		switch strings.ToLower(cmd) {
		case "":
			continue
		case "ping":
			reply = replyPong
		case "get", "getnext":
			oid, err := readLine(br)
			if err != nil {
				return fmt.Errorf("read %s OID: %w", cmd, err)
			}
			reply = h.get(oid, strings.EqualFold(cmd, "getnext"))
		case "set":
			oid, err := readLine(br)
			if err != nil {
				return fmt.Errorf("read set OID: %w", err)
			}
			tv, err := readLine(br)
			if err != nil {
				return fmt.Errorf("read set value: %w", err)
			}
			reply = h.set(oid, tv)
		default:
			// Not a request: nothing to answer, or snmpd would read the
			// answer as that of its next request.
			h.log().Warn("unknown pass_persist command", "command", cmd)
			continue
		}
		if _, err := io.WriteString(w, reply+"\n"); err != nil {
			return fmt.Errorf("write reply: %w", err)
		}
		if f, ok := w.(interface{ Flush() error }); ok {
			if err := f.Flush(); err != nil {
				return fmt.Errorf("write reply: %w", err)
			}
		}
	}
}

func readLine(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// object is one instance the simulator answers for.
type object struct {
	oid    []uint32
	kind   string // one of the OID constants, naming the column
	outlet int    // 1-based; 0 for scalars
}

// objects lists every instance of a PDU with n outlets, in OID order.
func objects(n int) []object {
	objs := []object{{oid: mustParseOID(OIDNumOutlets), kind: OIDNumOutlets}}
	for _, col := range []string{OIDControl, OIDName, OIDStatus, OIDSPDUCtl} {
		base := mustParseOID(col)
		for i := 1; i <= n; i++ {
			objs = append(objs, object{oid: append(slices.Clone(base), uint32(i)), kind: col, outlet: i})
		}
	}
	slices.SortFunc(objs, func(a, b object) int { return slices.Compare(a.oid, b.oid) })
	return objs
}

// find returns the object at oid, or with next the first object after
// it.
func find(objs []object, oid []uint32, next bool) (object, bool) {
	for _, o := range objs {
		c := slices.Compare(o.oid, oid)
		if c == 0 && !next || c > 0 && next {
			return o, true
		}
	}
	return object{}, false
}

func (h *Handler) get(oidText string, next bool) string {
	oid, err := ParseOID(oidText)
	if err != nil {
		h.log().Warn("bad OID in request", "oid", oidText, "err", err)
		return replyNone
	}
	st, err := h.Store.Load()
	if err != nil {
		// snmpd has no way to carry the reason: log it for the test.
		h.log().Error("cannot answer", "oid", oidText, "err", err)
		return replyNone
	}
	o, ok := find(objects(len(st.Outlets)), oid, next)
	if !ok {
		return replyNone
	}
	typ, val := value(&st, o)
	return FormatOID(o.oid) + "\n" + typ + "\n" + val
}

// value is the pass_persist type and value of o in st.
func value(st *State, o object) (typ, val string) {
	if o.kind == OIDNumOutlets {
		return "integer", strconv.Itoa(len(st.Outlets))
	}
	out := &st.Outlets[o.outlet-1]
	if o.kind == OIDName {
		name := out.Name
		if name == "" {
			name = "Outlet " + strconv.Itoa(o.outlet)
		}
		return "string", name
	}
	// Every integer column here says on with 1 and off with 2.
	if out.State == On {
		return "integer", "1"
	}
	return "integer", "2"
}

func (h *Handler) set(oidText, typeValue string) string {
	oid, err := ParseOID(oidText)
	if err != nil {
		h.log().Warn("bad OID in set", "oid", oidText, "err", err)
		return replyNotWritable
	}
	typ, val, _ := strings.Cut(strings.TrimSpace(typeValue), " ")
	// gen-error unless decided otherwise: the store failed.
	reply := replyGenError
	err = h.Store.locked(func() error {
		st, err := h.Store.Load()
		if err != nil {
			return err
		}
		o, ok := find(objects(len(st.Outlets)), oid, false)
		if !ok || (o.kind != OIDControl && o.kind != OIDSPDUCtl) {
			reply = replyNotWritable
			return nil
		}
		if !strings.EqualFold(typ, "integer") {
			reply = replyWrongType
			return nil
		}
		v, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || v < 1 || v > 3 {
			reply = replyWrongValue
			return nil
		}
		out := &st.Outlets[o.outlet-1]
		if !out.Stuck {
			// immediateReboot and outletReboot end with the outlet on.
			out.State = On
			if v == 2 {
				out.State = Off
			}
			if err := h.Store.write(st); err != nil {
				return err
			}
		}
		if err := h.Store.appendSet(SetRecord{Time: h.now().UTC(), OID: FormatOID(oid), Value: v}); err != nil {
			return err
		}
		reply = replyDone
		return nil
	})
	if err != nil {
		h.log().Error("cannot set", "oid", oidText, "value", typeValue, "err", err)
	}
	return reply
}

// ParseOID parses a numeric OID, with or without its leading dot.
func ParseOID(s string) ([]uint32, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), ".")
	if s == "" {
		return nil, errors.New("empty OID")
	}
	parts := strings.Split(s, ".")
	oid := make([]uint32, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("OID %q: arc %q is not a number", s, p)
		}
		oid[i] = uint32(n)
	}
	return oid, nil
}

// FormatOID formats oid with a leading dot, as snmpd does.
func FormatOID(oid []uint32) string {
	var b strings.Builder
	for _, n := range oid {
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(uint64(n), 10))
	}
	return b.String()
}

func mustParseOID(s string) []uint32 {
	oid, err := ParseOID(s)
	if err != nil {
		panic(err)
	}
	return oid
}
