package ietd

import (
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// ACLAll lets every initiator in.
const ACLAll = "ALL"

// exactName matches an initiator pattern that names one initiator: no
// regular-expression syntax but escaped dots.
var exactName = regexp.MustCompile(`^([a-z0-9:\-]|\\\.)+$`)

// ACLEntries turns an allow list into the entries of a daemon's live ACL:
// an address ("198.51.100.5", "2001:db8::5"), a network
// ("198.51.100.0/24", "2001:db8:1::/64"), an initiator name, or ALL for an
// empty list. Patterns that name one initiator exactly become its name;
// other patterns cannot be expressed and are returned in rest.
func ACLEntries(allow []targetconf.AllowEntry) (entries, rest []string) {
	if len(allow) == 0 {
		return []string{ACLAll}, nil
	}
	for _, a := range allow {
		switch a.Kind {
		case targetconf.AllowAll:
			return []string{ACLAll}, nil
		case targetconf.AllowAddr:
			entries = append(entries, a.Prefix.Addr().String())
		case targetconf.AllowNet:
			entries = append(entries, a.Prefix.String())
		case targetconf.AllowIQN:
			if exactName.MatchString(a.Pattern) {
				entries = append(entries, strings.ReplaceAll(a.Pattern, `\.`, "."))
			} else {
				rest = append(rest, a.Pattern)
			}
		}
	}
	return entries, rest
}

// canonicalACL puts an entry in one spelling, so that what a daemon shows
// compares with what ACLEntries makes.
func canonicalACL(e string) string {
	e = strings.TrimSpace(e)
	if strings.EqualFold(e, ACLAll) {
		return ACLAll
	}
	if p, err := netip.ParsePrefix(e); err == nil {
		if p.IsSingleIP() {
			return p.Addr().String()
		}
		return p.Masked().String()
	}
	if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
		return a.String()
	}
	return strings.ToLower(e)
}

// aclDiff returns what to bind and unbind to turn have into want.
func aclDiff(want, have []string) (bind, unbind []string) {
	w, h := map[string]bool{}, map[string]bool{}
	for _, e := range want {
		w[canonicalACL(e)] = true
	}
	for _, e := range have {
		h[canonicalACL(e)] = true
	}
	for e := range w {
		if !h[e] {
			bind = append(bind, e)
		}
	}
	for e := range h {
		if !w[e] {
			unbind = append(unbind, e)
		}
	}
	sort.Strings(bind)
	sort.Strings(unbind)
	return bind, unbind
}
