package portblock

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNewValidatesOptions(t *testing.T) {
	const journal = "/var/lib/ietkit/portblock.journal"
	tests := []struct {
		name      string
		opts      Options
		wantChain string
		wantPort  int
		wantErr   string // substring; "" means valid
	}{
		{"defaults", Options{JournalPath: journal}, DefaultChain, DefaultPort, ""},
		{"own chain and port", Options{Chain: "IETK-a1_b.2", Port: 13260, JournalPath: journal}, "IETK-a1_b.2", 13260, ""},
		{"28 characters", Options{Chain: strings.Repeat("A", 28), JournalPath: journal}, strings.Repeat("A", 28), DefaultPort, ""},
		{"highest port", Options{Port: 65535, JournalPath: journal}, DefaultChain, 65535, ""},
		{"no journal", Options{}, "", 0, "journal path is required"},
		{"29 characters", Options{Chain: strings.Repeat("A", 29), JournalPath: journal}, "", 0, "longer than 28"},
		{"built-in chain", Options{Chain: "INPUT", JournalPath: journal}, "", 0, "built-in"},
		{"target name", Options{Chain: "DROP", JournalPath: journal}, "", 0, "built-in"},
		{"leading dash", Options{Chain: "-X", JournalPath: journal}, "", 0, "character '-' at 0"},
		{"blank", Options{Chain: "A B", JournalPath: journal}, "", 0, "character ' ' at 1"},
		{"bang", Options{Chain: "A!", JournalPath: journal}, "", 0, "character '!' at 1"},
		{"negative port", Options{Port: -1, JournalPath: journal}, "", 0, "port -1"},
		{"port too high", Options{Port: 65536, JournalPath: journal}, "", 0, "port 65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New: %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if b.opts.Chain != tt.wantChain || b.opts.Port != tt.wantPort || b.log == nil {
				t.Errorf("chain %q, port %d, logger %v; want %q, %d and a logger", b.opts.Chain, b.opts.Port, b.log, tt.wantChain, tt.wantPort)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in      netip.Prefix
		want    netip.Prefix
		wantErr bool
	}{
		{in: netip.MustParsePrefix("198.51.100.10/32"), want: netip.MustParsePrefix("198.51.100.10/32")},
		{in: netip.MustParsePrefix("198.51.100.10/24"), want: netip.MustParsePrefix("198.51.100.0/24")},
		{in: netip.MustParsePrefix("2001:db8:100::10/128"), want: netip.MustParsePrefix("2001:db8:100::10/128")},
		{in: netip.MustParsePrefix("2001:db8:100::10/64"), want: netip.MustParsePrefix("2001:db8:100::/64")},
		{in: netip.MustParsePrefix("::ffff:198.51.100.10/128"), want: netip.MustParsePrefix("198.51.100.10/32")},
		{in: netip.MustParsePrefix("::ffff:198.51.100.10/120"), want: netip.MustParsePrefix("198.51.100.0/24")},
		{in: netip.MustParsePrefix("::ffff:0.0.0.0/95"), wantErr: true},
		{in: netip.Prefix{}, wantErr: true},
		{in: netip.PrefixFrom(netip.MustParseAddr("198.51.100.10"), 33), wantErr: true},
	}
	for _, tt := range tests {
		got, err := normalize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("normalize(%s) = %s, %v; want %s, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNormalizeAllDropsDuplicates(t *testing.T) {
	in := []netip.Prefix{
		netip.MustParsePrefix("198.51.100.10/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("::ffff:198.51.100.11/128"),
		netip.MustParsePrefix("198.51.100.11/32"),
	}
	got, err := normalizeAll(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("198.51.100.11/32")}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestRuleSpecs(t *testing.T) {
	got := strings.Join(ruleSpec(netip.MustParsePrefix("2001:db8:100::10/128")), " ")
	if want := "-s 2001:db8:100::10/128 -m comment --comment ietkit -j DROP"; got != want {
		t.Errorf("rule %q, want %q", got, want)
	}
	got = strings.Join(jumpSpec("IETKIT-BLOCK", 3260), " ")
	if want := "-p tcp --dport 3260 -j IETKIT-BLOCK"; got != want {
		t.Errorf("jump %q, want %q", got, want)
	}
}
