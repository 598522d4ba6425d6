package tgt

import (
	"bufio"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// maxShowLine bounds one line of tgtadm's output.
const maxShowLine = 64 << 10

// The sections of a target in tgtadm --op show --mode target.
type section int

const (
	secNone section = iota
	secSystem
	secNexus
	secLUN
	secAccount
	secACL
)

var sections = map[string]section{
	"System information:":    secSystem,
	"I_T nexus information:": secNexus,
	"LUN information:":       secLUN,
	"Account information:":   secAccount,
	"ACL information:":       secACL,
}

// lu is one logical unit as tgtadm shows it, before translation.
type lu struct {
	n          uint64
	bstype     string
	path       string
	flags      string
	readonly   bool
	mb         int64
	blockSize  uint32
	sizeShown  bool
	scsiID     string
	scsiSN     string
	controller bool
}

// parser holds the target being read and where in it the reader is.
type parser struct {
	s    ietd.State
	sec  section
	lus  []lu
	line int
}

// ParseShow reads tgtadm --op show --mode target: every target with its
// LUNs, sessions, accounts and ACL. Lines are told apart by their
// indentation (0 target, 4 section, 8 entry, 12 detail, 16 sub-detail)
// and keys; unknown keys and sections are skipped, so that other tgt
// versions that print more still parse.
//
// LUNs are translated to config numbers: tgt LUN 0, the controller LU
// every tgt target has, is left out, and tgt LUN m is reported as LUN
// m-1 (see tgtLUN). Sizes are shown only in rounded megabytes, kept as
// Approx with ApproxTolerance (see approxSize).
func ParseShow(out string) (*ietd.State, error) {
	p := &parser{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 4096), maxShowLine)
	for sc.Scan() {
		p.line++
		raw := strings.TrimRight(sc.Text(), " \t\r")
		text := strings.TrimLeft(raw, " ")
		if text == "" {
			continue
		}
		if err := p.parseLine((len(raw)-len(text))/4, text); err != nil {
			return nil, fmt.Errorf("tgtadm show line %d: %w", p.line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tgtadm show line %d: %w", p.line+1, err)
	}
	if err := p.finishTarget(); err != nil {
		return nil, fmt.Errorf("tgtadm show: %w", err)
	}
	p.s.Sort()
	return &p.s, nil
}

func (p *parser) cur() *ietd.Target { return &p.s.Targets[len(p.s.Targets)-1] }

func (p *parser) parseLine(level int, text string) error {
	if level == 0 {
		if err := p.finishTarget(); err != nil {
			return err
		}
		t, err := parseTargetLine(text)
		if err != nil {
			return err
		}
		p.s.Targets = append(p.s.Targets, t)
		p.sec = secNone
		return nil
	}
	if len(p.s.Targets) == 0 {
		return fmt.Errorf("%q before any target line", text)
	}
	t := p.cur()
	if level == 1 {
		p.sec = sections[text]
		switch p.sec {
		case secAccount:
			t.UsersKnown = true
		case secACL:
			t.ACLKnown = true
		}
		return nil
	}
	switch p.sec {
	case secNexus:
		return p.nexusLine(t, level, text)
	case secLUN:
		return p.luLine(level, text)
	case secAccount:
		if level == 2 {
			t.Users = append(t.Users, parseAccountLine(text))
		}
	case secACL:
		if level == 2 {
			t.ACL = append(t.ACL, text)
		}
	}
	return nil
}

// parseTargetLine reads "Target 1: iqn.2001-04.com.example:t1".
func parseTargetLine(text string) (ietd.Target, error) {
	rest, ok := strings.CutPrefix(text, "Target ")
	num, name, ok2 := strings.Cut(rest, ": ")
	tid, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || tid <= 0 || strings.TrimSpace(name) == "" {
		return ietd.Target{}, fmt.Errorf("target line %q: want \"Target TID: NAME\"", text)
	}
	return ietd.Target{TID: tid, Name: strings.TrimSpace(name)}, nil
}

// keyValue splits "Key: value" at the first colon.
func keyValue(text string) (string, string) {
	k, v, _ := strings.Cut(text, ":")
	return strings.TrimSpace(k), strings.TrimSpace(v)
}

func (p *parser) nexusLine(t *ietd.Target, level int, text string) error {
	k, v := keyValue(text)
	switch {
	case level == 2 && k == "I_T nexus":
		sid, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("I_T nexus line %q: no valid number", text)
		}
		t.Sessions = append(t.Sessions, ietd.Session{SID: sid})
	case len(t.Sessions) == 0:
		return fmt.Errorf("%q before any I_T nexus line", text)
	case level == 3 && k == "Initiator":
		// "iqn.1993-08.org.debian:01:host1 alias: none"; names hold no blanks.
		name, _, _ := strings.Cut(v, " ")
		t.Sessions[len(t.Sessions)-1].Initiator = name
	case level == 3 && k == "Connection":
		cid, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return fmt.Errorf("connection line %q: no valid number", text)
		}
		s := &t.Sessions[len(t.Sessions)-1]
		s.Conns = append(s.Conns, ietd.Conn{CID: uint32(cid)})
	case level == 4 && k == "IP Address":
		s := &t.Sessions[len(t.Sessions)-1]
		if len(s.Conns) == 0 {
			return fmt.Errorf("%q before any connection line", text)
		}
		// An address that does not parse is kept as unknown.
		ip, _ := netip.ParseAddr(strings.Trim(v, "[]"))
		s.Conns[len(s.Conns)-1].IP = ip.Unmap()
	}
	return nil
}

