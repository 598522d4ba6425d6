package ietsim

import (
	"fmt"
	"strings"
)

// Operations of --op; opInvalid is what str_to_op returns for anything
// else, and also the value when --op is missing.
const (
	opInvalid = iota - 1
	opNew
	opDelete
	opUpdate
	opShow
)

// Bits of options.set: which ids were given.
const (
	setTarget = 1 << iota
	setSession
	setConn
	setLUN
	setUser
)

// options are ietadm's parsed command line.
type options struct {
	op            int
	set           uint
	tid, cid, lun uint32
	sid           uint64
	params        *string // nil when --params was not given
	rest          []string
}

// parseAction says what to do after parsing.
type parseAction int

const (
	actRun parseAction = iota
	actHelp
	actVersion
	actUsage // msg explains, exit 255
)

type longOpt struct {
	name   string
	short  byte
	hasArg bool
}

var longOpts = []longOpt{
	{"op", 'o', true}, {"tid", 't', true}, {"sid", 's', true}, {"cid", 'c', true},
	{"lun", 'l', true}, {"params", 'p', true}, {"user", 'u', false},
	{"version", 'v', false}, {"help", 'h', false},
}

// parseArgs parses args (without argv[0]) the way ietadm's getopt_long
// loop does: long options with "=" or a separate argument and unambiguous
// prefixes, short options "o:t:s:c:l:p:uvh" (clustered or not), operands
// permuted to the end, "--" ending the options. --help and --version act
// as soon as they are met; so does the first bad option.
func parseArgs(args []string) (options, parseAction, string) {
	o := options{op: opInvalid}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.rest = append(o.rest, args[i+1:]...)
			return o, actRun, ""
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			lo, msg := matchLong(name)
			if msg != "" {
				return o, actUsage, msg
			}
			switch {
			case !lo.hasArg && hasVal:
				return o, actUsage, fmt.Sprintf("ietadm: option '--%s' doesn't allow an argument", lo.name)
			case lo.hasArg && !hasVal:
				if i+1 >= len(args) {
					return o, actUsage, fmt.Sprintf("ietadm: option '--%s' requires an argument", lo.name)
				}
				i++
				val = args[i]
			}
			if act := o.apply(lo.short, val); act != actRun {
				return o, act, ""
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				lo, ok := shortOpt(a[j])
				if !ok {
					return o, actUsage, fmt.Sprintf("ietadm: invalid option -- '%c'", a[j])
				}
				val := ""
				if lo.hasArg {
					switch {
					case j+1 < len(a):
						val = a[j+1:]
					case i+1 < len(args):
						i++
						val = args[i]
					default:
						return o, actUsage, fmt.Sprintf("ietadm: option requires an argument -- '%c'", a[j])
					}
				}
				if act := o.apply(lo.short, val); act != actRun {
					return o, act, ""
				}
				if lo.hasArg {
					break
				}
			}
		default:
			o.rest = append(o.rest, a)
		}
	}
	return o, actRun, ""
}

func matchLong(name string) (longOpt, string) {
	var found []longOpt
	for _, lo := range longOpts {
		if lo.name == name {
			return lo, ""
		}
		if name != "" && strings.HasPrefix(lo.name, name) {
			found = append(found, lo)
		}
	}
	switch len(found) {
	case 1:
		return found[0], ""
	case 0:
		return longOpt{}, fmt.Sprintf("ietadm: unrecognized option '--%s'", name)
	}
	return longOpt{}, fmt.Sprintf("ietadm: option '--%s' is ambiguous", name)
}

func shortOpt(c byte) (longOpt, bool) {
	for _, lo := range longOpts {
		if lo.short == c {
			return lo, true
		}
	}
	return longOpt{}, false
}

// apply records one option as ietadm's switch does: ids through
// strtoul(..., 10), so junk is 0, and a later --op overrides.
func (o *options) apply(c byte, val string) parseAction {
	switch c {
	case 'o':
		o.op = strToOp(val)
	case 't':
		o.tid = uint32(cStrtoul(val))
		o.set |= setTarget
	case 's':
		o.sid = cStrtoul(val)
		o.set |= setSession
	case 'c':
		o.cid = uint32(cStrtoul(val))
		o.set |= setConn
	case 'l':
		o.lun = uint32(cStrtoul(val))
		o.set |= setLUN
	case 'p':
		o.params = &val
	case 'u':
		o.set |= setUser
	case 'v':
		return actVersion
	case 'h':
		return actHelp
	}
	return actRun
}

func strToOp(s string) int {
	switch s {
	case "new":
		return opNew
	case "delete":
		return opDelete
	case "update":
		return opUpdate
	case "show":
		return opShow
	}
	return opInvalid
}

// usageText is printed for --help; it summarises ietadm's own.
const usageText = `Usage: ietadm [OPTION]
iSCSI Enterprise Target Administration Utility (simulated by ietsim).

  --op new --tid=[id] --params Name=[name]         add a target
  --op delete --tid=[id]                           delete a target
  --op update --tid=[id] --params=key=value,...    set target parameters
  --op show --tid=[id]                             show target parameters
  --op new --tid=[id] --lun=[lun] --params Path=[path],...
                                                   add a logical unit
  --op delete --tid=[id] --lun=[lun]               delete a logical unit
  --op delete --tid=[id] --sid=[sid] --cid=[cid]   close a connection
  --op new --tid=[id] --user --params=[IncomingUser|OutgoingUser]=[name],Password=[pass]
  --op delete --tid=[id] --user --params=[IncomingUser|OutgoingUser]=[name]
  --op show --tid=[id] --user                      list accounts
  --op delete                                      system-wide delete
  --version                                        display version and exit
  --help                                           display this help and exit
`
