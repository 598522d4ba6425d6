package snapdrivers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ServiceFile is a parsed service file: INI sections, one per sync
// resource ("[sync#1]"), in file order, and [DEFAULT], whose keys every
// other section inherits.
//
//	# /etc/ietkit/snapsync/oradb.conf
//	[DEFAULT]
//	timezone = Europe/Paris
//
//	[sync#1]
//	type = necism
//	pairs = SOURCE_0001:SOURCE_0001_SV006D:SOURCE_0001_LV00A6
//	        SOURCE_0002:SOURCE_0002_SV0055:SOURCE_0002_LV009E
//	sync_min_delay = 30
//	sync_max_delay = 1440
//	precheck = /srv/oradata
//
// Lines starting with '#' or ';' are comments; a line starting with
// blanks continues the value above it; keys are case-insensitive.
type ServiceFile struct {
	Path     string
	Defaults *Section
	Sections []*Section
}

// Section is one [section] of a service file. Drivers read their
// keywords from it; errors name file:line.
type Section struct {
	File     string
	Name     string // as written, e.g. "sync#1"
	Line     int
	values   map[string]*Value
	order    []string
	defaults *Section
}

// Value is one key's value and where it was set.
type Value struct {
	Key  string
	Text string
	Line int
	File string
	used bool
}

var sectionNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9#._-]{0,63}$`)

// ParseServiceFile reads a service file. Every malformed line is
// reported, as name:line.
func ParseServiceFile(r io.Reader, name string) (*ServiceFile, error) {
	sf := &ServiceFile{Path: name, Defaults: newSection(name, "DEFAULT", 0, nil)}
	var errs []error
	errf := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	cur := (*Section)(nil)
	var last *Value
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Text()
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' {
			if last == nil {
				errf(n, "continuation line with no key above it")
				continue
			}
			last.Text = strings.TrimSpace(last.Text + "\n" + trimmed)
			continue
		}
		last = nil
		if strings.HasPrefix(trimmed, "[") {
			if !strings.HasSuffix(trimmed, "]") {
				errf(n, "section header %q lacks its closing ]", trimmed)
				cur = nil
				continue
			}
			sname := strings.TrimSpace(trimmed[1 : len(trimmed)-1])
			if strings.EqualFold(sname, "DEFAULT") {
				if sf.Defaults.Line != 0 {
					errf(n, "[DEFAULT] again (first at line %d)", sf.Defaults.Line)
				}
				sf.Defaults.Line = n
				cur = sf.Defaults
				continue
			}
			if !sectionNameRE.MatchString(sname) {
				errf(n, "section name %q: use letters, digits, '#', '.', '_' and '-'", sname)
				cur = nil
				continue
			}
			if prev, dup := seen[strings.ToLower(sname)]; dup {
				errf(n, "section [%s] again (first at line %d)", sname, prev)
				cur = nil
				continue
			}
			seen[strings.ToLower(sname)] = n
			cur = newSection(name, sname, n, sf.Defaults)
			sf.Sections = append(sf.Sections, cur)
			continue
		}
		if cur == nil {
			errf(n, "key outside a section: start the file with [sync#1] (or [DEFAULT])")
			continue
		}
		k, v, ok := strings.Cut(trimmed, "=")
		if !ok {
			errf(n, "%q: want key = value", trimmed)
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" || strings.ContainsAny(k, " \t") {
			errf(n, "bad key %q", k)
			continue
		}
		if prev, dup := cur.values[k]; dup {
			errf(n, "[%s] %s is already set at line %d", cur.Name, k, prev.Line)
			continue
		}
		last = &Value{Key: k, Text: strings.TrimSpace(v), Line: n, File: name}
		cur.values[k] = last
		cur.order = append(cur.order, k)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s:%d: %w", name, n+1, err))
	}
	if len(errs) == 0 && len(sf.Sections) == 0 {
		errs = append(errs, fmt.Errorf("%s: no sync resource: add a section such as [sync#1] with type = ...", name))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sf, nil
}

