package tgt

import (
	"strconv"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// The tgtadm argument lists, as tgtadm(8) of tgt 1.0.85 takes them,
// without the program and the common prefix (see prefix). LUN numbers
// here are tgt's: the callers translate (see tgtLUN).

// prefix is what every command starts with: the control port of the tgtd
// to talk to (0: tgtd's default) and the iSCSI driver.
func prefix(controlPort int) []string {
	if controlPort == 0 {
		return []string{"--lld", "iscsi"}
	}
	return []string{"-C", strconv.Itoa(controlPort), "--lld", "iscsi"}
}

func argvShowSys() []string {
	return []string{"--op", "show", "--mode", "sys"}
}

func argvShowTargets() []string {
	return []string{"--op", "show", "--mode", "target"}
}

// argvShowParams shows one target's iSCSI parameters (Key=Value lines).
func argvShowParams(tid int) []string {
	return []string{"--op", "show", "--mode", "target", "--tid", strconv.Itoa(tid)}
}

func argvNewTarget(tid int, iqn string) []string {
	return []string{"--op", "new", "--mode", "target", "--tid", strconv.Itoa(tid), "--targetname", iqn}
}

func argvDeleteTarget(tid int) []string {
	return []string{"--op", "delete", "--mode", "target", "--tid", strconv.Itoa(tid)}
}

// argvUpdateParam sets one iSCSI parameter of a target.
func argvUpdateParam(tid int, o targetconf.Option) []string {
	return []string{"--op", "update", "--mode", "target", "--tid", strconv.Itoa(tid), "--name", o.Key, "--value", o.Value}
}

// argvNewLU adds logical unit lun backed by path. bsoflags is "", "sync",
// "direct" or "sync:direct"; blockSize 0 keeps tgt's 512.
func argvNewLU(tid, lun int, path, bsoflags string, blockSize int) []string {
	argv := []string{"--op", "new", "--mode", "logicalunit", "--tid", strconv.Itoa(tid), "--lun", strconv.Itoa(lun), "--backing-store", path}
	if bsoflags != "" {
		argv = append(argv, "--bsoflags", bsoflags)
	}
	if blockSize != 0 {
		argv = append(argv, "--blocksize", strconv.Itoa(blockSize))
	}
	return argv
}

// argvUpdateLU sets logical unit parameters, given as key=value.
func argvUpdateLU(tid, lun int, params []string) []string {
	return []string{"--op", "update", "--mode", "logicalunit", "--tid", strconv.Itoa(tid), "--lun", strconv.Itoa(lun), "--params", strings.Join(params, ",")}
}

func argvDeleteLU(tid, lun int) []string {
	return []string{"--op", "delete", "--mode", "logicalunit", "--tid", strconv.Itoa(tid), "--lun", strconv.Itoa(lun)}
}

func argvDeleteConn(tid int, sid uint64, cid uint32) []string {
	return []string{"--op", "delete", "--mode", "conn", "--tid", strconv.Itoa(tid),
		"--sid", strconv.FormatUint(sid, 10), "--cid", strconv.FormatUint(uint64(cid), 10)}
}

// argvNewAccount creates an account; tgtadm takes the password only
// here, on its command line.
func argvNewAccount(name, password string) []string {
	return []string{"--op", "new", "--mode", "account", "--user", name, "--password", password}
}

func argvDeleteAccount(name string) []string {
	return []string{"--op", "delete", "--mode", "account", "--user", name}
}

// argvBindAccount binds (bind true) or unbinds an account to a target in
// one direction.
func argvBindAccount(bind bool, tid int, dir targetconf.Direction, name string) []string {
	argv := []string{"--op", op(bind), "--mode", "account", "--tid", strconv.Itoa(tid), "--user", name}
	if dir == targetconf.Outgoing {
		argv = append(argv, "--outgoing")
	}
	return argv
}

// argvBindACL binds or unbinds one ACL entry: an initiator name with
// --initiator-name, anything else (ALL, an address, a network) with
// --initiator-address.
func argvBindACL(bind bool, tid int, entry string) []string {
	flag := "--initiator-address"
	if isInitiatorName(entry) {
		flag = "--initiator-name"
	}
	return []string{"--op", op(bind), "--mode", "target", "--tid", strconv.Itoa(tid), flag, entry}
}

func op(bind bool) string {
	if bind {
		return "bind"
	}
	return "unbind"
}

// isInitiatorName tells an iSCSI name (iqn., eui. or naa. form) from an
// address entry.
func isInitiatorName(e string) bool {
	l := strings.ToLower(e)
	return strings.HasPrefix(l, "iqn.") || strings.HasPrefix(l, "eui.") || strings.HasPrefix(l, "naa.")
}
