package portblock

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-iptables/iptables"
	"github.com/google/go-cmp/cmp"

	"github.com/ietkit/ietkit/internal/testenv"
)

const (
	testPort = 3260
	// dropTimeout is how long a dial waits before a blocked host counts as
	// dropped; reachTimeout is generous because it only delays failures.
	dropTimeout  = time.Second
	reachTimeout = 10 * time.Second
)

// family is one column of the IPv4/IPv6 matrix.
type family struct {
	name  string
	proto iptables.Protocol
	bits  int // of a single address
	// server and host return the addresses of that family.
	server func(*testenv.Network) netip.Addr
	host   func(*testenv.Host) netip.Addr
	subnet netip.Prefix // holds every host of a testenv network
}

var families = []family{
	{
		name: "ipv4", proto: iptables.ProtocolIPv4, bits: 32,
		server: func(n *testenv.Network) netip.Addr { return n.ServerAddr4 },
		host:   func(h *testenv.Host) netip.Addr { return h.Addr4 },
		subnet: netip.MustParsePrefix("198.51.100.0/24"),
	},
	{
		name: "ipv6", proto: iptables.ProtocolIPv6, bits: 128,
		server: func(n *testenv.Network) netip.Addr { return n.ServerAddr6 },
		host:   func(h *testenv.Host) netip.Addr { return h.Addr6 },
		subnet: netip.MustParsePrefix("2001:db8:100::/64"),
	},
}

// fixture is a storage node (the server namespace, listening on testPort)
// with two initiators, and a random chain and journal for its Blockers.
type fixture struct {
	net     *testenv.Network
	chain   string
	journal string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "iptables", "ip6tables")
	f := &fixture{
		net:     testenv.NewNetwork(t, 2),
		chain:   testenv.RandomName("IETK-"),
		journal: filepath.Join(t.TempDir(), "var/lib/ietkit/portblock.journal"),
	}
	f.net.Server.Listen(t, "tcp", ":"+strconv.Itoa(testPort))
	return f
}

