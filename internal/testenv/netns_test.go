package testenv

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// netDevNames returns the interface names listed in a /proc/net/dev text.
func netDevNames(text string) []string {
	var names []string
	for _, line := range strings.Split(text, "\n") {
		name, _, ok := strings.Cut(line, ":")
		if !ok || strings.Contains(name, "|") {
			continue // headers
		}
		names = append(names, strings.TrimSpace(name))
	}
	return names
}

func TestNetNSChildProcessRunsInside(t *testing.T) {
	RequireTool(t, "cat", "readlink")
	ns := NewNetNS(t)
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(netnsDir, ns.Name), &st); err != nil {
		t.Fatal(err)
	}
	var dev, link []byte
	err := ns.Do(func() error {
		var err error
		if dev, err = exec.Command("cat", "/proc/self/net/dev").Output(); err != nil {
			return err
		}
		link, err = exec.Command("readlink", "/proc/self/ns/net").Output()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"lo"}, netDevNames(string(dev))); diff != "" {
		t.Errorf("interfaces seen by a child (-want +got):\n%s", diff)
	}
	want := "net:[" + strconv.FormatUint(st.Ino, 10) + "]"
	if got := strings.TrimSpace(string(link)); got != want {
		t.Errorf("child's namespace %s, want %s", got, want)
	}
}

func TestNetNSSocketsBelongInside(t *testing.T) {
	a, b := NewNetNS(t), NewNetNS(t)
	ln := a.Listen(t, "tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	if err := a.DialTimeout("tcp", addr, 5*time.Second); err != nil {
		t.Errorf("dial inside the listener's namespace: %v", err)
	}
	// b has its own loopback on which nothing listens.
	err := b.DialTimeout("tcp", addr, 5*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial %s from another namespace: %v, want connection refused", addr, err)
	}

	// Abstract unix sockets are scoped by network namespace, so the test's
	// own namespace cannot reach one made inside a (its name is random, so
	// nothing else can be listening on it).
	name := "@" + RandomName("ietk-test-")
	a.Listen(t, "unix", name)
	if err := a.DialTimeout("unix", name, 5*time.Second); err != nil {
		t.Errorf("dial %s inside the listener's namespace: %v", name, err)
	}
	c, err := net.DialTimeout("unix", name, 5*time.Second)
	if err == nil {
		c.Close()
		t.Errorf("dial %s from the test's namespace succeeded", name)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial %s from the test's namespace: %v, want connection refused", name, err)
	}
}

// threadNS returns the network namespace of the calling thread.
func threadNS(t *testing.T) string {
	t.Helper()
	s, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNetNSDoLeavesThreadsInPlace(t *testing.T) {
	runtime.LockOSThread()
	orig := threadNS(t)
	runtime.UnlockOSThread()

	ns := NewNetNS(t)
	for range 20 {
		if err := ns.Do(func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// Threads that served Do went back to the scheduler; whichever
	// goroutine now runs on them must be in the original namespace.
	got := make(chan string)
	for range 50 {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			s, err := os.Readlink("/proc/thread-self/ns/net")
			if err != nil {
				s = err.Error()
			}
			got <- s
		}()
	}
	for range 50 {
		if s := <-got; s != orig {
			t.Fatalf("a thread is in %s after Do, want %s", s, orig)
		}
	}
}

func TestNetNSDoReportsErrorsAndPanics(t *testing.T) {
	ns := NewNetNS(t)
	sentinel := errors.New("sentinel")
	if err := ns.Do(func() error { return sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("Do returned %v, want the function's error", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the function's panic", r)
			}
		}()
		_ = ns.Do(func() error { panic("boom") })
	}()
	if err := ns.Do(func() error { runtime.Goexit(); return nil }); err == nil {
		t.Error("Do of a function that called runtime.Goexit returned nil")
	}
}

func TestNetNSRemovedWhenTestStopsHalfway(t *testing.T) {
	RequireRoot(t)
	var names []string
	t.Run("stops", func(t *testing.T) {
		n := NewNetwork(t, 2)
		names = append(names, n.Server.Name)
		for _, h := range n.Hosts {
			names = append(names, h.NS.Name)
		}
		t.SkipNow() // ends the subtest like t.FailNow, without failing this test
	})
	if len(names) != 3 {
		t.Fatalf("subtest made %d namespaces, want 3", len(names))
	}
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(netnsDir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("namespace %s still exists: %v", name, err)
		}
	}
}
