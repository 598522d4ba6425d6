package testenv

import (
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

func TestNetworkAddresses(t *testing.T) {
	tests := []struct {
		i     int
		want4 string
		want6 string
	}{
		{0, "198.51.100.10", "2001:db8:100::10"},
		{1, "198.51.100.11", "2001:db8:100::11"},
		{MaxHosts - 1, "198.51.100.209", "2001:db8:100::209"},
	}
	for _, tt := range tests {
		v4, v6 := HostAddrs(tt.i)
		if v4 != netip.MustParseAddr(tt.want4) || v6 != netip.MustParseAddr(tt.want6) {
			t.Errorf("HostAddrs(%d) = %s, %s; want %s, %s", tt.i, v4, v6, tt.want4, tt.want6)
		}
	}
}

func TestNetworkHostsReachServer(t *testing.T) {
	n := NewNetwork(t, 2)
	ln := n.Server.Listen(t, "tcp", ":0")
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for i, h := range n.Hosts {
		for _, a := range []netip.Addr{n.ServerAddr4, n.ServerAddr6} {
			if err := h.NS.DialTimeout("tcp", net.JoinHostPort(a.String(), port), 10*time.Second); err != nil {
				t.Errorf("host %d: %v", i, err)
			}
		}
	}
	// And the other way round: the server reaches host 1 on both families.
	hln := n.Hosts[1].NS.Listen(t, "tcp", ":0")
	hport := strconv.Itoa(hln.Addr().(*net.TCPAddr).Port)
	for _, a := range []netip.Addr{n.Hosts[1].Addr4, n.Hosts[1].Addr6} {
		if err := n.Server.DialTimeout("tcp", net.JoinHostPort(a.String(), hport), 10*time.Second); err != nil {
			t.Errorf("server to host 1: %v", err)
		}
	}
}

// TestNetworksInParallel builds two networks with the same addresses at
// the same time. Each server listens on its own port: a host reaches its
// own server's port and is refused on the other one's, which it would not
// be if the networks were joined.
func TestNetworksInParallel(t *testing.T) {
	RequireRoot(t)
	ports := []int{33260, 33261}
	for i, port := range ports {
		other := ports[1-i]
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			n := NewNetwork(t, 2)
			n.Server.Listen(t, "tcp", ":"+strconv.Itoa(port))
			for _, a := range []netip.Addr{n.ServerAddr4, n.ServerAddr6} {
				for hi, h := range n.Hosts {
					own := net.JoinHostPort(a.String(), strconv.Itoa(port))
					if err := h.NS.DialTimeout("tcp", own, 10*time.Second); err != nil {
						t.Errorf("host %d: %v", hi, err)
					}
					foreign := net.JoinHostPort(a.String(), strconv.Itoa(other))
					if err := h.NS.DialTimeout("tcp", foreign, 10*time.Second); err == nil {
						t.Errorf("host %d reached %s, which only the other network listens on", hi, foreign)
					}
				}
			}
		})
	}
}
