package targetconf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxIncludeDepth bounds nested includes (cycles are reported separately).
const maxIncludeDepth = 16

// maxFileSize bounds what is read of one file.
const maxFileSize = 16 << 20

// Parse reads a target.conf from r. name is used in error messages and to
// resolve include statements relative to its directory. Every problem is
// reported; if there is any, the Config is nil and the error joins one
// *ParseError per problem.
func Parse(r io.Reader, name string) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("read: %v", err)}
	}
	p := newParser(name, os.ReadFile)
	p.parseFile(name, data, nil)
	return p.finish()
}

// Load reads and parses the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ParseError{File: path, Msg: fmt.Sprintf("cannot read config: %v", errors.Unwrap(err))}
	}
	return Parse(bytes.NewReader(data), path)
}

type parser struct {
	cfg      *Config
	errs     []error
	cur      *Target
	readFile func(string) ([]byte, error)

	set       map[string]Pos // single-use statements already given
	iqns      map[string]Pos
	paths     map[string]Pos
	common    map[string]Pos
	own       map[string]Pos
	tUsers    map[string]Pos
	dUsers    map[string]Pos
	tLUNs     map[int]Pos
	outgoing  map[*Target]Pos
	seenFirst bool // a target was seen
}

func newParser(name string, readFile func(string) ([]byte, error)) *parser {
	return &parser{
		cfg:      &Config{File: name, LUNType: DefaultLUNType},
		readFile: readFile,
		set:      map[string]Pos{},
		iqns:     map[string]Pos{},
		paths:    map[string]Pos{},
		common:   map[string]Pos{},
		dUsers:   map[string]Pos{},
		outgoing: map[*Target]Pos{},
	}
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	p.errs = append(p.errs, &ParseError{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(pos Pos, format string, args ...any) {
	p.cfg.Warnings = append(p.cfg.Warnings, Warning{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf(format, args...)})
}

// parseFile parses one file's content; stack holds the files including it.
func (p *parser) parseFile(name string, data []byte, stack []string) {
	if len(data) > maxFileSize {
		p.errorf(Pos{name, 0}, "file is larger than %d bytes", maxFileSize)
		return
	}
	stack = append(stack, name)
	for i, line := range strings.Split(string(data), "\n") {
		pos := Pos{File: name, Line: i + 1}
		words, err := lexLine(line)
		if err != nil {
			p.errorf(pos, "%v", err)
			continue
		}
		if len(words) == 0 {
			continue
		}
		p.statement(pos, words, stack)
	}
}

// verbs lists the statements, for the unknown-verb message.
const verbs = "prefix, lun-type, global, option, target, user, lun, backup, include"

func (p *parser) statement(pos Pos, w []word, stack []string) {
	verb := w[0].text()
	if w[0].quoted() {
		p.errorf(pos, "a statement starts with a bare word, not the quoted %q", verb)
		return
	}
	args := w[1:]
	switch verb {
	case "prefix":
		p.prefix(pos, args)
	case "lun-type":
		p.lunType(pos, args)
	case "global":
		p.global(pos, args)
	case "option":
		p.option(pos, args)
	case "target":
		p.target(pos, args)
	case "user":
		p.user(pos, args)
	case "lun":
		p.lun(pos, args)
	case "backup":
		p.backup(pos, args)
	case "include":
		p.include(pos, args, stack)
	default:
		p.errorf(pos, "unknown statement %q (expected one of %s)", verb, verbs)
	}
}

// once records a single-use statement; it reports a repeat.
func (p *parser) once(pos Pos, key, what string) bool {
	if first, ok := p.set[key]; ok {
		p.errorf(pos, "%s given twice (first at %s)", what, first)
		return false
	}
	p.set[key] = pos
	return true
}

func (p *parser) nargs(pos Pos, args []word, n int, usage string) bool {
	if len(args) != n {
		p.errorf(pos, "expected %q, got %d value(s) after %s", usage, len(args), strings.Fields(usage)[0])
		return false
	}
	return true
}

func (p *parser) prefix(pos Pos, args []word) {
	if !p.nargs(pos, args, 1, "prefix IQN-PREFIX") {
		return
	}
	if p.seenFirst {
		p.errorf(pos, "prefix must come before the first target")
		return
	}
	if !p.once(pos, "prefix", "prefix") {
		return
	}
	p.cfg.Prefix = args[0].text()
}

func (p *parser) lunType(pos Pos, args []word) {
	if !p.nargs(pos, args, 1, "lun-type fileio|blockio") {
		return
	}
	if p.seenFirst {
		p.errorf(pos, "lun-type must come before the first target")
		return
	}
	v := args[0].text()
	if err := checkLUNType(v); err != nil {
		p.errorf(pos, "lun-type: %v", err)
		return
	}
	if p.once(pos, "lun-type", "lun-type") {
		p.cfg.LUNType = v
	}
}

func (p *parser) global(pos Pos, args []word) {
	if len(args) == 0 {
		p.errorf(pos, "expected \"global KEY VALUE...\"")
		return
	}
	key := args[0].text()
	vals := args[1:]
	switch strings.ToLower(key) {
	case "incominguser", "outgoinguser":
		dir := Incoming
		if strings.EqualFold(key, "outgoinguser") {
			dir = Outgoing
		}
		if len(vals) != 2 {
			p.errorf(pos, "global %s takes a user name and a secret, got %d value(s)", dir.IETKey(), len(vals))
			return
		}
		u, ok := p.newUser(pos, dir, vals[0], vals[1], "discovery")
		if !ok {
			return
		}
		if dir == Outgoing {
			if !p.once(pos, "global-outgoing", "global OutgoingUser (ietd keeps one)") {
				return
			}
		} else if first, dup := p.dUsers[u.Name]; dup {
			p.errorf(pos, "discovery user %q given twice (first at %s)", u.Name, first)
			return
		} else {
			p.dUsers[u.Name] = pos
		}
		p.cfg.DiscoveryUsers = append(p.cfg.DiscoveryUsers, u)
	case "isnsserver":
		if !p.nargs(pos, vals, 1, "global iSNSServer ADDRESS") || !p.once(pos, "isns", "global iSNSServer") {
			return
		}
		p.cfg.ISNSServer = vals[0].text()
	case "isnsaccesscontrol":
		if !p.nargs(pos, vals, 1, "global iSNSAccessControl Yes|No") {
			return
		}
		v := vals[0].text()
		if v != "Yes" && v != "No" {
			p.errorf(pos, "iSNSAccessControl takes Yes or No, not %q", v)
			return
		}
		if p.once(pos, "isnsac", "global iSNSAccessControl") {
			p.cfg.ISNSAccessControl = v
		}
	default:
		if spec, ok := LookupOption(key); ok {
			p.errorf(pos, "%s is a target option: write \"option %s VALUE\" before the first target to apply it to all targets", spec.Name, spec.Name)
			return
		}
		p.errorf(pos, "unknown global option %q (expected IncomingUser, OutgoingUser, iSNSServer, iSNSAccessControl)", key)
	}
}

func (p *parser) option(pos Pos, args []word) {
	if len(args) < 1 {
		p.errorf(pos, "expected \"option KEY VALUE\"")
		return
	}
	key := args[0].text()
	switch strings.ToLower(key) {
	case "incominguser", "outgoinguser":
		if p.cur == nil {
			p.errorf(pos, "CHAP accounts of discovery sessions are written \"global %s NAME SECRET\"", key)
		} else {
			p.errorf(pos, "CHAP accounts are written \"user incoming|outgoing NAME SECRET\"")
		}
		return
	case "lun":
		p.errorf(pos, "LUNs are written \"lun N PATH [Key=Value ...]\"")
		return
	}
	spec, ok := LookupOption(key)
	if !ok {
		p.errorf(pos, "unknown ietd option %q", key)
		return
	}
	if len(args) != 2 {
		p.errorf(pos, "option %s takes one value, got %d", spec.Name, len(args)-1)
		return
	}
	val, err := spec.normalize(args[1].text())
	if err != nil {
		p.errorf(pos, "%v", err)
		return
	}
	o := Option{Key: spec.Name, Value: val}
	if p.cur == nil {
		if spec.Name == "Alias" {
			p.errorf(pos, "Alias names one target: put it under a target")
			return
		}
		if first, dup := p.common[spec.Name]; dup {
			p.errorf(pos, "option %s given twice (first at %s)", spec.Name, first)
			return
		}
		p.common[spec.Name] = pos
		p.cfg.Common = append(p.cfg.Common, o)
		return
	}
	if first, dup := p.own[spec.Name]; dup {
		p.errorf(pos, "option %s given twice for target %s (first at %s)", spec.Name, p.cur.Name, first)
		return
	}
	p.own[spec.Name] = pos
	p.cur.Own = append(p.cur.Own, o)
}

func (p *parser) target(pos Pos, args []word) {
	p.seenFirst = true
	// Later statements belong to this target even if it is invalid, so
	// that they are still checked and do not land on the previous one.
	t := &Target{Pos: pos}
	p.cur = t
	p.own = map[string]Pos{}
	p.tUsers = map[string]Pos{}
	p.tLUNs = map[int]Pos{}
	if len(args) == 0 {
		p.errorf(pos, "expected \"target NAME [ADDRESS,...]\"")
		return
	}
	t.Name = args[0].text()
	t.IQN = p.cfg.Prefix + t.Name
	ok := true
	if t.Name == "" {
		p.errorf(pos, "empty target name")
		ok = false
	} else if warn, err := checkIQN(t.IQN); err != nil {
		p.errorf(pos, "target %q: %v", t.Name, err)
		ok = false
	} else if warn != "" {
		p.warnf(pos, "target %q: %s", t.Name, warn)
	}
	key := strings.ToLower(t.IQN)
	if first, dup := p.iqns[key]; ok && dup {
		p.errorf(pos, "target %s defined twice (first at %s)", t.IQN, first)
	} else if ok {
		p.iqns[key] = pos
	}
	seen := map[string]bool{}
	lists := args[1:]
	for wi, w := range lists {
		items := w.splitList()
		// "a, b" is two words; their empty ends are not empty entries.
		if wi > 0 && len(items) > 1 && items[0].text == "" && !items[0].quoted {
			items = items[1:]
		}
		if wi < len(lists)-1 && len(items) > 1 && items[len(items)-1].text == "" && !items[len(items)-1].quoted {
			items = items[:len(items)-1]
		}
		for _, item := range items {
			e, err := parseAllow(item)
			if err != nil {
				p.errorf(pos, "target %s: allow list: %v", t.Name, err)
				continue
			}
			s := e.String()
			if seen[s] {
				p.errorf(pos, "target %s: allow list names %s twice", t.Name, s)
				continue
			}
			seen[s] = true
			t.Allow = append(t.Allow, e)
		}
	}
	if len(t.Allow) > 1 && seen["ALL"] {
		p.errorf(pos, "target %s: ALL lets every initiator in; it cannot be combined with other entries", t.Name)
	}
	if len(t.Allow) == 1 && t.Allow[0].Kind == AllowAll {
		t.Allow = nil
	}
	p.cfg.Targets = append(p.cfg.Targets, t)
}

func (p *parser) user(pos Pos, args []word) {
	if p.cur == nil {
		p.errorf(pos, "user must follow a target (discovery accounts are written \"global IncomingUser NAME SECRET\")")
		return
	}
	if len(args) != 3 {
		p.errorf(pos, "expected \"user incoming|outgoing NAME SECRET\", got %d value(s)", len(args))
		return
	}
	var dir Direction
	switch args[0].text() {
	case "incoming":
		dir = Incoming
	case "outgoing":
		dir = Outgoing
	default:
		p.errorf(pos, "user direction is incoming or outgoing, not %q", args[0].text())
		return
	}
	u, ok := p.newUser(pos, dir, args[1], args[2], "target "+p.cur.Name)
	if !ok {
		return
	}
	if dir == Outgoing {
		if first, dup := p.outgoing[p.cur]; dup {
			p.errorf(pos, "target %s has a second outgoing user (first at %s); ietd keeps one", p.cur.Name, first)
			return
		}
		p.outgoing[p.cur] = pos
	} else {
		if first, dup := p.tUsers[u.Name]; dup {
			p.errorf(pos, "target %s: incoming user %q given twice (first at %s)", p.cur.Name, u.Name, first)
			return
		}
		p.tUsers[u.Name] = pos
	}
	p.cur.Users = append(p.cur.Users, u)
}

func (p *parser) newUser(pos Pos, dir Direction, name, secret word, owner string) (User, bool) {
	u := User{Dir: dir, Name: name.text(), Secret: Secret(secret.text()), Pos: pos}
	ok := true
	if err := checkUserName(u.Name); err != nil {
		p.errorf(pos, "%s: user name: %v", owner, err)
		ok = false
	}
	if warn, err := checkSecret(secret.text()); err != nil {
		p.errorf(pos, "%s: secret of user %q: %v", owner, u.Name, err)
		ok = false
	} else if warn != "" {
		p.warnf(pos, "%s: secret of user %q: %s", owner, u.Name, warn)
	}
	return u, ok
}

func (p *parser) lun(pos Pos, args []word) {
	if p.cur == nil {
		p.errorf(pos, "lun must follow a target")
		return
	}
	if len(args) < 2 {
		p.errorf(pos, "expected \"lun N PATH [Key=Value ...]\"")
		return
	}
	l := LUN{Type: p.cfg.LUNType, Pos: pos}
	ok := true
	n, err := strconv.Atoi(args[0].text())
	if err != nil || n < 0 || n > maxLUN || strings.HasPrefix(args[0].text(), "+") {
		p.errorf(pos, "LUN number %q: expected 0 to %d", args[0].text(), maxLUN)
		ok = false
	} else if first, dup := p.tLUNs[n]; dup {
		p.errorf(pos, "target %s: LUN %d defined twice (first at %s)", p.cur.Name, n, first)
		ok = false
	} else {
		p.tLUNs[n] = pos
	}
	l.Number = n
	l.Path = args[1].text()
	if err := checkPath(l.Path); err != nil {
		p.errorf(pos, "LUN %s: %v", args[0].text(), err)
		ok = false
	} else {
		clean := filepath.Clean(l.Path)
		if first, dup := p.paths[clean]; dup {
			p.errorf(pos, "%s is already exported at %s; one device must not be exported twice", l.Path, first)
			ok = false
		} else {
			p.paths[clean] = pos
		}
	}
	seen := map[string]bool{}
	for _, w := range args[2:] {
		for _, item := range w.splitList() {
			key, err := setLUNParam(&l, item.text)
			if err != nil {
				p.errorf(pos, "LUN %s: %v", args[0].text(), err)
				ok = false
				continue
			}
			if seen[key] {
				p.errorf(pos, "LUN %s: %s given twice", args[0].text(), key)
				ok = false
			}
			seen[key] = true
		}
	}
	if l.IOMode == "wb" && l.Type == "blockio" {
		p.warnf(pos, "LUN %d: IOMode=wb has no effect with Type=blockio", n)
	}
	if ok && len(l.Params()) > maxParamsLen {
		p.errorf(pos, "LUN %d: parameters are %d bytes long; ietd takes at most %d", n, len(l.Params()), maxParamsLen)
		ok = false
	}
	if ok {
		p.cur.LUNs = append(p.cur.LUNs, l)
	}
}

func (p *parser) backup(pos Pos, args []word) {
	if !p.nargs(pos, args, 1, "backup TEMPLATE") {
		return
	}
	if err := checkBackupTemplate(args[0].text()); err != nil {
		p.errorf(pos, "backup: %v", err)
		return
	}
	if p.once(pos, "backup", "backup") {
		p.cfg.Backup = args[0].text()
	}
}

func (p *parser) include(pos Pos, args []word, stack []string) {
	if !p.nargs(pos, args, 1, "include FILE") {
		return
	}
	name := args[0].text()
	if !filepath.IsAbs(name) {
		name = filepath.Join(filepath.Dir(pos.File), name)
	}
	for _, s := range stack {
		if filepath.Clean(s) == filepath.Clean(name) {
			p.errorf(pos, "include %s: includes itself (through %s)", args[0].text(), strings.Join(stack, " -> "))
			return
		}
	}
	if len(stack) >= maxIncludeDepth {
		p.errorf(pos, "include %s: includes nested deeper than %d", args[0].text(), maxIncludeDepth)
		return
	}
	data, err := p.readFile(name)
	if err != nil {
		p.errorf(pos, "include %s: %v", args[0].text(), err)
		return
	}
	p.parseFile(name, data, stack)
}

// finish applies defaults and cross-checks, and returns the result.
func (p *parser) finish() (*Config, error) {
	c := p.cfg
	for _, t := range c.Targets {
		t.Options = mergeOptions(c.Common, t.Own)
		fb, _ := t.Option("FirstBurstLength")
		mb, _ := t.Option("MaxBurstLength")
		if fb == "" {
			fb = "65536"
		}
		if mb == "" {
			mb = "262144"
		}
		fbn, _ := strconv.Atoi(fb)
		mbn, _ := strconv.Atoi(mb)
		if fbn > mbn {
			p.errorf(t.Pos, "target %s: FirstBurstLength %d is larger than MaxBurstLength %d (RFC 3720 requires it to be at most MaxBurstLength)", t.Name, fbn, mbn)
		}
	}
	if c.Backup != "" {
		p.checkBackupTargets()
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return c, nil
}

// mergeOptions returns common overridden by own: common's keys in their
// order with own's values where own sets them, then own's other keys.
func mergeOptions(common, own []Option) []Option {
	out := make([]Option, 0, len(common)+len(own))
	used := map[string]bool{}
	for _, c := range common {
		v := c.Value
		for _, o := range own {
			if o.Key == c.Key {
				v = o.Value
				used[o.Key] = true
			}
		}
		out = append(out, Option{Key: c.Key, Value: v})
	}
	for _, o := range own {
		if !used[o.Key] {
			out = append(out, o)
		}
	}
	return out
}

// checkBackupTargets reports LUNs the backup template cannot name, or
// two LUNs it would send to the same place.
func (p *parser) checkBackupTargets() {
	seen := map[string]string{}
	for _, t := range p.cfg.Targets {
		for _, l := range t.LUNs {
			dst, err := ExpandBackup(p.cfg.Backup, t, l)
			if err != nil {
				p.warnf(l.Pos, "LUN %d of %s will not be backed up: %v", l.Number, t.Name, err)
				continue
			}
			who := fmt.Sprintf("LUN %d of %s", l.Number, t.Name)
			if other, dup := seen[dst]; dup {
				p.errorf(l.Pos, "backup template sends %s and %s to the same destination %s", other, who, dst)
				continue
			}
			seen[dst] = who
		}
	}
}
