package snapdrivers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ietkit/ietkit/pkg/remote"
	"golang.org/x/sys/unix"
)

// ErrInUse is a copy the precheck found in use: a resync would pull it
// from under its users.
var ErrInUse = errors.New("copy in use")

// Precheck is a resource's precheck keyword: either a command (the first
// word is an executable file; it runs without a shell and exit 0 means
// the copies are not in use), or mount points and block devices the
// copies are used through, each of which must be unused: a mount point
// not mounted, a device not mounted, not held by another device
// (device-mapper, md) and not open exclusively.
//
//	precheck = /usr/local/bin/oradb-is-down ORCL
//	precheck = /srv/oradata /dev/mapper/vg_ora-lv_arch
type Precheck struct {
	Words []string
	// MountInfo is /proc/self/mountinfo (tests point it elsewhere).
	MountInfo string
}

// ParsePrecheck reads sec's precheck keyword; nil when there is none.
func ParsePrecheck(sec *Section) (*Precheck, error) {
	w := strings.Fields(sec.Get("precheck"))
	if len(w) == 0 {
		return nil, nil
	}
	if !filepath.IsAbs(w[0]) {
		return nil, sec.Errorf("precheck", "%q: want an absolute path: a command, or mount points and devices", w[0])
	}
	return &Precheck{Words: w, MountInfo: "/proc/self/mountinfo"}, nil
}

// String is the keyword's value.
func (p *Precheck) String() string { return strings.Join(p.Words, " ") }

// Check returns an error wrapping ErrInUse when the copies are in use,
// and another error when it cannot tell (a path that does not exist is
// not taken for unused).
func (p *Precheck) Check(ctx context.Context, r remote.Runner) error {
	fi, err := os.Stat(p.Words[0])
	if err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		res, err := r.Run(ctx, remote.Cmd{Argv: p.Words})
		if err == nil {
			return nil
		}
		if code, ok := remote.ExitCode(err); ok {
			out := strings.TrimSpace(string(res.Stdout) + "\n" + string(res.Stderr))
			return fmt.Errorf("%w: precheck %s exited %d: %s", ErrInUse, p, code, out)
		}
		return fmt.Errorf("precheck %s: %w", p, err)
	}
	mounts, err := readMountInfo(p.MountInfo)
	if err != nil {
		return err
	}
	for _, path := range p.Words {
		if err := checkUnused(path, mounts); err != nil {
			return err
		}
	}
	return nil
}

type mount struct {
	dev   uint64 // major:minor of what is mounted
	point string
}

func readMountInfo(path string) ([]mount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("precheck: %w", err)
	}
	defer f.Close()
	var ms []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		maj, min, ok := strings.Cut(f[2], ":")
		if !ok {
			continue
		}
		ma, err1 := strconv.ParseUint(maj, 10, 32)
		mi, err2 := strconv.ParseUint(min, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		ms = append(ms, mount{dev: unix.Mkdev(uint32(ma), uint32(mi)), point: unescapeMount(f[4])})
	}
	return ms, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func checkUnused(path string, mounts []mount) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("precheck: %s: %w (cannot tell whether the copy is in use)", path, err)
	}
	var st unix.Stat_t
	if err := unix.Stat(real, &st); err != nil {
		return fmt.Errorf("precheck: %s: %w", path, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		for _, m := range mounts {
			if m.point == real {
				return fmt.Errorf("%w: %s is mounted", ErrInUse, path)
			}
		}
		return nil
	case unix.S_IFBLK:
		for _, m := range mounts {
			if m.dev == st.Rdev {
				return fmt.Errorf("%w: %s is mounted on %s", ErrInUse, path, m.point)
			}
		}
		holders := fmt.Sprintf("/sys/dev/block/%d:%d/holders", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		if ents, err := os.ReadDir(holders); err == nil && len(ents) > 0 {
			names := make([]string, len(ents))
			for i, e := range ents {
				names[i] = e.Name()
			}
			return fmt.Errorf("%w: %s is held by %s", ErrInUse, path, strings.Join(names, ", "))
		}
		// An exclusive open fails with EBUSY while anything else holds
		// the device exclusively (a mount, LVM, md, a cluster FS).
		fd, err := unix.Open(real, unix.O_RDONLY|unix.O_EXCL|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("%w: %s is open exclusively by another program", ErrInUse, path)
		}
		if err != nil {
			return fmt.Errorf("precheck: open %s: %w", path, err)
		}
		unix.Close(fd)
		return nil
	}
	return fmt.Errorf("precheck: %s is neither an executable, a directory (mount point) nor a block device", path)
}
