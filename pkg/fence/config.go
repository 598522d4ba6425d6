package fence

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ietkit/ietkit/internal/secretfile"
)

// DefaultConfigPath is where the proxy reads its configuration.
const DefaultConfigPath = "/etc/ietkit/stonith-proxy.conf"

// Config is stonith-proxy.conf: the PDUs, the outlets of each node, and
// the callers with the nodes each may fence.
//
//	# Global settings (all optional; defaults shown)
//	confirm-timeout 10s     # how long outlets may take to report a change
//	confirm-interval 250ms  # how often they are read meanwhile
//	reboot-delay 5s         # off time of a reboot
//	snmp-timeout 2s         # per SNMP request
//	snmp-retries 2          # retries of a request that timed out
//	lockout-failures 5      # refused requests that lock a caller out...
//	lockout-time 5m         # ...for this long
//	state-dir /var/lib/ietkit/stonith-proxy
//
//	pdu pdu-a address=198.51.100.21 version=1 community=private table=rpdu
//	pdu pdu-b address=198.51.100.22:161 version=3 user=fence \
//	    auth=SHA auth-password="a secret" priv=AES priv-password="another"
//	node node1 outlets=pdu-a:3,pdu-b:3
//	caller node2 token=sha256:9f86d0... may-fence=node1 key=SHA256:nThb...
//
// Values may be double-quoted (with \" and \\ inside); a line ending in a
// backslash continues on the next one. The file holds PDU credentials and
// token hashes, so LoadConfig refuses it unless only its owner can read
// it.
type Config struct {
	PDUs    map[string]PDUConfig
	Nodes   map[string]Node
	Callers map[string]Caller

	ConfirmTimeout  time.Duration
	ConfirmInterval time.Duration
	RebootDelay     time.Duration
	LockoutFailures int
	LockoutTime     time.Duration
	StateDir        string
}

// Node is a machine the proxy can power off, and every outlet feeding it.
type Node struct {
	Name    string
	Outlets []OutletRef
}

// OutletRef is one outlet of one configured PDU.
type OutletRef struct {
	PDU    string
	Outlet int
}

func (o OutletRef) String() string { return o.PDU + ":" + strconv.Itoa(o.Outlet) }

// Caller is one ssh key's holder: the hash of its token, the nodes it may
// fence, and optionally the fingerprints of its keys (for sshd's
// ExposeAuthInfo).
type Caller struct {
	Name     string
	Token    TokenHash
	MayFence []string
	Keys     []string // SHA256:... as ssh-keygen -l prints them
}

// Defaults of the global settings.
const (
	DefaultConfirmTimeout  = 10 * time.Second
	DefaultConfirmInterval = 250 * time.Millisecond
	DefaultRebootDelay     = 5 * time.Second
	DefaultSNMPTimeout     = 2 * time.Second
	DefaultSNMPRetries     = 2
	DefaultLockoutFailures = 5
	DefaultLockoutTime     = 5 * time.Minute
	DefaultStateDir        = "/var/lib/ietkit/stonith-proxy"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether s may name a PDU, node or caller.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// LoadConfig reads path, refusing a file that is not a regular file owned
// by root (or by the user running the proxy) with no permissions for
// group and others: it holds PDU credentials.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	if err := CheckSecretFile(f, path); err != nil {
		return nil, err
	}
	return ParseConfig(f, path)
}

// CheckSecretFile refuses f unless it is a regular file, owned by root or
// the effective user, and mode 0600 or stricter.
func CheckSecretFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	return secretfile.Check(fi, path, os.Geteuid())
}

