package targetconf

import (
	"fmt"
	"strconv"
	"strings"
)

// OptionScope tells where an ietd option lives.
type OptionScope int

const (
	// ScopeSession options are negotiated per session (iSCSI keys).
	ScopeSession OptionScope = iota
	// ScopeTarget options tune the target itself (worker threads...).
	ScopeTarget
	// ScopeTargetFile options are only read from ietd.conf at start.
	ScopeTargetFile
)

type valueKind int

const (
	kindRange valueKind = iota
	kindBool
	kindDigest
	kindAlias
)

// OptionSpec describes one ietd target or session option.
type OptionSpec struct {
	Name  string
	Scope OptionScope
	// Default is ietd 1.4.20's value when the option is not set.
	Default string
	// Live options can be changed on a running target with
	// ietadm --op update; the others take effect when ietd restarts.
	Live bool
	// Comparable options read back through ietadm --op show as they were
	// set; the others (DefaultTime2Retain, which the kernel forces to 0,
	// and the marker keys, shown as Irrelevant/Reject) do not.
	Comparable bool

	kind     valueKind
	min, max int
	only     string // the one value ietd supports, when restricted
	why      string // reason given when a value is refused
}

// ietdOptions are the options of ietd.conf(5) with their ranges, from IET
// 1.4.20.3 usr/param.c, include/iet_u.h and kernel/param.c (see
// shared/facts/iet-cluster.md §1.5). Where the kernel clamps tighter than
// userspace checks, the kernel's range is used: a value outside it is
// silently replaced by the minimum, which is worse than an error.
var ietdOptions = []OptionSpec{
	{Name: "Wthreads", Scope: ScopeTarget, kind: kindRange, min: 1, max: 128, Default: "8", Live: true, Comparable: true},
	{Name: "QueuedCommands", Scope: ScopeTarget, kind: kindRange, min: 1, max: 256, Default: "32", Live: true, Comparable: true},
	{Name: "NOPInterval", Scope: ScopeTarget, kind: kindRange, min: 0, max: 90, Default: "0", Live: true, Comparable: true},
	{Name: "NOPTimeout", Scope: ScopeTarget, kind: kindRange, min: 0, max: 90, Default: "0", Live: true, Comparable: true},
	{Name: "MaxSessions", Scope: ScopeTargetFile, kind: kindRange, min: 0, max: 65535, Default: "0"},
	{Name: "Alias", Scope: ScopeTargetFile, kind: kindAlias},

	{Name: "InitialR2T", kind: kindBool, Default: "Yes", Live: true, Comparable: true},
	{Name: "ImmediateData", kind: kindBool, Default: "Yes", Live: true, Comparable: true},
	{Name: "MaxConnections", kind: kindRange, min: 1, max: 65535, Default: "1", Live: true, Comparable: true},
	{Name: "MaxRecvDataSegmentLength", kind: kindRange, min: 512, max: 262144, Default: "8192", Live: true, Comparable: true,
		why: "the kernel accepts at most 262144 and silently drops larger values to 512"},
	{Name: "MaxXmitDataSegmentLength", kind: kindRange, min: 512, max: 262144, Default: "8192", Live: true, Comparable: true,
		why: "the kernel accepts at most 262144 and silently drops larger values to 512"},
	{Name: "MaxBurstLength", kind: kindRange, min: 512, max: 16777215, Default: "262144", Live: true, Comparable: true},
	{Name: "FirstBurstLength", kind: kindRange, min: 512, max: 16777215, Default: "65536", Live: true, Comparable: true},
	{Name: "DefaultTime2Wait", kind: kindRange, min: 0, max: 3600, Default: "2", Live: true, Comparable: true},
	{Name: "DefaultTime2Retain", kind: kindRange, min: 0, max: 3600, Default: "0", Live: true},
	{Name: "MaxOutstandingR2T", kind: kindRange, min: 1, max: 65535, Default: "1", Live: true, Comparable: true},
	{Name: "DataPDUInOrder", kind: kindBool, only: "Yes", Default: "Yes", Live: true, Comparable: true, why: "ietd only supports in-order data PDUs"},
	{Name: "DataSequenceInOrder", kind: kindBool, only: "Yes", Default: "Yes", Live: true, Comparable: true, why: "ietd only supports in-order data sequences"},
	{Name: "ErrorRecoveryLevel", kind: kindRange, min: 0, max: 0, Default: "0", Live: true, Comparable: true, why: "ietd only supports error recovery level 0"},
	{Name: "HeaderDigest", kind: kindDigest, Default: "None", Live: true, Comparable: true},
	{Name: "DataDigest", kind: kindDigest, Default: "None", Live: true, Comparable: true},
	{Name: "OFMarker", kind: kindBool, only: "No", Default: "No", Live: true, why: "ietd does not support markers"},
	{Name: "IFMarker", kind: kindBool, only: "No", Default: "No", Live: true, why: "ietd does not support markers"},
	{Name: "OFMarkInt", kind: kindRange, min: 1, max: 65535, Default: "2048", Live: true},
	{Name: "IFMarkInt", kind: kindRange, min: 1, max: 65535, Default: "2048", Live: true},
}

