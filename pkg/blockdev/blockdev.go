// Package blockdev reports the size of what a LUN or a copy reads: a
// block device (asked of the kernel with BLKGETSIZE64) or a regular file.
package blockdev

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Size returns the size in bytes of the block device or regular file at
// path. Anything else (a directory, a character device, a missing path)
// is an error naming the path.
func Size(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", path, unwrapPath(err))
	}
	switch {
	case st.Mode().IsRegular():
		return st.Size(), nil
	case st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0:
		f, err := os.Open(path)
		if err != nil {
			return 0, fmt.Errorf("size of %s: %w", path, unwrapPath(err))
		}
		defer f.Close()
		var n uint64
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.BLKGETSIZE64, uintptrOf(&n)); errno != 0 {
			return 0, fmt.Errorf("size of %s: BLKGETSIZE64: %w", path, errno)
		}
		return int64(n), nil
	}
	return 0, fmt.Errorf("size of %s: not a block device or regular file (%s)", path, st.Mode().Type())
}

// IsBlockDevice tells whether path is a block device.
func IsBlockDevice(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0
}

// unwrapPath drops the *PathError's own "stat PATH:" prefix, since the
// caller names the path already.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
