package ietsim

import (
	"errors"
	"strings"
	"syscall"
)

// glibcErrors are strerror(3)'s texts for the errnos the simulator
// returns; Go's own texts are lower case.
var glibcErrors = map[syscall.Errno]string{
	syscall.EPERM:        "Operation not permitted",
	syscall.ENOENT:       "No such file or directory",
	syscall.EIO:          "Input/output error",
	syscall.ENOMEM:       "Cannot allocate memory",
	syscall.EACCES:       "Permission denied",
	syscall.ENOTBLK:      "Block device required",
	syscall.EBUSY:        "Device or resource busy",
	syscall.EEXIST:       "File exists",
	syscall.ENODEV:       "No such device",
	syscall.EISDIR:       "Is a directory",
	syscall.EINVAL:       "Invalid argument",
	syscall.ENOSPC:       "No space left on device",
	syscall.ERANGE:       "Numerical result out of range",
	syscall.ECONNREFUSED: "Connection refused",
	syscall.ETIMEDOUT:    "Connection timed out",
	syscall.EAGAIN:       "Resource temporarily unavailable",
}

// errnoNames are the names IETSIM_FAIL accepts besides numbers.
var errnoNames = map[string]syscall.Errno{
	"EPERM": syscall.EPERM, "ENOENT": syscall.ENOENT, "EIO": syscall.EIO,
	"ENOMEM": syscall.ENOMEM, "EACCES": syscall.EACCES, "ENOTBLK": syscall.ENOTBLK,
	"EBUSY": syscall.EBUSY, "EEXIST": syscall.EEXIST, "ENODEV": syscall.ENODEV,
	"EISDIR": syscall.EISDIR, "EINVAL": syscall.EINVAL, "ENOSPC": syscall.ENOSPC,
	"ERANGE": syscall.ERANGE, "ECONNREFUSED": syscall.ECONNREFUSED,
	"ETIMEDOUT": syscall.ETIMEDOUT, "EAGAIN": syscall.EAGAIN,
}

// strerror returns the C library's text for e.
func strerror(e syscall.Errno) string {
	if s, ok := glibcErrors[e]; ok {
		return s
	}
	s := e.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// errnoOf returns the errno err carries, EIO when it carries none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) && e != 0 {
		return e
	}
	return syscall.EIO
}

// exitStatus is what the shell sees when ietadm's main returns -errno.
func exitStatus(e syscall.Errno) int {
	return (256 - int(e)) & 0xff
}