// blocker returns a new Blocker on the fixture's chain and journal, as a
// new run of ietkit on the storage node would make it.
func (f *fixture) blocker(t *testing.T) *Blocker {
	t.Helper()
	b, err := New(Options{
		Chain:       f.chain,
		Port:        testPort,
		JournalPath: f.journal,
		Logger:      slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// onServer runs fn in the server namespace, where the Blocker's iptables
// commands must run.
func (f *fixture) onServer(t *testing.T, what string, fn func() error) {
	t.Helper()
	if err := f.net.Server.Do(fn); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (f *fixture) block(t *testing.T, b *Blocker, ps ...netip.Prefix) {
	t.Helper()
	f.onServer(t, "block", func() error { return b.Block(context.Background(), "test", ps) })
}

func (f *fixture) unblock(t *testing.T, ctx context.Context, b *Blocker, ps ...netip.Prefix) {
	t.Helper()
	f.onServer(t, "unblock", func() error { return b.Unblock(ctx, ps) })
}

func (f *fixture) heal(t *testing.T, b *Blocker) []Block {
	t.Helper()
	var removed []Block
	f.onServer(t, "heal", func() (err error) {
		removed, err = b.Heal(context.Background())
		return err
	})
	return removed
}

func (f *fixture) list(t *testing.T, b *Blocker) []Block {
	t.Helper()
	var bs []Block
	f.onServer(t, "list", func() (err error) {
		bs, err = b.List(context.Background())
		return err
	})
	return bs
}

// rules lists INPUT and our chain (nil when it does not exist) in the
// server namespace, as iptables -S prints them.
func (f *fixture) rules(t *testing.T, proto iptables.Protocol) (input, chain []string) {
	t.Helper()
	f.onServer(t, "list rules", func() error {
		ipt, err := iptables.New(iptables.IPFamily(proto))
		if err != nil {
			return err
		}
		if input, err = ipt.List(table, inputChain); err != nil {
			return err
		}
		ok, err := ipt.ChainExists(table, f.chain)
		if err != nil || !ok {
			return err
		}
		chain, err = ipt.List(table, f.chain)
		return err
	})
	return input, chain
}

// wantRules is what rules returns once the chain exists and holds a DROP
// rule for each of ps.
func (f *fixture) wantRules(ps ...string) (input, chain []string) {
	input = []string{"-P INPUT ACCEPT", "-A INPUT -p tcp -m tcp --dport " + strconv.Itoa(testPort) + " -j " + f.chain}
	chain = []string{"-N " + f.chain}
	for _, p := range ps {
		chain = append(chain, "-A "+f.chain+" -s "+p+" -m comment --comment ietkit -j DROP")
	}
	return input, chain
}

func (f *fixture) checkRules(t *testing.T, fam family, ps ...string) {
	t.Helper()
	wantInput, wantChain := f.wantRules(ps...)
	input, chain := f.rules(t, fam.proto)
	if diff := cmp.Diff(wantInput, input); diff != "" {
		t.Errorf("%s INPUT rules (-want +got):\n%s", fam.name, diff)
	}
	if diff := cmp.Diff(wantChain, chain); diff != "" {
		t.Errorf("%s %s rules (-want +got):\n%s", fam.name, f.chain, diff)
	}
}

// checkReach dials the server's port from host i and checks that the
// connection is made, or that its packets are silently dropped (a timeout,
// not a refusal: initiators must stall, never see a reset).
func (f *fixture) checkReach(t *testing.T, fam family, i int, want bool) {
	t.Helper()
	addr := net.JoinHostPort(fam.server(f.net).String(), strconv.Itoa(testPort))
	h := f.net.Hosts[i]
	if want {
		if err := h.NS.DialTimeout("tcp", addr, reachTimeout); err != nil {
			t.Errorf("host %d (%s) should reach the server: %v", i, fam.host(h), err)
		}
		return
	}
	err := h.NS.DialTimeout("tcp", addr, dropTimeout)
	var ne net.Error
	switch {
	case err == nil:
		t.Errorf("host %d (%s) reached %s, want its packets dropped", i, fam.host(h), addr)
	case !errors.As(err, &ne) || !ne.Timeout():
		t.Errorf("host %d (%s): %v; want a timeout (packets dropped)", i, fam.host(h), err)
	}
}

func hostPrefix(fam family, h *testenv.Host) netip.Prefix {
	return netip.PrefixFrom(fam.host(h), fam.bits)
}

func TestBlockDropsTrafficUntilUnblock(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			b := f.blocker(t)
			p := hostPrefix(fam, f.net.Hosts[0])
			input, chain := f.rules(t, fam.proto)
			if diff := cmp.Diff([]string{"-P INPUT ACCEPT"}, input); diff != "" || chain != nil {
				t.Fatalf("fresh namespace has rules: INPUT %v, chain %v", input, chain)
			}

			f.block(t, b, p)
			f.checkReach(t, fam, 0, false)
			f.checkReach(t, fam, 1, true)
			f.checkRules(t, fam, p.String())
			got := f.list(t, b)
			if len(got) != 1 || got[0].Prefix != p || !got[0].Active || got[0].Reason != "test" ||
				got[0].Chain != f.chain || got[0].Port != testPort || got[0].PID != os.Getpid() {
				t.Errorf("List = %+v, want one active block of %s", got, p)
			}

			// Callers unblock on their way out of a cancelled operation.
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			f.unblock(t, cancelled, b, p)
			f.checkReach(t, fam, 0, true)
			f.checkRules(t, fam) // chain and jump stay, no DROP rule
			if got := f.list(t, b); len(got) != 0 {
				t.Errorf("List after Unblock = %+v, want none", got)
			}
		})
	}
}

func TestBlockPrefixCoversHosts(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			b := f.blocker(t)
			// Host bits are masked off.
			given := netip.PrefixFrom(fam.host(f.net.Hosts[1]), fam.subnet.Bits())
			f.block(t, b, given)
			f.checkReach(t, fam, 0, false)
			f.checkReach(t, fam, 1, false)
			f.checkRules(t, fam, fam.subnet.String())
			if got := f.list(t, b); len(got) != 1 || got[0].Prefix != fam.subnet {
				t.Errorf("List = %+v, want one block of %s", got, fam.subnet)
			}
			f.unblock(t, context.Background(), b, given)
			f.checkReach(t, fam, 0, true)
			f.checkReach(t, fam, 1, true)
			f.checkRules(t, fam)
		})
	}
}

