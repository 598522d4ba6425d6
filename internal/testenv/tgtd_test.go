package testenv

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestStartTgtd(t *testing.T) {
	n := NewNetwork(t, 1)
	d := StartTgtd(t, n.Server, netip.AddrPortFrom(n.ServerAddr4, 3260))
	ctx := context.Background()
	if _, err := d.Tgtadm(ctx, "--op", "new", "--mode", "target", "--tid", "1", "-T", "iqn.2001-04.com.example:t"); err != nil {
		t.Fatal(err)
	}
	out, err := d.Tgtadm(ctx, "--op", "show", "--mode", "target")
	if err != nil || !strings.Contains(out, "Target 1: iqn.2001-04.com.example:t") {
		t.Fatalf("%v\n%s", err, out)
	}
	// The portal listens in the server namespace, and the host reaches it.
	if err := n.Hosts[0].NS.DialTimeout("tcp", d.Portal.String(), 5*time.Second); err != nil {
		t.Errorf("portal not reachable from a host: %v", err)
	}
	// A second tgtd of another test is another daemon.
	d2 := StartTgtd(t, NewNetwork(t, 0).Server, netip.AddrPortFrom(n.ServerAddr4, 3260))
	out, _ = d2.Tgtadm(ctx, "--op", "show", "--mode", "target")
	if strings.Contains(out, "Target 1") || d2.ControlPort == d.ControlPort {
		t.Errorf("second tgtd sees the first one's targets:\n%s", out)
	}
}