// ParseConfig reads a configuration; every bad line is reported as
// name:line, and any makes it fail. Secrets never appear in an error.
func ParseConfig(r io.Reader, name string) (*Config, error) {
	c := &Config{
		PDUs:            map[string]PDUConfig{},
		Nodes:           map[string]Node{},
		Callers:         map[string]Caller{},
		ConfirmTimeout:  DefaultConfirmTimeout,
		ConfirmInterval: DefaultConfirmInterval,
		RebootDelay:     DefaultRebootDelay,
		LockoutFailures: DefaultLockoutFailures,
		LockoutTime:     DefaultLockoutTime,
		StateDir:        DefaultStateDir,
	}
	snmpTimeout, snmpRetries := DefaultSNMPTimeout, DefaultSNMPRetries
	var errs []error
	lines := map[string]int{} // "kind name" -> line, for duplicates and messages
	var pduLines []string     // PDU names in file order, to apply snmp-* defaults
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	n, start := 0, 0
	var cont strings.Builder
	for sc.Scan() {
		n++
		text := sc.Text()
		if cont.Len() == 0 {
			start = n
		}
		if t := strings.TrimRight(text, " \t"); strings.HasSuffix(t, `\`) && !strings.HasPrefix(strings.TrimSpace(t), "#") {
			cont.WriteString(strings.TrimSuffix(t, `\`))
			cont.WriteByte(' ')
			continue
		}
		cont.WriteString(text)
		line := cont.String()
		cont.Reset()
		errf := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: %s", name, start, fmt.Sprintf(format, args...)))
		}
		words, err := splitWords(line)
		if err != nil {
			errf("%v", err)
			continue
		}
		if len(words) == 0 {
			continue
		}
		kw := words[0]
		switch kw {
		case "pdu", "node", "caller":
			if len(words) < 2 || strings.Contains(words[1], "=") {
				errf("%s needs a name: %s NAME key=value...", kw, kw)
				continue
			}
			obj := words[1]
			if !ValidName(obj) {
				errf("%s name %q: use letters, digits, '.', '_' and '-' (at most 64)", kw, obj)
				continue
			}
			if prev, dup := lines[kw+" "+obj]; dup {
				errf("%s %s is already defined at line %d", kw, obj, prev)
				continue
			}
			kv, err := keyValues(words[2:])
			if err != nil {
				errf("%s %s: %v", kw, obj, err)
				continue
			}
			lines[kw+" "+obj] = start
			var perr error
			switch kw {
			case "pdu":
				var p PDUConfig
				p, perr = parsePDU(obj, kv)
				if perr == nil {
					c.PDUs[obj] = p
					pduLines = append(pduLines, obj)
				}
			case "node":
				var nd Node
				nd, perr = parseNode(obj, kv)
				if perr == nil {
					c.Nodes[obj] = nd
				}
			case "caller":
				var cl Caller
				cl, perr = parseCaller(obj, kv)
				if perr == nil {
					c.Callers[obj] = cl
				}
			}
			if perr != nil {
				errf("%s %s: %v", kw, obj, perr)
			}
		default:
			if len(words) != 2 {
				errf("%q: want a setting and one value, or pdu/node/caller NAME key=value...", kw)
				continue
			}
			if prev, dup := lines[kw]; dup {
				errf("%s is already set at line %d", kw, prev)
				continue
			}
			lines[kw] = start
			v := words[1]
			var serr error
			switch kw {
			case "confirm-timeout":
				c.ConfirmTimeout, serr = positiveDuration(v)
			case "confirm-interval":
				c.ConfirmInterval, serr = positiveDuration(v)
			case "reboot-delay":
				c.RebootDelay, serr = nonNegativeDuration(v)
			case "snmp-timeout":
				snmpTimeout, serr = positiveDuration(v)
			case "snmp-retries":
				snmpRetries, serr = boundedInt(v, 0, 10)
			case "lockout-failures":
				c.LockoutFailures, serr = boundedInt(v, 1, 1000)
			case "lockout-time":
				c.LockoutTime, serr = positiveDuration(v)
			case "state-dir":
				if !strings.HasPrefix(v, "/") {
					serr = errors.New("want an absolute path")
				}
				c.StateDir = v
			default:
				serr = errors.New("unknown setting")
			}
			if serr != nil {
				errf("%s %q: %v", kw, v, serr)
			}
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s:%d: %w", name, n+1, err))
	}
	if cont.Len() > 0 {
		errs = append(errs, fmt.Errorf("%s:%d: the file ends in a continued line", name, start))
	}
	for _, p := range pduLines {
		pc := c.PDUs[p]
		if pc.Timeout == 0 {
			pc.Timeout = snmpTimeout
		}
		if pc.Retries < 0 {
			pc.Retries = snmpRetries
		}
		c.PDUs[p] = pc
	}
	if c.ConfirmInterval > c.ConfirmTimeout {
		errs = append(errs, fmt.Errorf("%s: confirm-interval %s is longer than confirm-timeout %s", name, c.ConfirmInterval, c.ConfirmTimeout))
	}
	errs = append(errs, c.crossCheck(name, lines)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// crossCheck checks what lines say about each other: outlets on defined
// PDUs, used by one node only; callers fencing defined nodes, not
// themselves; keys belonging to one caller.
func (c *Config) crossCheck(name string, lines map[string]int) []error {
	var errs []error
	errf := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	owner := map[OutletRef]string{}
	for _, nn := range slices.Sorted(maps.Keys(c.Nodes)) {
		nd := c.Nodes[nn]
		line := lines["node "+nn]
		for _, o := range nd.Outlets {
			if _, ok := c.PDUs[o.PDU]; !ok {
				errf(line, "node %s: outlet %s is on pdu %s, which is not defined", nn, o, o.PDU)
				continue
			}
			if other, taken := owner[o]; taken {
				errf(line, "node %s: outlet %s also feeds node %s; fencing one would cut the other", nn, o, other)
				continue
			}
			owner[o] = nn
		}
	}
	keyOwner := map[string]string{}
	for _, cn := range slices.Sorted(maps.Keys(c.Callers)) {
		cl := c.Callers[cn]
		line := lines["caller "+cn]
		for _, nn := range cl.MayFence {
			if _, ok := c.Nodes[nn]; !ok {
				errf(line, "caller %s: may-fence names node %s, which is not defined", cn, nn)
			}
			if nn == cn {
				errf(line, "caller %s may not fence itself", cn)
			}
		}
		for _, k := range cl.Keys {
			if other, taken := keyOwner[k]; taken {
				errf(line, "caller %s: key %s is also caller %s's", cn, k, other)
			}
			keyOwner[k] = cn
		}
	}
	return errs
}

func parsePDU(name string, kv []keyValue) (PDUConfig, error) {
	p := PDUConfig{Name: name, Version: "1", Table: TableRPDU, Retries: -1}
	for _, e := range kv {
		var err error
		switch e.key {
		case "address":
			p.Address = e.value
		case "version":
			p.Version = e.value
		case "community":
			p.Community = e.value
		case "user":
			p.User = e.value
		case "auth":
			p.AuthProtocol = e.value
		case "auth-password":
			p.AuthPassword = e.value
		case "priv":
			p.PrivProtocol = e.value
		case "priv-password":
			p.PrivPassword = e.value
		case "table":
			p.Table = Table(e.value)
		case "timeout":
			p.Timeout, err = positiveDuration(e.value)
		case "retries":
			p.Retries, err = boundedInt(e.value, 0, 10)
		default:
			return p, fmt.Errorf("unknown key %q (want address, version, community, user, auth, auth-password, priv, priv-password, table, timeout, retries)", e.key)
		}
		if err != nil {
			if isSecretKey(e.key) {
				return p, fmt.Errorf("%s: %v", e.key, err)
			}
			return p, fmt.Errorf("%s=%s: %v", e.key, e.value, err)
		}
	}
	if p.Address == "" {
		return p, errors.New("address= is required")
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

func isSecretKey(k string) bool {
	return k == "community" || k == "auth-password" || k == "priv-password" || k == "token"
}

func parseNode(name string, kv []keyValue) (Node, error) {
	nd := Node{Name: name}
	for _, e := range kv {
		if e.key != "outlets" {
			return nd, fmt.Errorf("unknown key %q (want outlets=PDU:N,...)", e.key)
		}
		if nd.Outlets != nil {
			return nd, errors.New("outlets= is given twice; list every outlet in one")
		}
		nd.Outlets = []OutletRef{}
		for _, s := range strings.Split(e.value, ",") {
			pdu, num, ok := strings.Cut(s, ":")
			n, err := strconv.Atoi(num)
			if !ok || !ValidName(pdu) || err != nil || n < 1 || n > 4096 || num != strconv.Itoa(n) {
				return nd, fmt.Errorf("outlet %q: want PDU:NUMBER, the number from 1", s)
			}
			o := OutletRef{PDU: pdu, Outlet: n}
			if slices.Contains(nd.Outlets, o) {
				return nd, fmt.Errorf("outlet %s is listed twice", o)
			}
			nd.Outlets = append(nd.Outlets, o)
		}
	}
	if len(nd.Outlets) == 0 {
		return nd, errors.New("outlets= is required: every outlet that feeds the node")
	}
	return nd, nil
}

func parseCaller(name string, kv []keyValue) (Caller, error) {
	cl := Caller{Name: name}
	seen := map[string]bool{}
	for _, e := range kv {
		if seen[e.key] {
			return cl, fmt.Errorf("%s= is given twice", e.key)
		}
		seen[e.key] = true
		switch e.key {
		case "token":
			h, err := ParseTokenHash(e.value)
			if err != nil {
				return cl, fmt.Errorf("token: %v", err)
			}
			cl.Token = h
		case "may-fence":
			for _, nn := range strings.Split(e.value, ",") {
				if !ValidName(nn) {
					return cl, fmt.Errorf("may-fence: %q is not a node name", nn)
				}
				if !slices.Contains(cl.MayFence, nn) {
					cl.MayFence = append(cl.MayFence, nn)
				}
			}
		case "key":
			for _, k := range strings.Split(e.value, ",") {
				if !validFingerprint(k) {
					return cl, fmt.Errorf("key %q: want a fingerprint as ssh-keygen -l prints it (SHA256:...)", k)
				}
				cl.Keys = append(cl.Keys, k)
			}
		default:
			return cl, fmt.Errorf("unknown key %q (want token, may-fence, key)", e.key)
		}
	}
	if cl.Token == nil {
		return cl, errors.New("token= is required: the hash of the caller's token (stonith-proxy token hash)")
	}
	if len(cl.MayFence) == 0 {
		return cl, errors.New("may-fence= is required: the nodes this caller may power off")
	}
	return cl, nil
}

var fingerprintRE = regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}$`)

func validFingerprint(s string) bool { return fingerprintRE.MatchString(s) }

type keyValue struct{ key, value string }

func keyValues(words []string) ([]keyValue, error) {
	kv := make([]keyValue, 0, len(words))
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want key=value", redactWord(w))
		}
		if v == "" {
			return nil, fmt.Errorf("%s= has no value", k)
		}
		kv = append(kv, keyValue{k, v})
	}
	return kv, nil
}

