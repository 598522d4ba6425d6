package lvm

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Kind is what an endpoint is.
type Kind string

const (
	// File is a regular file, created or overwritten as a target.
	File Kind = "file"
	// LV is an LVM logical volume, /dev/VG/LV, created or extended as a
	// target.
	LV Kind = "lvm"
	// Dev is a block device, which must be large enough as a target.
	Dev Kind = "dev"
)

// Endpoint is the source or the target of a copy, on this host or on
// another one reached with ssh.
type Endpoint struct {
	Kind Kind
	// User, Host and Port name the remote host; Host is "" for this one.
	User string
	Host string
	Port int
	// Path is absolute and clean.
	Path string
	// VG and LV are set for LV endpoints.
	VG, LV string
}

// Remote tells whether the endpoint is on another host.
func (e Endpoint) Remote() bool { return e.Host != "" }

// String renders the endpoint as a spec ParseEndpoint reads back.
func (e Endpoint) String() string {
	if !e.Remote() {
		return string(e.Kind) + ":" + e.Path
	}
	return string(e.Kind) + ":" + e.HostSpec() + ":" + e.Path
}

// HostSpec renders user, host and port as in a spec.
func (e Endpoint) HostSpec() string {
	h := e.Host
	if strings.Contains(h, ":") || e.Port != 0 {
		h = "[" + h + "]"
	}
	if e.Port != 0 {
		h += ":" + strconv.Itoa(e.Port)
	}
	if e.User != "" {
		h = e.User + "@" + h
	}
	return h
}

// Same tells whether two endpoints name the same data: the same host
// (user and port aside) and path.
func (e Endpoint) Same(o Endpoint) bool {
	return strings.EqualFold(e.Host, o.Host) && e.Path == o.Path
}

// SpecHelp documents the accepted forms, for --help.
const SpecHelp = `An endpoint is KIND:PATH on this host or KIND:HOST:PATH on another one
(reached with ssh), where KIND is file, lvm or dev:
   file:/srv/backup/disk1.img         a file (created or overwritten as a target)
   lvm:/dev/vg0/lv_disk1              a logical volume /dev/VG/LV (created or extended)
   dev:/dev/sdc                       a block device (must be large enough)
   file:backup01:/srv/disk1.img       on host backup01
   lvm:root@backup01:/dev/vg/lv       as user root
   file:[backup01]:2222:/srv/d.img    on port 2222 (a port needs the brackets)
   dev:[2001:db8::7]:/dev/sdc         an IPv6 address, always in brackets
PATH is absolute.`

var (
	userRE = regexp.MustCompile(`^[A-Za-z0-9._][A-Za-z0-9._-]*$`)
	hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	// lvName allows what lvm(8) allows in VG and LV names.
	lvName = regexp.MustCompile(`^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$`)
)

// ParseEndpoint reads a spec (see SpecHelp).
func ParseEndpoint(spec string) (Endpoint, error) {
	fail := func(format string, args ...any) (Endpoint, error) {
		return Endpoint{}, fmt.Errorf("endpoint %q: %s", spec, fmt.Sprintf(format, args...))
	}
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok {
		return fail("expected KIND:PATH or KIND:HOST:PATH with KIND file, lvm or dev")
	}
	e := Endpoint{Kind: Kind(kind)}
	switch e.Kind {
	case File, LV, Dev:
	default:
		return fail("unknown kind %q (expected file, lvm or dev)", kind)
	}
	if !strings.HasPrefix(rest, "/") {
		var err error
		if rest, err = e.parseHost(rest); err != nil {
			return fail("%v", err)
		}
	}
	if rest == "" {
		return fail("no path")
	}
	if !strings.HasPrefix(rest, "/") {
		if e.Remote() {
			return fail("path %q is not absolute (an IPv6 host goes in brackets, and so does a host with a port)", rest)
		}
		return fail("path %q is not absolute", rest)
	}
	if strings.ContainsAny(rest, "\x00\n") {
		return fail("path holds a control character")
	}
	e.Path = filepath.Clean(rest)
	switch e.Kind {
	case LV:
		parts := strings.Split(strings.TrimPrefix(e.Path, "/dev/"), "/")
		if !strings.HasPrefix(e.Path, "/dev/") || len(parts) != 2 {
			return fail("a logical volume is /dev/VG/LV, not %s", e.Path)
		}
		for _, p := range parts {
			if !lvName.MatchString(p) || p == "." || p == ".." {
				return fail("%q is not a valid LVM name", p)
			}
		}
		e.VG, e.LV = parts[0], parts[1]
	case Dev:
		if !strings.HasPrefix(e.Path, "/dev/") {
			return fail("a device is under /dev, not %s", e.Path)
		}
	}
	return e, nil
}

// parseHost reads [USER@]HOST: or [USER@][HOST]:PORT: and returns the rest.
func (e *Endpoint) parseHost(s string) (string, error) {
	if at := strings.Index(s, "@"); at >= 0 && (strings.Index(s, ":") < 0 || at < strings.Index(s, ":")) {
		e.User, s = s[:at], s[at+1:]
		if !userRE.MatchString(e.User) {
			return "", fmt.Errorf("user %q is not a valid user name", e.User)
		}
	}
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", errors.New("missing ']' after the host")
		}
		e.Host, s = s[1:end], s[end+1:]
		if strings.HasPrefix(s, ":") && len(s) > 1 && s[1] != '/' {
			portStr, after, ok := strings.Cut(s[1:], ":")
			if !ok {
				return "", errors.New("expected :PATH after the port")
			}
			p, err := strconv.Atoi(portStr)
			if err != nil || p < 1 || p > 65535 {
				return "", fmt.Errorf("port %q is not 1 to 65535", portStr)
			}
			e.Port, s = p, ":"+after
		}
	} else {
		h, after, ok := strings.Cut(s, ":")
		if !ok {
			return "", errors.New("expected HOST:PATH")
		}
		e.Host, s = h, ":"+after
	}
	if e.Host == "" {
		return "", errors.New("empty host")
	}
	if !hostRE.MatchString(e.Host) && !strings.Contains(e.Host, ":") {
		return "", fmt.Errorf("%q is not a host name or address (IPv6 goes in brackets)", e.Host)
	}
	if !strings.HasPrefix(s, ":") {
		return "", errors.New("expected ':' before the path")
	}
	return s[1:], nil
}
