package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// netnsDir is where named namespaces are bind-mounted, as by `ip netns add`.
const netnsDir = "/run/netns"

// NetNS is a named network namespace owned by one test.
type NetNS struct {
	// Name is the namespace's name under /run/netns, so that
	// `ip netns exec NAME ...` reaches it while the test runs.
	Name string

	handle netns.NsHandle // open for the namespace's lifetime
}

// RandomName returns prefix followed by 8 random hex digits.
func RandomName(prefix string) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return prefix + hex.EncodeToString(b)
}

// NewNetNS creates a network namespace named "ietk-" and random hex,
// brings its lo up, and deletes it when the test ends, whether the test
// passed or not. It skips the test unless it runs as root.
func NewNetNS(t testing.TB) *NetNS {
	t.Helper()
	RequireRoot(t)
	name := RandomName("ietk-")
	h, err := createNamed(name)
	if err != nil {
		t.Fatalf("create network namespace %s: %v", name, err)
	}
	n := &NetNS{Name: name, handle: h}
	// Registered before anything else can fail, so that a test that stops
	// halfway still removes its namespace.
	t.Cleanup(func() {
		if err := n.remove(); err != nil {
			t.Errorf("remove network namespace %s: %v", name, err)
		}
	})
	nl, err := n.netlink()
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	lo, err := nl.LinkByName("lo")
	if err == nil {
		err = nl.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("bring lo up in %s: %v", name, err)
	}
	return n
}

// createNamed creates and bind-mounts a namespace without moving any
// thread but a locked, throw-away one into it.
func createNamed(name string) (netns.NsHandle, error) {
	type result struct {
		h   netns.NsHandle
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{netns.None(), fmt.Errorf("get current namespace: %w", err)}
			return
		}
		defer orig.Close()
		h, err := netns.NewNamed(name) // also moves this thread into it
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A failed mount leaves the empty file behind.
			_ = os.Remove(filepath.Join(netnsDir, name))
		}
		if serr := netns.Set(orig); serr != nil {
			// The thread stays locked, so it ends with this goroutine
			// instead of running others in the wrong namespace.
			if err == nil {
				h.Close()
				_ = netns.DeleteNamed(name)
			}
			ch <- result{netns.None(), errors.Join(err, fmt.Errorf("return to original namespace: %w", serr))}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{h, err}
	}()
	r := <-ch
	return r.h, r.err
}

// remove closes the handle and unmounts and deletes the name; the kernel
// frees the namespace, and the links inside it, once nothing uses it.
func (n *NetNS) remove() error {
	var errs []error
	if n.handle.IsOpen() {
		if err := n.handle.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := netns.DeleteNamed(n.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// netlink returns a netlink handle working inside the namespace; the
// caller closes it.
func (n *NetNS) netlink() (*netlink.Handle, error) {
	h, err := netlink.NewHandleAt(n.handle)
	if err != nil {
		return nil, fmt.Errorf("open netlink in %s: %w", n.Name, err)
	}
	return h, nil
}

// Do runs fn inside the namespace and returns its error. fn runs on a
// goroutine locked to an OS thread that has entered the namespace: sockets
// it creates, and processes it starts with os/exec, belong to the
// namespace. Goroutines fn starts do not; they run in the caller's
// namespace. A panic in fn is re-raised in the caller. fn must not call
// t.FailNow, t.Fatal or t.Skip (they would end the wrong goroutine); Do
// reports that as an error.
func (n *NetNS) Do(fn func() error) error {
	type result struct {
		err      error
		abnormal bool // fn panicked or called runtime.Goexit
		panicVal any
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("enter network namespace %s: get current namespace: %w", n.Name, err)}
			return
		}
		defer orig.Close()
		if err := netns.Set(n.handle); err != nil {
			// A failed setns leaves the thread where it was.
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("enter network namespace %s: %w", n.Name, err)}
			return
		}
		returned := false
		defer func() {
			if !returned {
				// The thread stays locked and inside the namespace; the
				// runtime ends it with this goroutine.
				ch <- result{abnormal: true, panicVal: recover()}
			}
		}()
		ferr := fn()
		returned = true
		if err := netns.Set(orig); err != nil {
			// Same as above: never hand a thread in the wrong namespace
			// back to the scheduler.
			ch <- result{err: errors.Join(ferr, fmt.Errorf("leave network namespace %s: %w", n.Name, err))}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{err: ferr}
	}()
	r := <-ch
	if r.abnormal {
		if r.panicVal != nil {
			panic(r.panicVal)
		}
		return fmt.Errorf("in network namespace %s: function called runtime.Goexit (t.FailNow or t.Skip inside Do?)", n.Name)
	}
	return r.err
}
