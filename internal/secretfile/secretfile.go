// Package secretfile checks files that hold secrets (PDU credentials,
// tokens, array passwords) before they are read: a secret others can read
// is no secret, and one others own can be swapped.
package secretfile

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"syscall"
)

// Check refuses fi, the file at path, unless it is a regular file with no
// permissions for group and others, owned by root or one of owners.
func Check(fi fs.FileInfo, path string, owners ...int) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s: mode %04o lets group or others read it; refusing it (chmod 600 %s)", path, perm, path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return nil
	}
	allowed := []string{"root"}
	for _, o := range owners {
		if int(st.Uid) == o {
			return nil
		}
		if o != 0 {
			allowed = append(allowed, "uid "+strconv.Itoa(o))
		}
	}
	return fmt.Errorf("%s: owned by uid %d, not %s; refusing it", path, st.Uid, strings.Join(allowed, " or "))
}
