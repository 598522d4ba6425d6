package testenv

import (
	"fmt"
	"net"
	"testing"
	"time"
)

// Listen opens a listener inside the namespace (network and addr as for
// net.Listen; "tcp" on ":PORT" listens on IPv4 and IPv6) and closes it when
// the test ends. It accepts connections itself and closes each one at
// once: the listener is a port that answers, for tests that only ask
// whether a connection can be made. Use Addr() to learn a port chosen by
// the kernel.
func (n *NetNS) Listen(t testing.TB, network, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	err := n.Do(func() error {
		var err error
		ln, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		t.Fatalf("listen on %s %s in %s: %v", network, addr, n.Name, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by cleanup
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln
}

// DialTimeout connects from inside the namespace to addr, waiting at most
// d, and closes the connection at once. It returns nil when the connection
// was made. A connection whose packets are dropped fails with an error for
// which net.Error's Timeout() is true; one that is refused does not.
func (n *NetNS) DialTimeout(network, addr string, d time.Duration) error {
	err := n.Do(func() error {
		c, err := net.DialTimeout(network, addr, d)
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		return fmt.Errorf("dial %s %s from %s: %w", network, addr, n.Name, err)
	}
	return nil
}
