package blockdev

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSizeFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(10<<20 + 3); err != nil {
		t.Fatal(err)
	}
	f.Close()
	n, err := Size(p)
	if err != nil || n != 10<<20+3 {
		t.Fatalf("Size = %d, %v", n, err)
	}
}

func TestSizeErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ path, want string }{
		{filepath.Join(dir, "missing"), "missing: no such file or directory"},
		{dir, "not a block device or regular file"},
		{"/dev/null", "not a block device or regular file"},
	} {
		_, err := Size(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
			t.Errorf("Size(%s) = %v, want error naming the path and %q", tt.path, err, tt.want)
		}
	}
}

// TestSizeLoopDevice reads a real block device's size through the ioctl.
func TestSizeLoopDevice(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to attach a loop device")
	}
	if _, err := exec.LookPath("losetup"); err != nil {
		t.Skip("losetup not installed")
	}
	img := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 8<<20); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "--find", "--show", img).Output()
	if err != nil {
		t.Skipf("cannot attach a loop device here: %v", err)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	if !IsBlockDevice(dev) {
		t.Fatalf("%s is not a block device", dev)
	}
	n, err := Size(dev)
	if err != nil || n != 8<<20 {
		t.Fatalf("Size(%s) = %d, %v; want %d", dev, n, err, 8<<20)
	}
}