func newSection(file, name string, line int, defaults *Section) *Section {
	return &Section{File: file, Name: name, Line: line, values: map[string]*Value{}, defaults: defaults}
}

// NewSection builds a section from key/value pairs, for tests and
// programs that do not read a file.
func NewSection(name string, kv map[string]string) *Section {
	s := newSection("(built)", name, 1, nil)
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.values[k] = &Value{Key: k, Text: kv[k], Line: 1, File: s.File}
		s.order = append(s.order, k)
	}
	return s
}

// Lookup returns key's value, from the section or else [DEFAULT], and
// marks it used.
func (s *Section) Lookup(key string) (*Value, bool) {
	if v, ok := s.values[key]; ok {
		v.used = true
		return v, true
	}
	if s.defaults != nil {
		if v, ok := s.defaults.values[key]; ok {
			v.used = true
			return v, true
		}
	}
	return nil, false
}

// Get returns key's text, or "" when it is not set.
func (s *Section) Get(key string) string {
	if v, ok := s.Lookup(key); ok {
		return v.Text
	}
	return ""
}

// Required returns key's text, or an error naming the section when it is
// not set or empty.
func (s *Section) Required(key, what string) (string, error) {
	v, ok := s.Lookup(key)
	if !ok || v.Text == "" {
		return "", fmt.Errorf("%s:%d: [%s] %s is required: %s", s.File, s.Line, s.Name, key, what)
	}
	return v.Text, nil
}

// Fields returns key's value split on blanks, newlines and commas.
func (s *Section) Fields(key string) []string {
	return strings.FieldsFunc(s.Get(key), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == ','
	})
}

// Errorf is an error about key's value, naming file:line and the
// section.
func (s *Section) Errorf(key, format string, args ...any) error {
	line, file := s.Line, s.File
	if v, ok := s.values[key]; ok {
		line = v.Line
	} else if s.defaults != nil {
		if v, ok := s.defaults.values[key]; ok {
			line, file = v.Line, v.File
		}
	}
	return fmt.Errorf("%s:%d: [%s] %s: %s", file, line, s.Name, key, fmt.Sprintf(format, args...))
}

// Minutes reads key as a whole number of minutes (the unit of
// sync_min_delay and sync_max_delay, as in the original), or a Go
// duration such as 90s or 1h30m; def when unset.
func (s *Section) Minutes(key string, def time.Duration) (time.Duration, error) {
	v, ok := s.Lookup(key)
	if !ok {
		return def, nil
	}
	if n, err := strconv.Atoi(v.Text); err == nil {
		if n < 0 {
			return 0, s.Errorf(key, "%d minutes: want 0 or more", n)
		}
		return time.Duration(n) * time.Minute, nil
	}
	d, err := time.ParseDuration(v.Text)
	if err != nil || d < 0 {
		return 0, s.Errorf(key, "%q: want minutes (30) or a duration (90s, 1h30m)", v.Text)
	}
	return d, nil
}

// Seconds reads key as a whole number of seconds or a Go duration.
func (s *Section) Seconds(key string, def time.Duration) (time.Duration, error) {
	v, ok := s.Lookup(key)
	if !ok {
		return def, nil
	}
	if n, err := strconv.Atoi(v.Text); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v.Text)
	if err != nil || d < 0 {
		return 0, s.Errorf(key, "%q: want seconds (300) or a duration (5m)", v.Text)
	}
	return d, nil
}

// Bool reads key as yes/no, true/false, on/off or 1/0.
func (s *Section) Bool(key string, def bool) (bool, error) {
	v, ok := s.Lookup(key)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(v.Text) {
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, s.Errorf(key, "%q: want yes or no", v.Text)
}

// Unused reports the section's own keys nobody read: a misspelt keyword
// must not be ignored silently.
func (s *Section) Unused() []error {
	var errs []error
	for _, k := range s.order {
		if v := s.values[k]; !v.used {
			errs = append(errs, fmt.Errorf("%s:%d: [%s] unknown keyword %q", v.File, v.Line, s.Name, k))
		}
	}
	return errs
}
