package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIostatOnFixtures runs iostat on the VM capture's /proc and /sys:
// dm devices appear by their LVM names.
func TestIostatOnFixtures(t *testing.T) {
	root := filepath.Join("..", "..", "pkg", "lvm", "testdata", "iostat", "vm-lvm")
	r := lvmcopy(t, "lvmcopy", "iostat", "--root", root, "--interval", "1ms")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	if !strings.Contains(r.stdout, "dm-") || !strings.Contains(r.stdout, "/") {
		t.Errorf("no device-mapper device by its LVM name:\n%s", r.stdout)
	}
	r = lvmcopy(t, "lvmcopy", "iostat", "--root", root, "--interval", "1ms", "-d", "-n", "^dm-")
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if f := strings.Fields(line); len(f) != 9 || !strings.HasPrefix(f[1], "dm-") {
			t.Errorf("dump line %q", line)
		}
	}
	r = lvmcopy(t, "/usr/sbin/lvm_iostat", "-r", "--count", "2", "--root", root, "--interval", "1ms")
	if r.code != 0 || strings.Count(r.stdout, "device") != 2 {
		t.Errorf("-r --count 2:\n%s", r)
	}
}

func TestIostatErrors(t *testing.T) {
	dir := t.TempDir()
	if r := lvmcopy(t, "lvmcopy", "iostat", "--root", dir); r.code != 1 || !strings.Contains(r.stderr, "proc/diskstats") {
		t.Errorf("missing diskstats: %s", r)
	}
	os.MkdirAll(filepath.Join(dir, "proc"), 0o755)
	os.WriteFile(filepath.Join(dir, "proc", "diskstats"), []byte("   8 0 sda 1 2\n"), 0o644)
	if r := lvmcopy(t, "lvmcopy", "iostat", "--root", dir); r.code != 1 || !strings.Contains(r.stderr, "line 1") {
		t.Errorf("malformed diskstats: %s", r)
	}
	if r := lvmcopy(t, "lvmcopy", "iostat", "-n", "("); r.code != 2 {
		t.Errorf("bad regex: %s", r)
	}
}
