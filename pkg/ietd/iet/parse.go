package iet

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// maxProcLine bounds one line of a /proc file.
const maxProcLine = 64 << 10

// fields splits a /proc line into key:value pairs, at each token's first
// colon (values such as IQNs hold colons themselves).
func fields(line string) map[string]string {
	m := map[string]string{}
	for _, tok := range strings.Fields(line) {
		k, v, ok := strings.Cut(tok, ":")
		if ok {
			if _, dup := m[k]; !dup {
				m[k] = v
			}
		}
	}
	return m
}

// depth counts a line's leading tabs.
func depth(line string) int {
	n := 0
	for n < len(line) && line[n] == '\t' {
		n++
	}
	return n
}

func scanLines(r io.Reader, name string, f func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxProcLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := f(n, line); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	return nil
}

func parseTargetLine(line string) (ietd.Target, error) {
	f := fields(line)
	tid, err := strconv.Atoi(f["tid"])
	if err != nil || tid <= 0 {
		return ietd.Target{}, fmt.Errorf("target line %q: no valid tid", line)
	}
	if f["name"] == "" {
		return ietd.Target{}, fmt.Errorf("target line %q: no name", line)
	}
	return ietd.Target{TID: tid, Name: f["name"]}, nil
}

// ParseVolume reads /proc/net/iet/volume: targets and their LUNs.
func ParseVolume(r io.Reader, name string) ([]ietd.Target, error) {
	var out []ietd.Target
	err := scanLines(r, name, func(_ int, line string) error {
		switch depth(line) {
		case 0:
			t, err := parseTargetLine(line)
			if err != nil {
				return err
			}
			out = append(out, t)
		case 1:
			if len(out) == 0 {
				return fmt.Errorf("LUN line before any target line")
			}
			l, err := parseLUNLine(line)
			if err != nil {
				return err
			}
			out[len(out)-1].LUNs = append(out[len(out)-1].LUNs, l)
		default:
			return fmt.Errorf("unexpected indentation: %q", line)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func parseLUNLine(line string) (ietd.LUN, error) {
	f := fields(line)
	n, err := strconv.Atoi(f["lun"])
	if err != nil || n < 0 {
		return ietd.LUN{}, fmt.Errorf("LUN line %q: no valid lun number", line)
	}
	l := ietd.LUN{Number: n, Path: f["path"], IOType: f["iotype"], IOMode: f["iomode"]}
	if s, ok := f["state"]; ok {
		st, err := strconv.ParseUint(s, 16, 32) // printed with %x
		if err != nil {
			return ietd.LUN{}, fmt.Errorf("LUN line %q: state %q is not hex", line, s)
		}
		l.State = int(st)
	}
	b, hasBlocks := f["blocks"]
	bs, hasBS := f["blocksize"]
	if hasBlocks && hasBS {
		blocks, err1 := strconv.ParseUint(b, 10, 64)
		size, err2 := strconv.ParseUint(bs, 10, 32)
		if err1 != nil || err2 != nil || size == 0 || size&(size-1) != 0 || blocks > 1<<62/size {
			return ietd.LUN{}, fmt.Errorf("LUN line %q: bad blocks/blocksize", line)
		}
		l.Blocks, l.BlockSize, l.SizeKnown = blocks, uint32(size), true
	}
	return l, nil
}

// ParseSession reads /proc/net/iet/session: sessions and connections by
// target. A session may have no connection lines (it is being torn down
// or reinstated).
func ParseSession(r io.Reader, name string) ([]ietd.Target, error) {
	var out []ietd.Target
	err := scanLines(r, name, func(_ int, line string) error {
		switch depth(line) {
		case 0:
			t, err := parseTargetLine(line)
			if err != nil {
				return err
			}
			out = append(out, t)
		case 1:
			if len(out) == 0 {
				return fmt.Errorf("session line before any target line")
			}
			f := fields(line)
			sid, err := strconv.ParseUint(f["sid"], 10, 64)
			if err != nil {
				return fmt.Errorf("session line %q: no valid sid", line)
			}
			t := &out[len(out)-1]
			t.Sessions = append(t.Sessions, ietd.Session{SID: sid, Initiator: f["initiator"]})
		case 2:
			if len(out) == 0 || len(out[len(out)-1].Sessions) == 0 {
				return fmt.Errorf("connection line before any session line")
			}
			f := fields(line)
			cid, err := strconv.ParseUint(f["cid"], 10, 32)
			if err != nil {
				return fmt.Errorf("connection line %q: no valid cid", line)
			}
			// An address that does not parse (IET before 1.4.20.3 printed
			// IPv4 wrongly on new kernels) is kept as unknown.
			ip, _ := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(f["ip"], "["), "]"))
			t := &out[len(out)-1]
			s := &t.Sessions[len(t.Sessions)-1]
			s.Conns = append(s.Conns, ietd.Conn{CID: uint32(cid), IP: ip.Unmap(), State: f["state"], HeaderDigest: f["hd"], DataDigest: f["dd"]})
		default:
			return fmt.Errorf("unexpected indentation: %q", line)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Merge joins the volume and session views by tid.
func Merge(vol, sess []ietd.Target) *ietd.State {
	s := &ietd.State{}
	idx := map[int]int{}
	for _, t := range vol {
		idx[t.TID] = len(s.Targets)
		s.Targets = append(s.Targets, t)
	}
	for _, t := range sess {
		i, ok := idx[t.TID]
		if !ok {
			idx[t.TID] = len(s.Targets)
			s.Targets = append(s.Targets, ietd.Target{TID: t.TID, Name: t.Name})
			i = len(s.Targets) - 1
		}
		s.Targets[i].Sessions = append(s.Targets[i].Sessions, t.Sessions...)
	}
	s.Sort()
	return s
}

// ParseShowTarget reads ietadm --op show --tid=N: one Key=Value per line.
// Keys are canonicalised with targetconf's option table; keys it does not
// know (Type) are skipped. Empty output (IET before 1.4.20 prints
// nothing) yields nil: options unknown.
func ParseShowTarget(out string) map[string]string {
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

// ParseShowUsers reads ietadm --op show --user: lines "IncomingUser NAME"
// and "OutgoingUser NAME".
func ParseShowUsers(out string) ([]ietd.UserRef, error) {
	var users []ietd.UserRef
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("unexpected account line %q", line)
		}
		switch {
		case strings.EqualFold(f[0], "IncomingUser"):
			users = append(users, ietd.UserRef{Dir: targetconf.Incoming, Name: f[1]})
		case strings.EqualFold(f[0], "OutgoingUser"):
			users = append(users, ietd.UserRef{Dir: targetconf.Outgoing, Name: f[1]})
		default:
			return nil, fmt.Errorf("unexpected account line %q", line)
		}
	}
	return users, nil
}
