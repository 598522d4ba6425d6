package ietsim

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
)

// ProcDir is where the proc files live, relative to the root.
const ProcDir = "proc/net/iet"

// RenderProc returns the contents of /proc/net/iet/volume and
// /proc/net/iet/session for targets as IET release version prints them
// (facts 1.2 and 1.3). Targets are printed in the order given.
func RenderProc(targets []Target, version string) (volume, session []byte, err error) {
	v, err := ParseVersion(version)
	if err != nil {
		return nil, nil, err
	}
	return renderVolume(targets, v), renderSession(targets), nil
}

func renderVolume(targets []Target, v Version) []byte {
	var b bytes.Buffer
	for _, t := range targets {
		fmt.Fprintf(&b, "tid:%d name:%s\n", t.TID, t.Name)
		for _, l := range t.LUNs {
			fmt.Fprintf(&b, "\tlun:%d state:%x iotype:%s", l.LUN, l.State, l.IOType)
			if v.hasIOMode() {
				fmt.Fprintf(&b, " iomode:%s", l.IOMode)
			}
			if v.is1420() {
				fmt.Fprintf(&b, " blocks:%d blocksize:%d", l.Blocks, l.BlockSize)
			}
			fmt.Fprintf(&b, " path:%s\n", l.Path)
		}
	}
	return b.Bytes()
}

func renderSession(targets []Target) []byte {
	var b bytes.Buffer
	for _, t := range targets {
		fmt.Fprintf(&b, "tid:%d name:%s\n", t.TID, t.Name)
		for _, s := range t.Sessions {
			fmt.Fprintf(&b, "\tsid:%d initiator:%s\n", s.SID, s.Initiator)
			for _, c := range s.Conns {
				fmt.Fprintf(&b, "\t\tcid:%d ip:%s state:%s hd:%s dd:%s\n",
					c.CID, procIP(c.IP), c.State, c.HD, c.DD)
			}
		}
	}
	return b.Bytes()
}

// procIP formats an address as the kernel does: IPv4 as a dotted quad,
// IPv6 as "[%pI6]", which is eight groups of four hex digits, never
// compressed.
func procIP(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	if !a.IsValid() {
		return ""
	}
	s := a.As16()
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02x%02x", s[i], s[i+1])
	}
	b.WriteByte(']')
	return b.String()
}

// renderProc writes both proc files under root, or removes them while ietd
// is stopped.
func renderProc(root string, st *State, v Version) error {
	dir := filepath.Join(root, ProcDir)
	names := [2]string{"volume", "session"}
	if st.Stopped {
		for _, n := range names {
			if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", n, err)
			}
		}
		return nil
	}
	data := [2][]byte{renderVolume(st.Targets, v), renderSession(st.Targets)}
	for i, n := range names {
		if err := writeFileAtomic(filepath.Join(dir, n), data[i]); err != nil {
			return fmt.Errorf("render %s: %w", filepath.Join(dir, n), err)
		}
	}
	return nil
}