func TestRepeatedCallsAreSafe(t *testing.T) {
	f := newFixture(t)
	b := f.blocker(t)
	v4, v6 := families[0], families[1]
	h0, h1 := hostPrefix(v4, f.net.Hosts[0]), hostPrefix(v4, f.net.Hosts[1])
	h0v6 := hostPrefix(v6, f.net.Hosts[0])

	if removed := f.heal(t, b); len(removed) != 0 {
		t.Errorf("Heal of no journal removed %+v", removed)
	}
	f.unblock(t, context.Background(), b, h0) // nothing blocked, no chain yet

	f.block(t, b, h0)
	f.block(t, b, h0, h0v6)
	f.block(t, b, h1) // a second block joins the first: nothing is flushed
	f.checkRules(t, v4, h0.String(), h1.String())
	f.checkRules(t, v6, h0v6.String())
	if got := f.list(t, b); len(got) != 3 {
		t.Errorf("List = %+v, want 3 blocks", got)
	}

	f.unblock(t, context.Background(), b, h0, h0v6)
	f.unblock(t, context.Background(), b, h0, h0v6)
	f.checkRules(t, v4, h1.String())
	f.checkRules(t, v6)
	f.checkReach(t, v4, 0, true)
	f.checkReach(t, v4, 1, false)

	removed := f.heal(t, b)
	if len(removed) != 1 || removed[0].Prefix != h1 {
		t.Errorf("Heal removed %+v, want the block of %s", removed, h1)
	}
	if removed := f.heal(t, b); len(removed) != 0 {
		t.Errorf("second Heal removed %+v", removed)
	}
	f.checkRules(t, v4)
	f.checkReach(t, v4, 1, true)
	if got := f.list(t, b); len(got) != 0 {
		t.Errorf("List after Heal = %+v, want none", got)
	}
}

// TestBlockIPv4WithoutIP6tables runs with a PATH that holds only iptables:
// IPv4 blocks work, an IPv6 block fails before it is journaled.
func TestBlockIPv4WithoutIP6tables(t *testing.T) {
	f := newFixture(t)
	ipt, err := exec.LookPath("iptables")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(ipt, filepath.Join(bin, "iptables")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)

	b := f.blocker(t)
	v4, v6 := families[0], families[1]
	p4, p6 := hostPrefix(v4, f.net.Hosts[0]), hostPrefix(v6, f.net.Hosts[0])
	f.block(t, b, p4)
	f.checkReach(t, v4, 0, false)

	err = f.net.Server.Do(func() error { return b.Block(context.Background(), "test", []netip.Prefix{p6}) })
	if err == nil || !strings.Contains(err.Error(), "ip6tables") {
		t.Errorf("IPv6 block without ip6tables: %v, want an error naming ip6tables", err)
	}
	if got := f.list(t, b); len(got) != 1 || got[0].Prefix != p4 {
		t.Errorf("List = %+v, want only %s", got, p4)
	}
	f.unblock(t, context.Background(), b, p4)
	f.checkReach(t, v4, 0, true)
}

// TestUnblockWithCorruptJournal checks that a journal that cannot be read
// does not keep an initiator blocked: Unblock deletes the rule, reports the
// journal, and leaves it for a human to repair.
func TestUnblockWithCorruptJournal(t *testing.T) {
	f := newFixture(t)
	fam := families[0]
	b := f.blocker(t)
	p := hostPrefix(fam, f.net.Hosts[0])
	f.block(t, b, p)
	if err := os.WriteFile(f.journal, []byte("[{"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := f.net.Server.Do(func() error { return b.Unblock(context.Background(), []netip.Prefix{p}) })
	if err == nil || !strings.Contains(err.Error(), f.journal) {
		t.Errorf("Unblock: %v, want an error naming %s", err, f.journal)
	}
	f.checkReach(t, fam, 0, true)
	f.checkRules(t, fam)
	if data, _ := os.ReadFile(f.journal); string(data) != "[{" {
		t.Errorf("journal rewritten to %q", data)
	}
}
