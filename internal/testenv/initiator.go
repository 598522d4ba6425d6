package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ietkit/ietkit/internal/iscsiio/iscsiurl"
)

// Initiator is an iSCSI initiator in a host's namespace: libiscsi's tools
// (iscsi-ls, iscsi-inq, iscsi-readcapacity16) and, once built, iscsi-io.
// Every command runs inside NS and logs in as Name.
type Initiator struct {
	NS *NetNS
	// IscsiIO is the path of the iscsi-io tool, "" until WithIscsiIO.
	IscsiIO string
	// Name is the initiator IQN, as in iqn.2026-11.org.ietkit.test:host0.
	Name string

	tb testing.TB // owns background commands
}

// NewInitiator returns an initiator named name in h's namespace. It skips
// the test without libiscsi's tools (Debian package libiscsi-bin).
func NewInitiator(t testing.TB, h *Host, name string) *Initiator {
	t.Helper()
	RequireTool(t, "iscsi-ls", "iscsi-inq", "iscsi-readcapacity16")
	return &Initiator{NS: h.NS, Name: name, tb: t}
}

// URL returns libiscsi's URL for LUN lun of target iqn at portal, logging
// in with CHAP as user and password when user is not empty; with iqn empty
// it returns the portal URL, as iscsi-ls takes. It panics on a user or
// password libiscsi cannot take in a URL (the message never holds the
// password).
func URL(portal netip.AddrPort, user, password, iqn string, lun int) string {
	u, err := iscsiurl.Format(portal, user, password, iqn, lun)
	if err != nil {
		panic(err)
	}
	return u
}

// Login status codes (RFC 7143, 11.13.5: class in the high byte, detail in
// the low one) of a LoginRefusedError.
const (
	LoginStatusAuthenticationFailure = 0x0201
	LoginStatusAuthorizationFailure  = 0x0202
	// LoginStatusTargetNotFound is also what tgtd answers an initiator
	// that its ACL does not allow.
	LoginStatusTargetNotFound = 0x0203
)

// CommandError is a command of an Initiator that failed.
type CommandError struct {
	Args     []string // the command line, passwords masked
	ExitCode int      // -1 when it did not exit by itself
	Stdout   string   // text output; "" for commands that print data
	Stderr   string
	Err      error // from os/exec or the context
}

func (e *CommandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", strings.Join(e.Args, " "), e.Err)
	for _, s := range []string{e.Stderr, e.Stdout} {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString(": " + s)
		}
	}
	return b.String()
}

func (e *CommandError) Unwrap() error { return e.Err }

// LoginRefusedError is a login that the target answered with a failure
// status: the initiator is not allowed, its credentials are wrong, or the
// target does not exist.
type LoginRefusedError struct {
	Status int    // the login status, e.g. LoginStatusTargetNotFound; 0 if not printed
	Reason string // libiscsi's words for it
	Err    *CommandError
}

func (e *LoginRefusedError) Error() string {
	return fmt.Sprintf("login refused: %s (status 0x%04x): %v", e.Reason, e.Status, e.Err)
}

func (e *LoginRefusedError) Unwrap() error { return e.Err }

// IsLoginRefused reports whether err is, or wraps, a LoginRefusedError.
func IsLoginRefused(err error) bool {
	var e *LoginRefusedError
	return errors.As(err, &e)
}

// loginRefusals classifies libiscsi's messages for refused logins, which
// both its tools and iscsi-io print.
var loginRefusals = []struct {
	re    *regexp.Regexp
	parse func(m []string) *LoginRefusedError
}{
	{ // "Failed to log in to target. Status: Target not found(515)"
		regexp.MustCompile(`Failed to log in to target\. Status: ([^()\n]*)\((\d+)\)`),
		func(m []string) *LoginRefusedError {
			status, _ := strconv.Atoi(m[2])
			return &LoginRefusedError{Status: status, Reason: m[1]}
		},
	},
	{ // mutual CHAP: the target failed to authenticate itself
		regexp.MustCompile(`Failed to log in to target\. (Wrong CHAP targetname|It did not return CHAP_[NR])`),
		func(m []string) *LoginRefusedError {
			return &LoginRefusedError{Status: LoginStatusAuthenticationFailure, Reason: m[1]}
		},
	},
}

// classifyLogin returns the refusal that output reports, or nil.
func classifyLogin(output string) *LoginRefusedError {
	for _, r := range loginRefusals {
		if m := r.re.FindStringSubmatch(output); m != nil {
			return r.parse(m)
		}
	}
	return nil
}

// run runs argv inside the initiator's namespace, feeding it stdin when
// not nil, and returns its stdout. textOut says whether stdout is text
// worth quoting in an error. A failure is a *CommandError, or a
// *LoginRefusedError wrapping one.
func (in *Initiator) run(ctx context.Context, stdin []byte, textOut bool, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := in.NS.Do(cmd.Start) // the child inherits the namespace
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		out := ""
		if textOut {
			out = stdout.String()
		}
		return stdout.Bytes(), commandError(argv, out, stderr.String(), err)
	}
	return stdout.Bytes(), nil
}

// commandError builds the error of a failed command, with passwords
// masked, classified by what it printed.
func commandError(argv []string, stdout, stderr string, err error) error {
	var secrets []string
	args := make([]string, len(argv))
	for i, a := range argv {
		secrets = append(secrets, iscsiurl.Secrets(a)...)
		args[i] = iscsiurl.Redact(a)
	}
	ce := &CommandError{
		Args:     args,
		ExitCode: -1,
		Stdout:   iscsiurl.RedactText(stdout, secrets...),
		Stderr:   iscsiurl.RedactText(stderr, secrets...),
		Err:      err,
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ce.ExitCode = ee.ExitCode()
	}
	if le := classifyLogin(ce.Stdout + "\n" + ce.Stderr); le != nil {
		le.Err = ce
		return le
	}
	return ce
}

