package snapdrivers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ietkit/ietkit/internal/testenv"
	"github.com/ietkit/ietkit/pkg/remote"
	"golang.org/x/sys/unix"
)

func TestPrecheckMountPoints(t *testing.T) {
	dir := t.TempDir()
	mounted := filepath.Join(dir, "ora data")
	free := filepath.Join(dir, "free")
	for _, d := range []string{mounted, free} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mi := filepath.Join(dir, "mountinfo")
	esc := strings.ReplaceAll(mounted, " ", `\040`)
	if err := os.WriteFile(mi, []byte(fmt.Sprintf("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n36 22 253:3 / %s rw,noatime - xfs /dev/mapper/vg-ora rw\n", esc)), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(words ...string) error {
		p := &Precheck{Words: words, MountInfo: mi}
		return p.Check(context.Background(), remote.Local{})
	}
	if err := check(free); err != nil {
		t.Errorf("unmounted dir: %v", err)
	}
	if err := check(free, mounted); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "ora data is mounted") {
		t.Errorf("mounted dir: %v", err)
	}
	if err := check(filepath.Join(dir, "missing")); err == nil || errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "cannot tell") {
		t.Errorf("missing path: %v, want an error that is not taken for 'unused'", err)
	}
	if err := check(mi); err == nil || !strings.Contains(err.Error(), "neither an executable") {
		t.Errorf("plain file: %v", err)
	}
}

func TestPrecheckCommand(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "check")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n[ \"$1\" = down ] && exit 0\necho \"service is $1\" >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &Precheck{Words: []string{script, "down"}}
	if err := p.Check(context.Background(), remote.Local{}); err != nil {
		t.Errorf("exit 0: %v", err)
	}
	p.Words = []string{script, "up;", "rm", "-rf", "/"}
	err := p.Check(context.Background(), remote.Local{})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "exited 3: service is up;") {
		t.Errorf("exit 3: %v (the words must reach the command as arguments, not through a shell)", err)
	}
}

func TestPrecheckBlockDevice(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "losetup")
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "--find", "--show", img).Output()
	if err != nil {
		t.Fatalf("losetup: %v", err)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	p := &Precheck{Words: []string{dev}, MountInfo: "/proc/self/mountinfo"}
	if err := p.Check(context.Background(), remote.Local{}); err != nil {
		t.Fatalf("idle loop device: %v", err)
	}
	fd, err := unix.Open(dev, unix.O_RDONLY|unix.O_EXCL, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Check(context.Background(), remote.Local{})
	unix.Close(fd)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "open exclusively") {
		t.Errorf("device held open exclusively: %v", err)
	}
}
