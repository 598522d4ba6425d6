package lvm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
)

// ToolsConf is lvm_tools.conf: the defaults of the copy and snapshot tools.
type ToolsConf struct {
	// SnapSuffix names snapshots: LV_SUFFIX (DEFAULT_SNAP_SUFFIX).
	SnapSuffix string
	// SnapSpaceSM and SnapSpaceXL are the snapshot size in percent of the
	// origin below 100 GB and from 100 GB on (DEFAULT_SNAP_SPACE_SM/_XL).
	SnapSpaceSM, SnapSpaceXL int
	// Verify compares checksums of source and target (ENABLE_MD5).
	Verify bool
	// Direct reads block devices unbuffered (ENABLE_RAW).
	Direct bool
	// MinRate is the transfer rate in MB/s below which a copy warns
	// (MIN_TRANSFER_RATE); 0: never.
	MinRate float64
	// SSHUser, SSHPort and SSHIdentity are defaults for remote endpoints
	// (ietkit's additions: SSH_USER, SSH_PORT, SSH_IDENTITY).
	SSHUser     string
	SSHPort     int
	SSHIdentity string
	// Warnings are unknown keys and repeated ones, with their line.
	Warnings []string
}

// DefaultToolsConf is what applies without an lvm_tools.conf.
func DefaultToolsConf() *ToolsConf {
	return &ToolsConf{SnapSuffix: "snap", SnapSpaceSM: 20, SnapSpaceXL: 15}
}

// DefaultToolsConfPath is where lvm_tools.conf lives.
const DefaultToolsConfPath = "/etc/lvm/lvm_tools.conf"

// LoadToolsConf reads path; a missing file gives the defaults.
func LoadToolsConf(path string) (*ToolsConf, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultToolsConf(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	return ParseToolsConf(f, path)
}

// ParseToolsConf reads shell-style KEY=VALUE lines: '#' comments, blank
// lines, values bare or in single or double quotes, an optional leading
// "export". Every bad line is reported as name:line; any makes it fail.
func ParseToolsConf(r io.Reader, name string) (*ToolsConf, error) {
	c := DefaultToolsConf()
	var errs []error
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	n := 0
	for sc.Scan() {
		n++
		errf := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, args...)))
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, raw, ok := strings.Cut(line, "=")
		if !ok {
			errf("expected KEY=VALUE, got %q", line)
			continue
		}
		if key != strings.TrimSpace(key) || strings.HasPrefix(raw, " ") {
			errf("no blanks around '=' (shell syntax): %q", line)
			continue
		}
		val, err := shellValue(raw)
		if err != nil {
			errf("%s: %v", key, err)
			continue
		}
		if first, dup := seen[key]; dup {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s:%d: %s set again (first at line %d); the last one counts", name, n, key, first))
		}
		seen[key] = n
		if err := c.set(key, val); err != nil {
			errf("%s=%s: %v", key, val, err)
		} else if _, known := toolsKeys[key]; !known {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s:%d: unknown key %s ignored", name, n, key))
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s:%d: %w", name, n+1, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// toolsKeys are the keys lvm_tools.conf knows.
var toolsKeys = map[string]bool{
	"DEFAULT_SNAP_SUFFIX": true, "DEFAULT_SNAP_SPACE_SM": true, "DEFAULT_SNAP_SPACE_XL": true,
	"ENABLE_MD5": true, "ENABLE_RAW": true, "MIN_TRANSFER_RATE": true,
	"SSH_USER": true, "SSH_PORT": true, "SSH_IDENTITY": true,
}

func (c *ToolsConf) set(key, val string) error {
	percent := func() (int, error) {
		p, err := strconv.Atoi(val)
		if err != nil || p < 1 || p > 100 {
			return 0, errors.New("want a percentage from 1 to 100")
		}
		return p, nil
	}
	flag := func() (bool, error) {
		switch val {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return false, errors.New("want 0 or 1")
	}
	var err error
	switch key {
	case "DEFAULT_SNAP_SUFFIX":
		if !lvName.MatchString(val) {
			return errors.New("want an LVM name suffix (letters, digits, + _ . -)")
		}
		c.SnapSuffix = val
	case "DEFAULT_SNAP_SPACE_SM":
		c.SnapSpaceSM, err = percent()
	case "DEFAULT_SNAP_SPACE_XL":
		c.SnapSpaceXL, err = percent()
	case "ENABLE_MD5":
		c.Verify, err = flag()
	case "ENABLE_RAW":
		c.Direct, err = flag()
	case "MIN_TRANSFER_RATE":
		c.MinRate, err = strconv.ParseFloat(val, 64)
		if err != nil || !(c.MinRate >= 0) || math.IsInf(c.MinRate, 0) {
			return errors.New("want a rate in MB/s, 0 or more")
		}
	case "SSH_USER":
		if !userRE.MatchString(val) {
			return errors.New("not a user name")
		}
		c.SSHUser = val
	case "SSH_PORT":
		c.SSHPort, err = strconv.Atoi(val)
		if err != nil || c.SSHPort < 1 || c.SSHPort > 65535 {
			return errors.New("want a port from 1 to 65535")
		}
	case "SSH_IDENTITY":
		if !strings.HasPrefix(val, "/") {
			return errors.New("want an absolute path")
		}
		c.SSHIdentity = val
	}
	return err
}

// shellValue unquotes a shell word: bare (up to a " #" comment), or in
// single or double quotes.
func shellValue(raw string) (string, error) {
	switch {
	case strings.HasPrefix(raw, `"`) || strings.HasPrefix(raw, "'"):
		q := raw[:1]
		end := strings.Index(raw[1:], q)
		if end < 0 {
			return "", errors.New("unterminated quote")
		}
		rest := strings.TrimSpace(raw[end+2:])
		if rest != "" && !strings.HasPrefix(rest, "#") {
			return "", fmt.Errorf("unexpected %q after the quoted value", rest)
		}
		v := raw[1 : end+1]
		if q == `"` && strings.ContainsAny(v, "$`\\") {
			return "", errors.New("shell expansions ($, `, \\) are not evaluated; write the value itself")
		}
		return v, nil
	}
	v := raw
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, "$`\\\"' \t;&|<>(){}") {
		return "", fmt.Errorf("%q is not a plain value (no shell syntax is evaluated)", v)
	}
	return v, nil
}

// SnapSize returns the snapshot size for an origin of originBytes: the
// percentage of lvm_tools.conf (SM below 100 GB, XL from 100 GB), rounded
// up to whole MiB.
func (c *ToolsConf) SnapSize(originBytes int64) int64 {
	pct := c.SnapSpaceSM
	if originBytes >= 100_000_000_000 {
		pct = c.SnapSpaceXL
	}
	const mib = 1 << 20
	size := (originBytes*int64(pct) + 99) / 100
	return (size + mib - 1) / mib * mib
}
