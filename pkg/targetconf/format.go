package targetconf

import (
	"fmt"
	"strings"
)

// Format renders c in the declarative syntax, includes flattened, so that
// Parse reads back an equal Config. Secrets are written: the result is a
// config file and belongs in a file of mode 0600.
func Format(c *Config) []byte {
	var b strings.Builder
	if c.Prefix != "" {
		fmt.Fprintf(&b, "prefix %s\n", quote(c.Prefix))
	}
	if c.LUNType != "" && c.LUNType != DefaultLUNType {
		fmt.Fprintf(&b, "lun-type %s\n", c.LUNType)
	}
	if c.ISNSServer != "" {
		fmt.Fprintf(&b, "global iSNSServer %s\n", quote(c.ISNSServer))
	}
	if c.ISNSAccessControl != "" {
		fmt.Fprintf(&b, "global iSNSAccessControl %s\n", c.ISNSAccessControl)
	}
	for _, u := range c.DiscoveryUsers {
		fmt.Fprintf(&b, "global %s %s %s\n", u.Dir.IETKey(), quote(u.Name), quote(u.Secret.Reveal()))
	}
	for _, o := range c.Common {
		fmt.Fprintf(&b, "option %s %s\n", o.Key, quote(o.Value))
	}
	for _, t := range c.Targets {
		fmt.Fprintf(&b, "\ntarget %s", quote(t.Name))
		if len(t.Allow) > 0 {
			b.WriteByte(' ')
			for i, a := range t.Allow {
				if i > 0 {
					b.WriteByte(',')
				}
				if a.Kind == AllowIQN {
					// Always quoted: a bare pattern reads back as an address.
					b.WriteString(forceQuote(a.Pattern))
				} else {
					b.WriteString(a.String())
				}
			}
		}
		b.WriteByte('\n')
		for _, o := range t.Own {
			fmt.Fprintf(&b, "  option %s %s\n", o.Key, quote(o.Value))
		}
		for _, u := range t.Users {
			fmt.Fprintf(&b, "  user %s %s %s\n", u.Dir, quote(u.Name), quote(u.Secret.Reveal()))
		}
		for _, l := range t.LUNs {
			fmt.Fprintf(&b, "  lun %d %s", l.Number, quote(l.Path))
			if l.Type != c.LUNType {
				fmt.Fprintf(&b, " Type=%s", l.Type)
			}
			if l.ScsiID != "" {
				fmt.Fprintf(&b, " %s", quote("ScsiId="+l.ScsiID))
			}
			if l.ScsiSN != "" {
				fmt.Fprintf(&b, " %s", quote("ScsiSN="+l.ScsiSN))
			}
			if l.IOMode != "" {
				fmt.Fprintf(&b, " IOMode=%s", l.IOMode)
			}
			if l.BlockSize != 0 {
				fmt.Fprintf(&b, " BlockSize=%d", l.BlockSize)
			}
			b.WriteByte('\n')
		}
	}
	if c.Backup != "" {
		fmt.Fprintf(&b, "\nbackup %s\n", quote(c.Backup))
	}
	return []byte(b.String())
}
