package portblock

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
)

// Defaults of Options.
const (
	DefaultChain = "IETKIT-BLOCK"
	DefaultPort  = 3260
)

// maxChainLen is iptables' limit on chain names (29 bytes with the NUL).
const maxChainLen = 28

// Options configure a Blocker.
type Options struct {
	Chain       string       // our own chain in the filter table; default "IETKIT-BLOCK"
	Port        int          // TCP port whose incoming traffic is dropped; default 3260
	JournalPath string       // required: the journal file, e.g. <root>/var/lib/ietkit/portblock.journal
	Logger      *slog.Logger // nil: slog.Default()
	// AfterJournal, when set, is called after a block has been written to
	// the journal and before its rule is inserted (a test hook for crashes).
	AfterJournal func(p netip.Prefix)
}

// reservedChains are names iptables refuses for a user chain: the built-in
// chains and the targets it knows, which a chain name may not clash with.
var reservedChains = map[string]bool{
	"INPUT": true, "OUTPUT": true, "FORWARD": true, "PREROUTING": true, "POSTROUTING": true,
	"ACCEPT": true, "DROP": true, "QUEUE": true, "RETURN": true, "REJECT": true,
	"LOG": true, "NFLOG": true, "NFQUEUE": true, "MARK": true, "CONNMARK": true,
	"SNAT": true, "DNAT": true, "MASQUERADE": true, "REDIRECT": true, "NETMAP": true,
	"TCPMSS": true, "CT": true, "NOTRACK": true, "TRACE": true, "CLASSIFY": true,
	"DSCP": true, "TOS": true, "TTL": true, "HL": true, "SECMARK": true,
	"CONNSECMARK": true, "AUDIT": true, "CHECKSUM": true, "IDLETIMER": true,
	"LED": true, "SET": true, "SYNPROXY": true, "TEE": true, "TPROXY": true,
	"ECN": true, "HMARK": true, "TCPOPTSTRIP": true, "CLUSTERIP": true, "ULOG": true,
}

// withDefaults returns o with defaults filled in, or an error naming the
// first invalid option.
func (o Options) withDefaults() (Options, error) {
	if o.Chain == "" {
		o.Chain = DefaultChain
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := validChain(o.Chain); err != nil {
		return o, err
	}
	if o.Port < 1 || o.Port > 65535 {
		return o, fmt.Errorf("port %d: want 1 to 65535", o.Port)
	}
	if o.JournalPath == "" {
		return o, errors.New("journal path is required")
	}
	return o, nil
}

// validChain accepts names iptables accepts, from a conservative alphabet
// so that a name never needs quoting in a log or a shell.
func validChain(name string) error {
	if len(name) > maxChainLen {
		return fmt.Errorf("chain %q: longer than %d characters", name, maxChainLen)
	}
	if reservedChains[name] {
		return fmt.Errorf("chain %q: a built-in chain or target name", name)
	}
	for i, c := range name {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '-' || c == '_' || c == '.'):
		default:
			return fmt.Errorf("chain %q: character %q at %d; use letters, digits, '-', '_' and '.', starting with a letter or digit", name, c, i)
		}
	}
	return nil
}

// normalize returns p masked, with an IPv4-mapped IPv6 prefix (as
// dual-stack listeners report IPv4 peers) turned into its IPv4 form, since
// IPv4 packets only ever meet iptables.
func normalize(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, fmt.Errorf("invalid prefix %q", p)
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("prefix %s: ipv4-mapped prefix shorter than /96", p)
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// normalizeAll normalizes ps and drops duplicates, keeping their order.
func normalizeAll(ps []netip.Prefix) ([]netip.Prefix, error) {
	seen := make(map[netip.Prefix]bool, len(ps))
	out := make([]netip.Prefix, 0, len(ps))
	var errs []error
	for _, p := range ps {
		n, err := normalize(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, errors.Join(errs...)
}
