package ietsim

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// loopDevice attaches a loop device to a sparse file of size bytes and
// returns both; the device is detached at cleanup.
func loopDevice(t *testing.T, size int64) (dev, file string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("loop devices need root")
	}
	losetup, err := exec.LookPath("losetup")
	if err != nil {
		t.Skip("losetup is not installed")
	}
	file = backingFile(t, size)
	out, err := exec.CommandContext(t.Context(), losetup, "--find", "--show", file).CombinedOutput()
	if err != nil {
		t.Skipf("cannot attach a loop device here: %v: %s", err, out)
	}
	dev = strings.TrimSpace(string(out))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, losetup, "-d", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	return dev, file
}

func TestBlockioOnLoopDevice(t *testing.T) {
	dev, file := loopDevice(t, 64<<20)
	s := newSim(t, "1.4.20")
	addTarget(t, s, "1", "iqn.2001-04.com.example:loop")
	addTarget(t, s, "2", "iqn.2001-04.com.example:other")

	mustRun(t, s, "--op", "new", "--tid=1", "--lun=0", "--params", "Path="+dev+",Type=blockio")
	want := "\tlun:0 state:0 iotype:blockio iomode:wt blocks:131072 blocksize:512 path:" + dev + "\n"
	if got := readProc(t, s, "volume"); !strings.Contains(got, want) {
		t.Errorf("volume = %q, want a line %q", got, want)
	}

	// blockio opens the device exclusively; fileio does not.
	if _, errOut, code := s.Run(t.Context(), "--op", "new", "--tid=2", "--lun=0", "--params", "Path="+dev+",Type=blockio"); code != 240 || errOut != errEBUSY {
		t.Errorf("second blockio LUN on %s: exit %d, stderr %q; want 240", dev, code, errOut)
	}
	mustRun(t, s, "--op", "new", "--tid=2", "--lun=0", "--params", "Path="+dev+",Type=fileio")
	if l := target(t, s, 2).LUNs[0]; l.Blocks != 131072 {
		t.Errorf("fileio on %s: %d blocks, want 131072 (BLKGETSIZE64)", dev, l.Blocks)
	}

	// Grow the device: /proc keeps the old size until the LUN is re-added.
	if err := os.Truncate(file, 128<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(t.Context(), "losetup", "-c", dev).CombinedOutput(); err != nil {
		t.Fatalf("losetup -c %s: %v: %s", dev, err, out)
	}
	if l := target(t, s, 1).LUNs[0]; l.Blocks != 131072 {
		t.Errorf("after growing: %d blocks, want the old 131072", l.Blocks)
	}
	mustRun(t, s, "--op", "delete", "--tid=1", "--lun=0")
	mustRun(t, s, "--op", "new", "--tid=1", "--lun=0", "--params", "Path="+dev+",Type=blockio,BlockSize=4096")
	want = "\tlun:0 state:0 iotype:blockio iomode:wt blocks:32768 blocksize:4096 path:" + dev + "\n"
	if got := readProc(t, s, "volume"); !strings.Contains(got, want) {
		t.Errorf("after re-adding: volume = %q, want a line %q", got, want)
	}
}
