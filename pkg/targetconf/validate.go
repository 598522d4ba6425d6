package targetconf

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

const (
	// maxLUN is the highest LUN number the IET kernel accepts (0x3fff).
	maxLUN = 16383
	// maxParamsLen is ietd's ISCSI_ARGS_LEN less the terminating NUL.
	maxParamsLen = 2047
	// maxNameLen is RFC 3720's limit on iSCSI names, and the longest
	// user name or secret ietd keeps (ISCSI_NAME_LEN less the NUL).
	maxNameLen = 223
	// maxScsiID and maxScsiSN are the lengths every IET version keeps
	// (1.4.19 keeps 16 bytes of ScsiSN, 1.4.20 16 of ScsiId).
	maxScsiID = 16
	maxScsiSN = 16
	// minSecret is RFC 3720's minimum CHAP secret length.
	minSecret = 12
)

var (
	iqnRE   = regexp.MustCompile(`^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[a-z0-9._:-]*)?$`)
	euiRE   = regexp.MustCompile(`^eui\.[0-9A-F]{16}$`)
	naaRE   = regexp.MustCompile(`^naa\.[0-9A-F]{16}([0-9A-F]{16})?$`)
	hostRE  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$`)
	phRE    = regexp.MustCompile(`\{[^{}]*\}`)
	lvmPath = regexp.MustCompile(`^/dev/([^/]+)/([^/]+)$`)
)

// checkIQN validates an iSCSI name (RFC 3720 §3.2.6, RFC 3722). It returns
// a warning for names ietd accepts but the RFCs do not (underscores).
func checkIQN(name string) (warning string, err error) {
	if len(name) > maxNameLen {
		return "", fmt.Errorf("name %s is %d bytes long; iSCSI names are at most %d", name, len(name), maxNameLen)
	}
	switch {
	case strings.HasPrefix(strings.ToLower(name), "iqn."):
		if name != strings.ToLower(name) {
			return "", fmt.Errorf("name %s has upper-case letters; iSCSI names are lower case (RFC 3722)", name)
		}
		if !iqnRE.MatchString(name) {
			return "", fmt.Errorf("name %s is not a valid IQN: expected iqn.YYYY-MM.reversed.domain[:identifier] with only a-z, 0-9, '.', '-' and ':'", name)
		}
		if strings.Contains(name, "_") {
			return "underscores are not allowed in iSCSI names by RFC 3722; ietd accepts them but some initiators refuse them", nil
		}
		return "", nil
	case strings.HasPrefix(name, "eui."):
		if !euiRE.MatchString(name) {
			return "", fmt.Errorf("name %s is not a valid EUI name: expected eui. and 16 upper-case hex digits", name)
		}
		return "", nil
	case strings.HasPrefix(name, "naa."):
		if !naaRE.MatchString(name) {
			return "", fmt.Errorf("name %s is not a valid NAA name: expected naa. and 16 or 32 upper-case hex digits", name)
		}
		return "", nil
	}
	return "", fmt.Errorf("name %s is not an iSCSI name: it must start with iqn., eui. or naa. (is the prefix set?)", name)
}

// parseAllow reads one allow-list entry.
func parseAllow(item listItem) (AllowEntry, error) {
	s := strings.TrimSpace(item.text)
	if s == "" {
		return AllowEntry{}, errors.New("empty entry (two commas in a row?)")
	}
	if item.quoted {
		switch {
		case strings.ContainsAny(s, " \t"):
			return AllowEntry{}, fmt.Errorf("initiator pattern %q contains blanks", s)
		case strings.Contains(s, ","):
			return AllowEntry{}, fmt.Errorf("initiator pattern %q contains a comma, which ends an entry in initiators.allow", s)
		case s == "ALL":
			return AllowEntry{}, errors.New("write ALL without quotes")
		}
		return AllowEntry{Kind: AllowIQN, Pattern: s}, nil
	}
	if s == "ALL" {
		return AllowEntry{Kind: AllowAll}, nil
	}
	addrPart, bits, hasBits := s, "", false
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return AllowEntry{}, fmt.Errorf("%q: missing ']'", s)
		}
		addrPart = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, "/") {
				return AllowEntry{}, fmt.Errorf("%q: unexpected %q after ']'", s, rest)
			}
			bits, hasBits = rest[1:], true
		}
	} else if i := strings.Index(s, "/"); i >= 0 {
		addrPart, bits, hasBits = s[:i], s[i+1:], true
	}
	addr, err := netip.ParseAddr(addrPart)
	if err != nil {
		lower := strings.ToLower(s)
		switch {
		case strings.HasPrefix(lower, "iqn.") || strings.HasPrefix(lower, "eui.") || strings.HasPrefix(lower, "naa."):
			return AllowEntry{}, fmt.Errorf("initiator name pattern %s must be quoted: write %s", s, quote(s))
		case hostRE.MatchString(addrPart) && !hasBits && strings.ContainsFunc(addrPart, unicode.IsLetter):
			return AllowEntry{}, fmt.Errorf("%s looks like a host name; ietd never matches host names (it does not resolve them): write its address", s)
		}
		return AllowEntry{}, fmt.Errorf("%q is not an address, a network (CIDR) or a quoted initiator name pattern", s)
	}
	if addr.Zone() != "" {
		return AllowEntry{}, fmt.Errorf("%s: ietd cannot match an address with a zone", s)
	}
	if addr.Is4In6() {
		return AllowEntry{}, fmt.Errorf("%s: write the IPv4 address %s", s, addr.Unmap())
	}
	if !hasBits {
		return AllowEntry{Kind: AllowAddr, Prefix: netip.PrefixFrom(addr, addr.BitLen())}, nil
	}
	n, err := strconv.Atoi(bits)
	if err != nil || n < 0 || n > addr.BitLen() || strings.HasPrefix(bits, "+") {
		return AllowEntry{}, fmt.Errorf("%s: prefix length %q is not 0 to %d", s, bits, addr.BitLen())
	}
	if n == addr.BitLen() {
		return AllowEntry{}, fmt.Errorf("%s: ietd never matches a /%d network; write the bare address %s", s, n, AllowEntry{Kind: AllowAddr, Prefix: netip.PrefixFrom(addr, n)})
	}
	pfx := netip.PrefixFrom(addr, n)
	if pfx.Masked().Addr() != addr {
		want := AllowEntry{Kind: AllowNet, Prefix: pfx.Masked()}
		return AllowEntry{}, fmt.Errorf("%s has host bits set, so ietd never matches it: write %s", s, want)
	}
	return AllowEntry{Kind: AllowNet, Prefix: pfx}, nil
}

func checkLUNType(v string) error {
	switch v {
	case "fileio", "blockio":
		return nil
	case "nullio":
		return errors.New("Type nullio exports no data and is not supported")
	}
	return fmt.Errorf("Type is fileio or blockio (lower case), not %q", v)
}

func checkUserName(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case strings.ContainsFunc(s, unicode.IsSpace):
		return fmt.Errorf("%q contains blanks, which ietd.conf cannot hold", s)
	case strings.Contains(s, ","):
		return fmt.Errorf("%q contains a comma, which ietadm --params cannot pass", s)
	case len(s) > maxNameLen:
		return fmt.Errorf("longer than the %d bytes ietd keeps", maxNameLen)
	}
	return nil
}

// checkSecret never puts the secret itself in a message.
func checkSecret(s string) (warning string, err error) {
	switch {
	case s == "":
		return "", errors.New("empty")
	case strings.ContainsFunc(s, unicode.IsSpace):
		return "", errors.New("contains blanks; ietd.conf splits words at blanks, so ietd would keep only the first word")
	case strings.Contains(s, ","):
		return "", errors.New("contains a comma, which ietadm --params cannot pass")
	case len(s) > maxNameLen:
		return "", fmt.Errorf("longer than the %d bytes ietd keeps", maxNameLen)
	case len(s) < minSecret:
		return fmt.Sprintf("shorter than %d characters; RFC 3720 requires at least %d and the Microsoft initiator refuses shorter ones", minSecret, minSecret), nil
	}
	return "", nil
}

func checkPath(s string) error {
	switch {
	case !strings.HasPrefix(s, "/"):
		return fmt.Errorf("path %q is not absolute", s)
	case strings.ContainsFunc(s, unicode.IsSpace):
		return fmt.Errorf("path %q contains blanks, which ietd cannot take", s)
	case strings.Contains(s, ","):
		return fmt.Errorf("path %q contains a comma, which ends a parameter for ietd", s)
	}
	return nil
}

// setLUNParam applies one Key=Value to l and returns the canonical key.
func setLUNParam(l *LUN, item string) (string, error) {
	k, v, ok := strings.Cut(item, "=")
	if !ok || k == "" {
		return "", fmt.Errorf("parameter %q is not Key=Value", item)
	}
	printable := func(max int) error {
		if v == "" {
			return fmt.Errorf("%s is empty", k)
		}
		if len(v) > max {
			return fmt.Errorf("%s %q is longer than the %d characters ietd keeps", k, v, max)
		}
		for _, r := range v {
			if r < 0x21 || r > 0x7e {
				return fmt.Errorf("%s %q: only printable ASCII without blanks", k, v)
			}
		}
		return nil
	}
	switch strings.ToLower(k) {
	case "type":
		if err := checkLUNType(v); err != nil {
			return "", err
		}
		l.Type = v
		return "Type", nil
	case "iomode":
		if v != "wb" && v != "wt" && v != "ro" {
			return "", fmt.Errorf("IOMode is wb, wt or ro, not %q", v)
		}
		l.IOMode = v
		return "IOMode", nil
	case "blocksize":
		switch v {
		case "512", "1024", "2048", "4096":
			l.BlockSize, _ = strconv.Atoi(v)
			return "BlockSize", nil
		}
		return "", fmt.Errorf("BlockSize is 512, 1024, 2048 or 4096, not %q", v)
	case "scsiid":
		if err := printable(maxScsiID); err != nil {
			return "", err
		}
		l.ScsiID = v
		return "ScsiId", nil
	case "scsisn":
		if err := printable(maxScsiSN); err != nil {
			return "", err
		}
		l.ScsiSN = v
		return "ScsiSN", nil
	case "path":
		return "", errors.New("the path is the second word of a lun line; remove Path=")
	}
	return "", fmt.Errorf("unknown LUN parameter %q (expected Type, ScsiId, ScsiSN, IOMode, BlockSize)", k)
}

// backupPlaceholders are the names a backup template may use.
var backupPlaceholders = map[string]string{
	"{vg}":     "volume group of the LUN's /dev/VG/LV path",
	"{lv}":     "logical volume of the LUN's /dev/VG/LV path",
	"{target}": "target name as written",
	"{lun}":    "LUN number",
}

func checkBackupTemplate(s string) error {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || (scheme != "lvm" && scheme != "file" && scheme != "dev") {
		return fmt.Errorf("template %q must start with lvm:, file: or dev:", s)
	}
	found := phRE.FindAllString(s, -1)
	for _, ph := range found {
		if _, ok := backupPlaceholders[ph]; !ok {
			return fmt.Errorf("unknown placeholder %s (expected {vg}, {lv}, {target}, {lun})", ph)
		}
	}
	rest := phRE.ReplaceAllString(s, "")
	if strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("template %q has an unbalanced brace", s)
	}
	if len(found) == 0 {
		return fmt.Errorf("template %q has no placeholder, so every LUN would go to the same destination", s)
	}
	return nil
}

// ExpandBackup returns the backup destination of one LUN.
func ExpandBackup(tmpl string, t *Target, l LUN) (string, error) {
	out := tmpl
	if strings.Contains(tmpl, "{vg}") || strings.Contains(tmpl, "{lv}") {
		m := lvmPath.FindStringSubmatch(l.Path)
		if m == nil {
			return "", fmt.Errorf("path %s is not /dev/VG/LV, so {vg} and {lv} cannot be filled in", l.Path)
		}
		out = strings.ReplaceAll(out, "{vg}", m[1])
		out = strings.ReplaceAll(out, "{lv}", m[2])
	}
	out = strings.ReplaceAll(out, "{target}", t.Name)
	out = strings.ReplaceAll(out, "{lun}", strconv.Itoa(l.Number))
	return out, nil
}
