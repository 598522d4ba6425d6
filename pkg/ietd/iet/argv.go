package iet

import (
	"fmt"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// The ietadm argument lists, as ietadm(8) of IET 1.4.20 takes them. The
// sid is passed in decimal, as /proc shows it and ietadm reads it.

func argvNewTarget(tid int, iqn string) []string {
	return []string{"--op", "new", fmt.Sprintf("--tid=%d", tid), "--params", "Name=" + iqn}
}

func argvDeleteTarget(tid int) []string {
	return []string{"--op", "delete", fmt.Sprintf("--tid=%d", tid)}
}

func argvUpdateTarget(tid int, opts []targetconf.Option) []string {
	kv := make([]string, len(opts))
	for i, o := range opts {
		kv[i] = o.Key + "=" + o.Value
	}
	return []string{"--op", "update", fmt.Sprintf("--tid=%d", tid), "--params", strings.Join(kv, ",")}
}

func argvShowTarget(tid int) []string {
	return []string{"--op", "show", fmt.Sprintf("--tid=%d", tid)}
}

// argvShowUsers lists accounts; tid 0 lists the discovery accounts.
func argvShowUsers(tid int) []string {
	return []string{"--op", "show", fmt.Sprintf("--tid=%d", tid), "--user"}
}

// argvNewUser adds an account; tid 0 adds a discovery account. ietadm
// takes the password only here, on its command line.
func argvNewUser(tid int, u targetconf.User) []string {
	return []string{"--op", "new", fmt.Sprintf("--tid=%d", tid), "--user",
		"--params", u.Dir.IETKey() + "=" + u.Name + ",Password=" + u.Secret.Reveal()}
}

func argvDeleteUser(tid int, dir targetconf.Direction, name string) []string {
	return []string{"--op", "delete", fmt.Sprintf("--tid=%d", tid), "--user", "--params", dir.IETKey() + "=" + name}
}

func argvNewLUN(tid int, l targetconf.LUN) []string {
	return []string{"--op", "new", fmt.Sprintf("--tid=%d", tid), fmt.Sprintf("--lun=%d", l.Number), "--params", l.Params()}
}

func argvDeleteLUN(tid, lun int) []string {
	return []string{"--op", "delete", fmt.Sprintf("--tid=%d", tid), fmt.Sprintf("--lun=%d", lun)}
}

func argvDeleteConn(tid int, sid uint64, cid uint32) []string {
	return []string{"--op", "delete", fmt.Sprintf("--tid=%d", tid), fmt.Sprintf("--sid=%d", sid), fmt.Sprintf("--cid=%d", cid)}
}
