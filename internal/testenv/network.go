package testenv

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Interface names inside the namespaces of a Network.
const (
	BridgeName = "ietkbr0" // the bridge, in the server namespace
	HostIfName = "eth0"    // a host's end of its veth pair
	// The server's end of host i's veth pair is "vh<i>", enslaved to the
	// bridge.
)

// MaxHosts is the most hosts a Network can have.
const MaxHosts = 200

// Network is a server namespace and host namespaces on one bridge.
type Network struct {
	Server                   *NetNS
	ServerAddr4, ServerAddr6 netip.Addr
	Hosts                    []*Host
}

// Host is one host of a Network.
type Host struct {
	NS           *NetNS
	Addr4, Addr6 netip.Addr
}

// The server's addresses, the same in every Network.
var (
	serverAddr4 = netip.MustParseAddr("198.51.100.1")
	serverAddr6 = netip.MustParseAddr("2001:db8:100::1")
)

const (
	bits4 = 24
	bits6 = 64
)

// HostAddrs returns the addresses of host i in a Network. The last IPv6
// group spells 10+i in decimal digits (read as hex): host 0 has
// 198.51.100.10 and 2001:db8:100::10.
func HostAddrs(i int) (v4, v6 netip.Addr) {
	v4 = netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)})
	v6 = netip.MustParseAddr(fmt.Sprintf("2001:db8:100::%d", 10+i))
	return v4, v6
}

// NewNetwork creates a server namespace and hosts host namespaces (0 to
// MaxHosts) connected through a bridge in the server namespace; see the
// package documentation for the addresses. Everything is removed when the
// test ends. IPv6 addresses are added without duplicate address detection,
// so both families are usable as soon as NewNetwork returns.
func NewNetwork(t testing.TB, hosts int) *Network {
	t.Helper()
	if hosts < 0 || hosts > MaxHosts {
		t.Fatalf("new network: %d hosts, want 0 to %d", hosts, MaxHosts)
	}
	n := &Network{
		Server:      NewNetNS(t),
		ServerAddr4: serverAddr4,
		ServerAddr6: serverAddr6,
	}
	srv, err := n.Server.netlink()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	br := &netlink.Bridge{
		LinkAttrs: netlink.LinkAttrs{Name: BridgeName},
		// Flood multicast, so that IPv6 neighbour discovery works without
		// an MLD querier.
		MulticastSnooping: new(false),
	}
	if err := srv.LinkAdd(br); err != nil {
		t.Fatalf("add bridge in %s: %v", n.Server.Name, err)
	}
	if err := setup(srv, BridgeName, serverAddr4, serverAddr6); err != nil {
		t.Fatalf("set up bridge in %s: %v", n.Server.Name, err)
	}
	for i := range hosts {
		h := &Host{NS: NewNetNS(t)}
		h.Addr4, h.Addr6 = HostAddrs(i)
		if err := n.connect(srv, br, h, i); err != nil {
			t.Fatalf("connect host %d (%s) to %s: %v", i, h.NS.Name, n.Server.Name, err)
		}
		n.Hosts = append(n.Hosts, h)
	}
	return n
}

// connect creates host i's veth pair directly in the two namespaces, so
// that it never appears in the test's own namespace, and configures both
// ends.
func (n *Network) connect(srv *netlink.Handle, br netlink.Link, h *Host, i int) error {
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: fmt.Sprintf("vh%d", i)},
		PeerName:      HostIfName,
		PeerNamespace: netlink.NsFd(h.NS.handle),
	}
	if err := srv.LinkAdd(veth); err != nil {
		return fmt.Errorf("add veth pair: %w", err)
	}
	if err := srv.LinkSetMaster(veth, br); err != nil {
		return fmt.Errorf("enslave %s to %s: %w", veth.Name, BridgeName, err)
	}
	if err := srv.LinkSetUp(veth); err != nil {
		return fmt.Errorf("bring %s up: %w", veth.Name, err)
	}
	hnl, err := h.NS.netlink()
	if err != nil {
		return err
	}
	defer hnl.Close()
	return setup(hnl, HostIfName, h.Addr4, h.Addr6)
}

// setup adds the two addresses to the named link and brings it up.
func setup(nl *netlink.Handle, name string, v4, v6 netip.Addr) error {
	link, err := nl.LinkByName(name)
	if err != nil {
		return err
	}
	addrs := []*netlink.Addr{
		{IPNet: ipNet(v4, bits4)},
		{IPNet: ipNet(v6, bits6), Flags: unix.IFA_F_NODAD},
	}
	for _, a := range addrs {
		if err := nl.AddrAdd(link, a); err != nil {
			return fmt.Errorf("add %s to %s: %w", a.IPNet, name, err)
		}
	}
	if err := nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	return nil
}

func ipNet(a netip.Addr, bits int) *net.IPNet {
	return &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(bits, a.BitLen())}
}