// redactWord keeps the key of a word that might be key=secret.
func redactWord(w string) string {
	if k, _, ok := strings.Cut(w, "="); ok && isSecretKey(k) {
		return k + "=***"
	}
	return w
}

// splitWords splits a line on blanks, honouring double quotes (with \"
// and \\ inside them) and dropping a '#' comment that starts a word.
func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case inQuote:
			switch ch {
			case '\\':
				if i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\') {
					i++
					cur.WriteByte(line[i])
				} else {
					cur.WriteByte(ch)
				}
			case '"':
				inQuote = false
			default:
				cur.WriteByte(ch)
			}
		case ch == ' ' || ch == '\t' || ch == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '#' && !inWord:
			return words, nil
		case ch == '"':
			inWord, inQuote = true, true
		case ch < 0x20 || ch == 0x7f:
			return nil, fmt.Errorf("control character 0x%02x at column %d", ch, i+1)
		default:
			inWord = true
			cur.WriteByte(ch)
		}
	}
	if inQuote {
		return nil, errors.New("unterminated double quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func positiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("want a positive duration such as 500ms, 10s or 5m")
	}
	return d, nil
}

func nonNegativeDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("want a duration such as 0s, 5s or 1m")
	}
	return d, nil
}

func boundedInt(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("want a whole number from %d to %d", lo, hi)
	}
	return n, nil
}
