package lvm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"unsafe"

	"github.com/ietkit/ietkit/pkg/blockdev"
	"golang.org/x/sys/unix"
)

// directAlign is the alignment O_DIRECT asks of buffers and offsets.
const directAlign = 4096

// AlignedBuffer returns n bytes aligned for O_DIRECT.
func AlignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	off := int(uintptr(unsafe.Pointer(&b[0])) & (directAlign - 1))
	if off != 0 {
		off = directAlign - off
	}
	return b[off : off+n : off+n]
}

// LocalSource is a source endpoint on this host, open for reading.
type LocalSource struct {
	*os.File
	Size int64
	// Direct is true when reads bypass the page cache (O_DIRECT).
	Direct bool
}

// OpenLocalSource opens e for reading and sizes it. With direct, block
// devices (dev and lvm endpoints) are read with O_DIRECT, so that a copy
// does not push a production node's working set out of its page cache;
// files are read normally.
func OpenLocalSource(e Endpoint, direct bool) (*LocalSource, error) {
	if e.Remote() {
		return nil, fmt.Errorf("open source %s: not on this host", e)
	}
	size, err := blockdev.Size(e.Path)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", e, err)
	}
	isDev := blockdev.IsBlockDevice(e.Path)
	switch {
	case e.Kind == File && isDev:
		return nil, fmt.Errorf("source %s is a block device: write dev:%s or lvm:%s", e, e.Path, e.Path)
	case e.Kind != File && !isDev:
		return nil, fmt.Errorf("source %s is not a block device", e)
	}
	flags := os.O_RDONLY
	useDirect := direct && isDev
	if useDirect {
		flags |= unix.O_DIRECT
	}
	f, err := os.OpenFile(e.Path, flags, 0)
	if err != nil {
		return nil, fmt.Errorf("open source %s: %w", e, err)
	}
	return &LocalSource{File: f, Size: size, Direct: useDirect}, nil
}

// LocalTarget is a target endpoint on this host, open for writing.
type LocalTarget struct {
	*os.File
	// Note says something the operator should know (a larger target left
	// as it is).
	Note string
	// direct is true while writes bypass the page cache (O_DIRECT).
	direct bool
}

// UseDirect makes the target's writes bypass the page cache (O_DIRECT),
// when its filesystem or device allows it, and tells whether they do. A
// backup's target is not read again soon: written through the page cache
// it only pushes a production node's working set out, and leaves
// gigabytes dirty for the final flush. Writes then want buffers aligned
// with AlignedBuffer; an unaligned one (the source's last partial block)
// is written through the cache, as is everything after it.
func (t *LocalTarget) UseDirect() bool {
	if t.File == nil {
		return false
	}
	if err := setDirect(t.File, true); err != nil {
		return false // EINVAL: this filesystem has no direct I/O
	}
	t.direct = true
	return true
}

// directFor turns O_DIRECT on for a copy's target when it is written
// uncompressed (compressed output is neither aligned nor sized in blocks)
// and the operator did not ask for the page cache, and tells whether it
// did.
func (t *LocalTarget) directFor(comp Compression, buffered bool) bool {
	return comp == NoCompression && !buffered && t.UseDirect()
}

// Direct tells whether writes bypass the page cache.
func (t *LocalTarget) Direct() bool { return t.direct }

// Write writes p at the file's offset, directly when it can.
func (t *LocalTarget) Write(p []byte) (int, error) {
	if !t.direct {
		return t.File.Write(p)
	}
	n := 0
	if isAligned(p) {
		k := len(p) &^ (directAlign - 1)
		m, err := t.File.Write(p[:k])
		n += m
		if err != nil && !(errors.Is(err, unix.EINVAL) && m == 0) {
			return n, err
		}
		if err == nil && k == len(p) {
			return n, nil
		}
	}
	// The rest goes through the page cache; Finish flushes it.
	if err := t.buffered(); err != nil {
		return n, err
	}
	m, err := t.File.Write(p[n:])
	return n + m, err
}

// buffered turns O_DIRECT off for the writes to come.
func (t *LocalTarget) buffered() error {
	if err := setDirect(t.File, false); err != nil {
		return fmt.Errorf("write %s through the page cache: %w", t.Name(), err)
	}
	t.direct = false
	return nil
}

// setDirect turns O_DIRECT on or off for f's descriptor.
func setDirect(f *os.File, on bool) error {
	fd := f.Fd()
	fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if on {
		fl |= unix.O_DIRECT
	} else {
		fl &^= unix.O_DIRECT
	}
	_, err = unix.FcntlInt(fd, unix.F_SETFL, fl)
	return err
}

