package iscsiurl

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Mask is what a redacted password reads.
const Mask = "xxxxx"

// Format returns the URL of LUN lun of target iqn at portal, logging in as
// user with password when user is not empty. With iqn empty it returns the
// portal URL, and lun is ignored. The target name is escaped; user and
// password cannot be, so Format refuses those libiscsi would misread (the
// error never contains the password).
func Format(portal netip.AddrPort, user, password, iqn string, lun int) (string, error) {
	if !portal.IsValid() {
		return "", errors.New("format iscsi url: invalid portal")
	}
	if user == "" && password != "" {
		return "", errors.New("format iscsi url: a password without a user")
	}
	if strings.ContainsAny(user, "@%:/?&") || hasSpaceOrControl(user) {
		return "", fmt.Errorf("format iscsi url: user %q holds a character libiscsi cannot take", user)
	}
	if strings.ContainsAny(password, "@?") || hasSpaceOrControl(password) {
		return "", errors.New("format iscsi url: the password holds '@', '?', a space or a control character")
	}
	if lun < 0 {
		return "", fmt.Errorf("format iscsi url: negative lun %d", lun)
	}
	var b strings.Builder
	b.WriteString("iscsi://")
	if user != "" {
		b.WriteString(user)
		if password != "" {
			b.WriteString("%" + password)
		}
		b.WriteString("@")
	}
	b.WriteString(portal.String())
	if iqn != "" {
		b.WriteString("/" + escapeTarget(iqn) + "/" + strconv.Itoa(lun))
	}
	return b.String(), nil
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return true
		}
	}
	return false
}

// escapeTarget escapes what libiscsi would read as URL syntax in a target
// name; it decodes %XX there.
func escapeTarget(iqn string) string {
	var b strings.Builder
	for i := 0; i < len(iqn); i++ {
		c := iqn[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("%/?@&", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Redact returns url with its passwords replaced by Mask. It splits the
// user part as libiscsi does, so that whatever libiscsi would take as the
// password is masked. Text that is not an iSCSI URL is returned unchanged.
func Redact(url string) string {
	head, rest, ok := split(url)
	if !ok {
		return url
	}
	if user, pwStart, at, ok := userPart(rest); ok && pwStart < at {
		rest = user[:pwStart] + Mask + rest[at:]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		params := strings.Split(rest[q+1:], "&")
		for i, p := range params {
			if k, _, ok := strings.Cut(p, "="); ok && k == "target_password" {
				params[i] = k + "=" + Mask
			}
		}
		rest = rest[:q+1] + strings.Join(params, "&")
	}
	return head + rest
}

// Secrets returns the passwords in url: the user's and the target's, each
// when not empty.
func Secrets(url string) []string {
	_, rest, ok := split(url)
	if !ok {
		return nil
	}
	var s []string
	if user, pwStart, at, ok := userPart(rest); ok && pwStart < at {
		s = append(s, user[pwStart:])
		rest = rest[at:]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		for _, p := range strings.Split(rest[q+1:], "&") {
			if k, v, ok := strings.Cut(p, "="); ok && k == "target_password" && v != "" {
				s = append(s, v)
			}
		}
	}
	return s
}

// split cuts an iscsi:// or iser:// URL after its scheme.
func split(url string) (head, rest string, ok bool) {
	for _, scheme := range []string{"iscsi://", "iser://"} {
		if strings.HasPrefix(url, scheme) {
			return scheme, url[len(scheme):], true
		}
	}
	return "", "", false
}

// userPart finds the user part of rest (the URL after its scheme), up to
// the first '@', and where its password starts: after the first '%', or
// failing that the first ':'.
func userPart(rest string) (user string, pwStart, at int, ok bool) {
	at = strings.IndexByte(rest, '@')
	if at < 0 {
		return "", 0, 0, false
	}
	user = rest[:at]
	sep := strings.IndexByte(user, '%')
	if sep < 0 {
		sep = strings.IndexByte(user, ':')
	}
	if sep < 0 {
		return "", 0, 0, false
	}
	return user, sep + 1, at, true
}

var urlRE = regexp.MustCompile(`\b(?:iscsi|iser)://\S+`)

// RedactText redacts every URL in text, then replaces each non-empty
// secret (see Secrets) with Mask, wherever it appears.
func RedactText(text string, secrets ...string) string {
	text = urlRE.ReplaceAllStringFunc(text, Redact)
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, Mask)
		}
	}
	return text
}
