package vmtier

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// GuestEnv is set to "1" by vm-exec.sh inside the guest.
const GuestEnv = "KT_GUEST"

// HowToRun is the command, run from the module root, that runs the
// current directory's package tests in the guest.
func HowToRun() string {
	pkg := "./PKG/"
	if wd, err := os.Getwd(); err == nil {
		for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				if rel, err := filepath.Rel(d, wd); err == nil {
					pkg = "./" + filepath.ToSlash(rel) + "/"
				}
				break
			}
		}
	}
	return `test/vmtier/setup.sh && CGO_ENABLED=0 go test -exec "$PWD/test/vmtier/vm-exec.sh" -count=1 ` + pkg
}

// Require skips t unless it runs in the VM tier's guest. The skip is a
// plain t.Skip on purpose, not testenv.Skip: IETKIT_TEST_DISALLOW_SKIP must
// not fail the host run, where these tests are expected to skip (CI runs
// them in the guest). Inside the guest (KT_GUEST=1) a kernel without
// device-mapper fails the test instead: that is a broken VM, or KT_GUEST=1
// set by mistake on a host, and either way nothing must be touched.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(GuestEnv) != "1" {
		t.Skipf("needs the VM tier's real kernel (%s!=1); run: %s", GuestEnv, HowToRun())
	}
	if !HasDeviceMapper() {
		t.Fatalf("%s=1 but this kernel has no device-mapper in /proc/misc: not the test VM? refusing to run", GuestEnv)
	}
}

// HasDeviceMapper tells whether the running kernel has device-mapper. A
// /dev/mapper/control node proves nothing: it exists on hosts whose kernel
// lacks the driver.
func HasDeviceMapper() bool {
	b, err := os.ReadFile("/proc/misc")
	return err == nil && strings.Contains(string(b), "device-mapper")
}

// Run runs a command in the guest and fails t when it fails.
func Run(t testing.TB, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// VG makes a scratch volume group named name of size bytes on a loop
// device over a sparse file in t.TempDir() (the guest's /tmp is memory:
// only written blocks cost), and removes it, with its LVs, when t ends.
// It calls Require first.
func VG(t testing.TB, name string, size int64) string {
	t.Helper()
	Require(t)
	img := filepath.Join(t.TempDir(), name+".img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	loop := strings.TrimSpace(Run(t, "losetup", "--find", "--show", img))
	t.Cleanup(func() {
		for _, argv := range [][]string{
			{"vgremove", "-f", "-y", name},
			{"pvremove", "-y", loop},
			{"losetup", "-d", loop},
		} {
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				t.Errorf("cleanup: %s: %v\n%s", strings.Join(argv, " "), err, out)
			}
		}
	})
	Run(t, "pvcreate", "-y", loop)
	Run(t, "vgcreate", name, loop)
	return name
}
