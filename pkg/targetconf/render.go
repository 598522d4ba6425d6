package targetconf

import (
	"fmt"
	"strings"
)

// header starts every rendered file. It holds no timestamp, so that an
// unchanged config renders byte-identical files and nothing is rewritten.
func header(source string) string {
	return fmt.Sprintf("# Written by iet-update from %s.\n# Changes made here are overwritten: edit %s instead.\n", source, source)
}

// RenderIETDConf renders ietd.conf. It holds the CHAP secrets, so it must
// be written with mode 0600. Only options the config sets are written;
// ietd applies its defaults to the rest. No line is continued (ietd does
// not support continuations) and no comment follows a value (ietd reads
// numbers with strtol and would silently drop the rest).
func RenderIETDConf(c *Config, source string) []byte {
	var b strings.Builder
	b.WriteString(header(source))
	if c.ISNSServer != "" {
		fmt.Fprintf(&b, "iSNSServer %s\n", c.ISNSServer)
	}
	if c.ISNSAccessControl != "" {
		fmt.Fprintf(&b, "iSNSAccessControl %s\n", c.ISNSAccessControl)
	}
	for _, u := range c.DiscoveryUsers {
		fmt.Fprintf(&b, "%s %s %s\n", u.Dir.IETKey(), u.Name, u.Secret.Reveal())
	}
	for _, t := range c.Targets {
		fmt.Fprintf(&b, "\nTarget %s\n", t.IQN)
		for _, u := range t.Users {
			fmt.Fprintf(&b, "\t%s %s %s\n", u.Dir.IETKey(), u.Name, u.Secret.Reveal())
		}
		for _, l := range t.LUNs {
			fmt.Fprintf(&b, "\tLun %d %s\n", l.Number, l.Params())
		}
		for _, o := range t.Options {
			fmt.Fprintf(&b, "\t%s %s\n", o.Key, o.Value)
		}
	}
	return []byte(b.String())
}

// RenderInitiatorsAllow renders initiators.allow: one line per target
// with its allow list, ALL for a target without one. ietd uses the first
// line naming a target, so each target has exactly one line, and there is
// no catch-all ALL line that could shadow them. Every line ends with a
// newline: ietd skips a last line without one.
func RenderInitiatorsAllow(c *Config, source string) []byte {
	var b strings.Builder
	b.WriteString(header(source))
	for _, t := range c.Targets {
		b.WriteString(t.IQN)
		b.WriteByte(' ')
		if len(t.Allow) == 0 {
			b.WriteString("ALL")
		}
		for i, a := range t.Allow {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.String())
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// RenderInitiatorsDeny renders initiators.deny. With a deny file present
// ietd applies the legacy rule: refuse an initiator that matches the deny
// file and not the allow file. ALL ALL therefore lets in exactly what
// initiators.allow lists, on every IET version.
func RenderInitiatorsDeny(c *Config, source string) []byte {
	return []byte(header(source) + "ALL ALL\n")
}