// nameArgs returns the -i option for the initiator's name, if it has one.
func (in *Initiator) nameArgs() []string {
	if in.Name == "" {
		return nil
	}
	return []string{"-i", in.Name}
}

// LsTarget is a target as `iscsi-ls -s` lists it.
type LsTarget struct {
	IQN    string
	Portal string // as printed: address:port,tpgt
	LUNs   []LsLUN
}

// LsLUN is a LUN as `iscsi-ls -s` lists it.
type LsLUN struct {
	LUN  int
	Type string // e.g. DIRECT_ACCESS, STORAGE_ARRAY_CONTROLLER
	Size string // as printed, e.g. "99M"; "" when none is printed
}

// Ls lists the targets portalURL offers this initiator, with their LUNs
// (iscsi-ls -s). A target whose login is refused fails it.
func (in *Initiator) Ls(ctx context.Context, portalURL string) ([]LsTarget, error) {
	argv := append(append([]string{"iscsi-ls", "-s"}, in.nameArgs()...), portalURL)
	out, err := in.run(ctx, nil, true, argv...)
	if err != nil {
		return nil, err
	}
	targets, err := parseLs(string(out))
	if err != nil {
		return nil, fmt.Errorf("iscsi-ls %s: %w", iscsiurl.Redact(portalURL), err)
	}
	return targets, nil
}

var lsSizeRE = regexp.MustCompile(`\(Size:\s*([^)]*?)\s*\)`)

// parseLs parses the output of `iscsi-ls -s`.
func parseLs(out string) ([]LsTarget, error) {
	var targets []LsTarget
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Target:"); ok {
			iqn, portal, ok := strings.Cut(rest, " Portal:")
			if !ok || iqn == "" {
				return nil, fmt.Errorf("parse iscsi-ls line %q: no portal", line)
			}
			targets = append(targets, LsTarget{IQN: iqn, Portal: portal})
			continue
		}
		rest, ok := strings.CutPrefix(line, "Lun:")
		if !ok {
			return nil, fmt.Errorf("parse iscsi-ls line %q: neither a target nor a lun", line)
		}
		if len(targets) == 0 {
			return nil, fmt.Errorf("parse iscsi-ls line %q: a lun before any target", line)
		}
		num, typ, ok := strings.Cut(rest, " Type:")
		lun, err := strconv.Atoi(strings.TrimSpace(num))
		if !ok || err != nil || lun < 0 {
			return nil, fmt.Errorf("parse iscsi-ls line %q: no lun number and type", line)
		}
		l := LsLUN{LUN: lun, Type: typ}
		if i := strings.IndexByte(typ, ' '); i >= 0 {
			l.Type = typ[:i]
			if m := lsSizeRE.FindStringSubmatch(typ[i:]); m != nil {
				l.Size = m[1]
			}
		}
		t := &targets[len(targets)-1]
		t.LUNs = append(t.LUNs, l)
	}
	return targets, nil
}

// ReadCapacity returns the number of blocks of url's LUN and their size
// (iscsi-readcapacity16).
func (in *Initiator) ReadCapacity(ctx context.Context, url string) (blocks, blockSize uint64, err error) {
	argv := append(append([]string{"iscsi-readcapacity16"}, in.nameArgs()...), url)
	out, err := in.run(ctx, nil, true, argv...)
	if err != nil {
		return 0, 0, err
	}
	blocks, blockSize, err = parseReadCapacity16(string(out))
	if err != nil {
		return 0, 0, fmt.Errorf("iscsi-readcapacity16 %s: %w", iscsiurl.Redact(url), err)
	}
	return blocks, blockSize, nil
}

// parseReadCapacity16 parses the output of iscsi-readcapacity16: the
// number of blocks is the returned (last) LBA plus one. A "Total size"
// line, when present, must agree.
func parseReadCapacity16(out string) (blocks, blockSize uint64, err error) {
	vals := map[string]uint64{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		switch k {
		case "RETURNED LOGICAL BLOCK ADDRESS", "LOGICAL BLOCK LENGTH IN BYTES", "Total size":
		default:
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if !ok || err != nil {
			return 0, 0, fmt.Errorf("parse iscsi-readcapacity16 line %q: not a number", line)
		}
		vals[k] = n
	}
	lba, okLBA := vals["RETURNED LOGICAL BLOCK ADDRESS"]
	blockSize, okLen := vals["LOGICAL BLOCK LENGTH IN BYTES"]
	if !okLBA || !okLen {
		return 0, 0, fmt.Errorf("parse iscsi-readcapacity16 output %q: no returned lba or block length", out)
	}
	if lba == ^uint64(0) || blockSize == 0 {
		return 0, 0, fmt.Errorf("parse iscsi-readcapacity16 output: returned lba %d, block length %d", lba, blockSize)
	}
	blocks = lba + 1
	if total, ok := vals["Total size"]; ok && (blocks > total/blockSize || blocks*blockSize != total) {
		return 0, 0, fmt.Errorf("parse iscsi-readcapacity16 output: total size %d is not %d blocks of %d bytes", total, blocks, blockSize)
	}
	return blocks, blockSize, nil
}

// Inquiry returns what iscsi-inq prints for url's LUN (its standard
// INQUIRY data, decoded), unparsed.
func (in *Initiator) Inquiry(ctx context.Context, url string) (string, error) {
	argv := append(append([]string{"iscsi-inq"}, in.nameArgs()...), url)
	out, err := in.run(ctx, nil, true, argv...)
	return string(out), err
}