func (p *parser) luLine(level int, text string) error {
	k, v := keyValue(text)
	if level == 2 && k == "LUN" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("LUN line %q: no valid number", text)
		}
		p.lus = append(p.lus, lu{n: n})
		return nil
	}
	if len(p.lus) == 0 {
		return fmt.Errorf("%q before any LUN line", text)
	}
	l := &p.lus[len(p.lus)-1]
	if level != 3 {
		return nil
	}
	switch k {
	case "Type":
		l.controller = v == "controller"
	case "SCSI ID":
		l.scsiID = v
	case "SCSI SN":
		l.scsiSN = v
	case "Size":
		mb, bs, err := parseSize(v)
		if err != nil {
			return fmt.Errorf("size line %q: %w", text, err)
		}
		l.mb, l.blockSize, l.sizeShown = mb, bs, true
	case "Readonly":
		l.readonly = v == "Yes"
	case "Backing store type":
		l.bstype = v
	case "Backing store path", "Backing store": // the latter before tgt 1.0.0
		l.path = v
	case "Backing store flags":
		l.flags = v
	}
	return nil
}

// maxMB keeps Approx (megabytes times 10^6) within an int64.
const maxMB = math.MaxInt64/1000000 - 1

// parseSize reads "105 MB, Block size: 512".
func parseSize(v string) (int64, uint32, error) {
	size, bsText, ok := strings.Cut(v, ",")
	mbText, isMB := strings.CutSuffix(strings.TrimSpace(size), " MB")
	mb, err := strconv.ParseInt(mbText, 10, 64)
	if !ok || !isMB || err != nil || mb < 0 || mb > maxMB {
		return 0, 0, fmt.Errorf("want \"N MB, Block size: B\"")
	}
	_, bsVal := keyValue(bsText)
	bs, err := strconv.ParseUint(bsVal, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("want \"N MB, Block size: B\"")
	}
	return mb, uint32(bs), nil
}

// parseAccountLine reads "alice" or "tgt (outgoing)".
func parseAccountLine(text string) ietd.UserRef {
	if name, ok := strings.CutSuffix(text, " (outgoing)"); ok {
		return ietd.UserRef{Dir: targetconf.Outgoing, Name: name}
	}
	return ietd.UserRef{Dir: targetconf.Incoming, Name: text}
}

// finishTarget translates the logical units read for the current target
// into its LUNs.
func (p *parser) finishTarget() error {
	defer func() { p.lus = nil }()
	if len(p.s.Targets) == 0 {
		return nil
	}
	t := p.cur()
	for _, l := range p.lus {
		if l.n == 0 {
			continue // the controller LU
		}
		if l.n-1 > math.MaxInt32 {
			return fmt.Errorf("target %d: tgt LUN %d is beyond what ietkit numbers", t.TID, l.n)
		}
		t.LUNs = append(t.LUNs, l.toLUN())
	}
	return nil
}

// toLUN is the LUN in config numbering and ietd's terms.
func (l lu) toLUN() ietd.LUN {
	out := ietd.LUN{Number: int(l.n - 1), Path: l.path, ScsiID: l.scsiID, ScsiSN: l.scsiSN, BlockSize: l.blockSize}
	flags := map[string]bool{}
	for _, f := range strings.FieldsFunc(l.flags, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		flags[f] = true
	}
	switch {
	case l.bstype == "null":
		out.IOType = "nullio"
		if out.Path == "None" {
			out.Path = ""
		}
	case flags["direct"]:
		out.IOType = "blockio"
	default:
		out.IOType = "fileio"
	}
	switch {
	case l.readonly:
		out.IOMode = "ro"
	case flags["sync"]:
		out.IOMode = "wt"
	default:
		out.IOMode = "wb"
	}
	if l.sizeShown {
		out.Approx, out.ApproxTolerance = approxSize(l.mb)
	}
	return out
}

// approxSize turns tgt's "Size: N MB" into bytes and a tolerance. tgt
// prints the block-aligned size rounded to the nearest decimal megabyte
// (measured on 1.0.85: 499712 bytes show as 0 MB, 999936 and 1499648 as
// 1, 104857088 as 105), so the size served is within N*10^6 ± 500000.
func approxSize(mb int64) (approx, tolerance int64) {
	return mb * 1000000, 500000
}

// ParseParams reads tgtadm --op show --mode target --tid N: one
// Key=Value line per iSCSI parameter. Keys are canonicalised with
// targetconf's option table; keys it does not know (nop_interval,
// MaxQueueCmd...) are skipped. Empty output yields nil.
func ParseParams(out string) map[string]string {
	var m map[string]string
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		spec, known := targetconf.LookupOption(k)
		if !known {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		m[spec.Name] = v
	}
	return m
}
