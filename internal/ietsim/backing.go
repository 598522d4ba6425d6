package ietsim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// backing is what attaching a LUN learns about its backing store.
type backing struct {
	size             uint64 // bytes
	logicalBlockSize uint32 // of a block device; 0 for a file
	dev              uint64 // device number of a block device
}

// openBacking measures the backing store of a new LUN the way the iotypes
// do at attach time (facts 1.2): fileio takes a regular file's size, a
// block device's size comes from BLKGETSIZE64 for both iotypes, and
// blockio refuses anything but a block device.
func openBacking(path, iotype string) (backing, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return backing{}, pathErrno(path, err)
	}
	switch {
	case fi.Mode().IsRegular() && iotype == "fileio":
		return backing{size: uint64(fi.Size())}, nil
	case fi.Mode()&fs.ModeDevice != 0 && fi.Mode()&fs.ModeCharDevice == 0:
		return blockDeviceSize(path, fi)
	case iotype == "blockio":
		return backing{}, fmt.Errorf("%s: %w", path, syscall.ENOTBLK)
	case fi.IsDir():
		return backing{}, fmt.Errorf("%s: %w", path, syscall.EISDIR)
	}
	return backing{}, fmt.Errorf("%s: not a regular file or block device: %w", path, syscall.EINVAL)
}

func blockDeviceSize(path string, fi fs.FileInfo) (backing, error) {
	f, err := os.Open(path)
	if err != nil {
		return backing{}, pathErrno(path, err)
	}
	defer f.Close()
	var size uint64
	// BLKGETSIZE64 writes a u64 whatever the word size, so it cannot go
	// through unix.IoctlGetInt.
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.BLKGETSIZE64, uintptr(unsafe.Pointer(&size))); e != 0 {
		return backing{}, fmt.Errorf("%s: BLKGETSIZE64: %w", path, e)
	}
	lbs, err := unix.IoctlGetInt(int(f.Fd()), unix.BLKSSZGET)
	if err != nil {
		return backing{}, fmt.Errorf("%s: BLKSSZGET: %w", path, err)
	}
	b := backing{size: size, logicalBlockSize: uint32(lbs)}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		b.dev = uint64(st.Rdev)
	}
	return b, nil
}

// blockDevice returns the device number of path when it is a block device.
func blockDevice(path string) (uint64, bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return 0, false
	}
	return uint64(st.Rdev), true
}

// pathErrno keeps the errno of a failed stat or open (ENOENT for a missing
// path), which is what the kernel would return.
func pathErrno(path string, err error) error {
	var e syscall.Errno
	if errors.As(err, &e) {
		return fmt.Errorf("%s: %w", path, e)
	}
	return fmt.Errorf("%s: %v: %w", path, err, syscall.EIO)
}
