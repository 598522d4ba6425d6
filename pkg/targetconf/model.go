package targetconf

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultLUNType is ietd's LUN Type when neither the LUN nor lun-type sets one.
const DefaultLUNType = "fileio"

// DefaultIOMode is ietd's IOMode when a LUN does not set one.
const DefaultIOMode = "wt"

// Pos is where something was written.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Config is a parsed target.conf.
type Config struct {
	// File is the top-level file name given to Parse.
	File string
	// Prefix is prepended verbatim to every target name.
	Prefix string
	// LUNType is the default Type of LUNs (fileio unless lun-type says).
	LUNType string
	// ISNSServer and ISNSAccessControl are ietd.conf global options.
	ISNSServer        string
	ISNSAccessControl string
	// DiscoveryUsers are the CHAP accounts of discovery sessions.
	DiscoveryUsers []User
	// Common are the options given before the first target, in order.
	Common []Option
	// Targets in file order.
	Targets []*Target
	// Backup is the backup destination template ("" when not set).
	Backup string
	// Warnings are problems that do not stop ietd from working.
	Warnings []Warning
}

// Target is one exported target.
type Target struct {
	// Name is the name as written; IQN is Prefix+Name.
	Name string
	IQN  string
	// Allow lists who may log in; empty means every initiator.
	Allow []AllowEntry
	// Own are the options written under this target, in order.
	Own []Option
	// Options are the effective options: Common overridden by Own.
	Options []Option
	Users   []User
	LUNs    []LUN
	Pos     Pos
}

// Option is one ietd option. Key has its canonical spelling; Value is as
// ietd expects it (decimal numbers, Yes/No, None/CRC32C).
type Option struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Option returns the effective value of key and whether it is set.
func (t *Target) Option(key string) (string, bool) {
	for _, o := range t.Options {
		if strings.EqualFold(o.Key, key) {
			return o.Value, true
		}
	}
	return "", false
}

// LUN finds the LUN numbered n.
func (t *Target) LUN(n int) (LUN, bool) {
	for _, l := range t.LUNs {
		if l.Number == n {
			return l, true
		}
	}
	return LUN{}, false
}

// Target finds a target by IQN (case-insensitively, as ietd compares).
func (c *Config) Target(iqn string) (*Target, bool) {
	for _, t := range c.Targets {
		if strings.EqualFold(t.IQN, iqn) {
			return t, true
		}
	}
	return nil, false
}

// AllowKind tells what an allow-list entry matches.
type AllowKind int

const (
	// AllowAll matches every initiator.
	AllowAll AllowKind = iota
	// AllowAddr matches one address; AllowNet a network.
	AllowAddr
	AllowNet
	// AllowIQN matches initiator names by a POSIX basic regular
	// expression, anchored at both ends by ietd.
	AllowIQN
)

// AllowEntry is one entry of a target's allow list.
type AllowEntry struct {
	Kind AllowKind
	// Prefix holds the address (as a single-address prefix) or network.
	Prefix  netip.Prefix
	Pattern string
}

// String renders the entry in initiators.allow syntax.
func (a AllowEntry) String() string {
	switch a.Kind {
	case AllowAll:
		return "ALL"
	case AllowIQN:
		return a.Pattern
	case AllowAddr:
		if a.Prefix.Addr().Is6() {
			return "[" + a.Prefix.Addr().String() + "]"
		}
		return a.Prefix.Addr().String()
	default:
		if a.Prefix.Addr().Is6() {
			return "[" + a.Prefix.Addr().String() + "]/" + strconv.Itoa(a.Prefix.Bits())
		}
		return a.Prefix.String()
	}
}

// Prefixes returns the address and network entries of an allow list: what
// a firewall can block. Entries matching IQNs or ALL have no prefix.
func Prefixes(allow []AllowEntry) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range allow {
		if a.Kind == AllowAddr || a.Kind == AllowNet {
			out = append(out, a.Prefix)
		}
	}
	return out
}

// Direction is the direction of a CHAP account.
type Direction string

const (
	// Incoming accounts authenticate initiators to the target.
	Incoming Direction = "incoming"
	// Outgoing is the account the target uses towards initiators (one).
	Outgoing Direction = "outgoing"
)

// IETKey is the ietd.conf / ietadm key of the direction.
func (d Direction) IETKey() string {
	if d == Outgoing {
		return "OutgoingUser"
	}
	return "IncomingUser"
}

// User is a CHAP account.
type User struct {
	Dir    Direction `json:"dir"`
	Name   string    `json:"name"`
	Secret Secret    `json:"secret"`
	Pos    Pos       `json:"-"`
}

// Secret is a CHAP password. It never prints: fmt, slog and JSON see "***".
type Secret string

const redacted = "***"

func (Secret) String() string               { return redacted }
func (Secret) GoString() string             { return redacted }
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (Secret) Format(f fmt.State, _ rune)   { f.Write([]byte(redacted)) }
func (Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }

// Reveal returns the secret itself, for the files and commands that need it.
func (s Secret) Reveal() string { return string(s) }

// LUN is one logical unit of a target.
type LUN struct {
	Number int    `json:"lun"`
	Path   string `json:"path"`
	// Type is fileio or blockio, defaulted from lun-type.
	Type string `json:"type"`
	// IOMode is wb, wt or ro; "" when not given (ietd uses wt).
	IOMode string `json:"iomode,omitempty"`
	ScsiID string `json:"scsi_id,omitempty"`
	ScsiSN string `json:"scsi_sn,omitempty"`
	// BlockSize is 0 when not given.
	BlockSize int `json:"blocksize,omitempty"`
	Pos       Pos `json:"-"`
}

// EffectiveIOMode is the IOMode ietd applies.
func (l LUN) EffectiveIOMode() string {
	if l.IOMode == "" {
		return DefaultIOMode
	}
	return l.IOMode
}

// Params renders the LUN's parameters as ietd takes them, in ietd.conf's
// Lun line and in ietadm --params: Path first, then the rest in a fixed
// order. Parameters not given are left out, so that older ietd versions
// that do not know them (IOMode before 0.4.14) still accept the LUN.
func (l LUN) Params() string {
	var b strings.Builder
	b.WriteString("Path=")
	b.WriteString(l.Path)
	b.WriteString(",Type=")
	b.WriteString(l.Type)
	if l.ScsiID != "" {
		b.WriteString(",ScsiId=" + l.ScsiID)
	}
	if l.ScsiSN != "" {
		b.WriteString(",ScsiSN=" + l.ScsiSN)
	}
	if l.IOMode != "" {
		b.WriteString(",IOMode=" + l.IOMode)
	}
	if l.BlockSize != 0 {
		b.WriteString(",BlockSize=" + strconv.Itoa(l.BlockSize))
	}
	return b.String()
}