// LookupOption finds an option by name, case-insensitively as ietd does.
func LookupOption(name string) (OptionSpec, bool) {
	for _, o := range ietdOptions {
		if strings.EqualFold(o.Name, name) {
			return o, true
		}
	}
	return OptionSpec{}, false
}

// Options returns every option ietd knows, in table order.
func Options() []OptionSpec {
	return append([]OptionSpec(nil), ietdOptions...)
}

// normalize checks a value and returns it as ietd writes it back.
func (o OptionSpec) normalize(v string) (string, error) {
	switch o.kind {
	case kindRange:
		n, err := strconv.Atoi(v)
		if err != nil || strings.HasPrefix(v, "+") {
			return "", fmt.Errorf("%s takes a decimal number, not %q", o.Name, v)
		}
		if n < o.min || n > o.max {
			msg := fmt.Sprintf("%s %d is out of range %d-%d", o.Name, n, o.min, o.max)
			if o.min == o.max {
				msg = fmt.Sprintf("%s must be %d", o.Name, o.min)
			}
			if o.why != "" {
				msg += ": " + o.why
			}
			return "", fmt.Errorf("%s", msg)
		}
		return strconv.Itoa(n), nil
	case kindBool:
		if v != "Yes" && v != "No" {
			return "", fmt.Errorf("%s takes Yes or No (case-sensitive), not %q", o.Name, v)
		}
		if o.only != "" && v != o.only {
			return "", fmt.Errorf("%s must be %s: %s", o.Name, o.only, o.why)
		}
		return v, nil
	case kindDigest:
		parts := strings.Split(v, ",")
		seen := map[string]bool{}
		for _, p := range parts {
			if p != "None" && p != "CRC32C" {
				return "", fmt.Errorf("%s takes None, CRC32C or both as \"CRC32C,None\" (case-sensitive), not %q", o.Name, v)
			}
			if seen[p] {
				return "", fmt.Errorf("%s lists %s twice", o.Name, p)
			}
			seen[p] = true
		}
		return v, nil
	default:
		if v == "" {
			return "", fmt.Errorf("%s needs a value", o.Name)
		}
		if strings.ContainsAny(v, " \t") {
			return "", fmt.Errorf("%s %q contains blanks; ietd.conf takes one word", o.Name, v)
		}
		return v, nil
	}
}

// Shown returns the value ietadm --op show prints for a configured value,
// for comparing the desired state with the running one. A digest list
// shows as CRC32C when it offers CRC32C (ietd's digest_val_to_str).
func (o OptionSpec) Shown(v string) string {
	if o.kind == kindDigest {
		if strings.Contains(v, "CRC32C") {
			return "CRC32C"
		}
		return "None"
	}
	return v
}