// isAligned tells whether p starts on an O_DIRECT boundary and holds at
// least one aligned unit.
func isAligned(p []byte) bool {
	return len(p) >= directAlign && uintptr(unsafe.Pointer(&p[0]))&(directAlign-1) == 0
}

// PrepareLocalTarget makes e ready to receive size bytes and opens it: a
// file is created (mode 0600) or truncated; a device must hold size bytes;
// a logical volume is created with that size when missing, extended when
// smaller, and never shrunk. With open false it only prepares (-p).
func PrepareLocalTarget(ctx context.Context, e Endpoint, size int64, lvm LVPreparer, open bool) (*LocalTarget, error) {
	if e.Remote() {
		return nil, fmt.Errorf("prepare target %s: not on this host", e)
	}
	t := &LocalTarget{}
	flags := os.O_WRONLY
	switch e.Kind {
	case File:
		if blockdev.IsBlockDevice(e.Path) {
			return nil, fmt.Errorf("target %s is a block device: write dev:%s or lvm:%s", e, e.Path, e.Path)
		}
		if st, err := os.Stat(e.Path); err == nil && !st.Mode().IsRegular() {
			return nil, fmt.Errorf("target %s is not a regular file", e)
		}
		flags |= os.O_CREATE | os.O_TRUNC
	case Dev:
		have, err := blockdev.Size(e.Path)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", e, err)
		}
		if !blockdev.IsBlockDevice(e.Path) {
			return nil, fmt.Errorf("target %s is not a block device", e)
		}
		if have < size {
			return nil, fmt.Errorf("target %s holds %d bytes, less than the source's %d: refused", e, have, size)
		}
		if have > size {
			t.Note = fmt.Sprintf("target %s is %d bytes larger than the source; the bytes after the copy keep their old content", e, have-size)
		}
	case LV:
		if lvm == nil {
			return nil, fmt.Errorf("target %s: no LVM access", e)
		}
		note, err := lvm.PrepareLV(ctx, e.VG, e.LV, size)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", e, err)
		}
		t.Note = note
	}
	if !open {
		return t, nil
	}
	f, err := os.OpenFile(e.Path, flags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open target %s: %w", e, err)
	}
	t.File = f
	return t, nil
}

// LVPreparer creates or grows a logical volume to hold size bytes, and
// says what it did when the operator should know.
type LVPreparer interface {
	PrepareLV(ctx context.Context, vg, lv string, size int64) (note string, err error)
}

// PrepareLV implements LVPreparer: create the LV with size bytes when it
// is missing, extend it when smaller, and never shrink it.
func (m *LVM) PrepareLV(ctx context.Context, vg, lv string, size int64) (string, error) {
	have, err := m.LV(ctx, vg, lv)
	switch {
	case errors.Is(err, ErrNoSuchLV):
		if _, err := m.Create(ctx, vg, lv, size); err != nil {
			return "", err
		}
		return "", nil
	case err != nil:
		return "", err
	case have.IsSnapshot():
		return "", fmt.Errorf("%s/%s is a snapshot; a copy's target must not be one", vg, lv)
	case have.Size < size:
		if _, err := m.Extend(ctx, vg, lv, size); err != nil {
			return "", err
		}
		return fmt.Sprintf("extended %s/%s from %d to hold %d bytes", vg, lv, have.Size, size), nil
	case have.Size > size:
		return fmt.Sprintf("target %s/%s is %d bytes larger than the source; it is not shrunk, and the bytes after the copy keep their old content", vg, lv, have.Size-size), nil
	}
	return "", nil
}

// SameLocalFile tells whether two local paths are the same file or
// device (through links and device nodes too).
func SameLocalFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if os.SameFile(sa, sb) {
		return true
	}
	// Two nodes of one block device (/dev/vg/lv and /dev/dm-3).
	da, okA := sa.Sys().(*unixStat)
	db, okB := sb.Sys().(*unixStat)
	return okA && okB && sa.Mode()&os.ModeDevice != 0 && sb.Mode()&os.ModeDevice != 0 && da.Rdev == db.Rdev
}

// Finish flushes the target to stable storage and closes it.
func (t *LocalTarget) Finish() error {
	if t.File == nil {
		return nil
	}
	err := t.Sync()
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("flush target %s: %w", t.Name(), err)
	}
	return nil
}
