package lvm

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/remote"
)

// Stderr texts of lvm 2.03.16 (Debian 12), captured in the VM tier, with
// the command that printed them and its exit code.
const (
	// every metadata change without backups (exit 0)
	stderrNotBackedUp = "  WARNING: This metadata update is NOT backed up.\n"
	// lvs/lvremove vgt/nope (5)
	stderrNoLV = "  Failed to find logical volume \"vgt/nope\"\n"
	// lvs/lvremove novg/nope (5)
	stderrNoVG = "  Volume group \"novg\" not found\n  Cannot process volume group novg\n"
	// lvcreate -L 67108864b -n lv0 vgt, lv0 existing (5)
	stderrExists = "  Logical Volume \"lv0\" already exists in volume group \"vgt\"\n"
	// lvcreate -L 99999999488b -n big vgt (5)
	stderrNoSpaceCreate = "  Volume group \"vgt\" has insufficient free space (511 extents): 23842 required.\n"
	// lvextend -L 99999999488b vgt/odd (5)
	stderrNoSpaceExtend = "  Insufficient free space: 23841 extents needed, but only 510 available\n"
	// lvremove -f vgt/plain while a process holds it open (5)
	stderrInUse = "  Logical volume vgt/plain in use.\n"
	// lvextend -L 134217728b vgt/lv0 with active snapshots (5)
	stderrOriginActive = "  Snapshot origin volumes can be resized only while inactive: try lvchange -an.\n"
	// lvcreate -L 33554432b -n plain2 vgt without --yes over an old ext2 (5)
	stderrWipeAborted = "WARNING: ext2 signature detected on /dev/vgt/plain2 at offset 1080. Wipe it? [y/n]: [n]\n  Aborted wiping of ext2.\n  1 existing signature left on the device.\n  Failed to wipe signatures on logical volume vgt/plain2.\n  Aborting. Failed to wipe start of new LV.\n  WARNING: This metadata update is NOT backed up.\n"
	// lvextend -L 70000000b vgt/lv0 (3)
	stderrNotSectors = "  Size is not a multiple of 512. Try using 69999616 or 70000128.\n  Invalid argument for --size: 70000000b\n  Error during parsing of command line.\n"
	// from a public report (facts snapdrivers-lvm.md §3.4), lvremove of a mounted LV (5)
	stderrFSInUse = "  Logical volume vg01/lvol01 contains a filesystem in use.\n"
)

// fakeStep is one command a test expects, and what the fake answers.
type fakeStep struct {
	argv   []string
	stdout string // "@file" reads testdata/file
	stderr string
	code   int // non-zero: the command fails with *remote.ExitError
}

// fakeRunner is a recording remote.Runner: it checks each command against
// the next expected fakeStep and fails the test on an unexpected command as
// well as on a missing one.
type fakeRunner struct {
	t     *testing.T
	steps []fakeStep
	n     int
}

func newFake(t *testing.T, steps ...fakeStep) *fakeRunner {
	f := &fakeRunner{t: t, steps: steps}
	t.Cleanup(func() {
		for _, s := range f.steps[f.n:] {
			t.Errorf("expected command not run: %q", s.argv)
		}
	})
	return f
}

func (f *fakeRunner) Run(_ context.Context, c remote.Cmd) (remote.Result, error) {
	f.t.Helper()
	if !slices.Contains(c.Env, "LC_ALL=C") {
		f.t.Errorf("%q runs without LC_ALL=C (env %q)", c.Argv, c.Env)
	}
	if f.n == len(f.steps) {
		f.t.Errorf("unexpected command %q", c.Argv)
		return remote.Result{}, errors.New("unexpected command")
	}
	s := f.steps[f.n]
	f.n++
	if diff := cmp.Diff(s.argv, c.Argv); diff != "" {
		f.t.Errorf("command %d (-want +got):\n%s", f.n, diff)
	}
	out := []byte(s.stdout)
	if name, ok := strings.CutPrefix(s.stdout, "@"); ok {
		var err error
		if out, err = os.ReadFile(filepath.Join("testdata", name)); err != nil {
			f.t.Fatal(err)
		}
	}
	res := remote.Result{Stdout: out, Stderr: []byte(s.stderr)}
	if s.code != 0 {
		return res, &remote.ExitError{Argv: c.Argv, Code: s.code, Stderr: strings.TrimSpace(s.stderr)}
	}
	return res, nil
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const lvsFields = "lv_name,vg_name,lv_path,lv_size,lv_attr,origin,lv_role,data_percent,lv_active"

func fakeLVs(stdout string, names ...string) fakeStep {
	return fakeStep{argv: append([]string{"lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", lvsFields}, names...), stdout: stdout}
}

func fakeCmd(argv ...string) fakeStep { return fakeStep{argv: argv, stderr: stderrNotBackedUp} }

func fakeFail(code int, stderr string, s fakeStep) fakeStep {
	s.stdout, s.stderr, s.code = "", stderr, code
	return s
}

func TestLVMCommands(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name  string
		steps []fakeStep
		call  func(m *LVM) (any, error)
		want  any
	}{
		{"all LVs", []fakeStep{fakeLVs("@lvs-snapshot.json")},
			func(m *LVM) (any, error) { l, err := m.LVs(ctx); return len(l), err }, 4},
		{"named LVs and a VG", []fakeStep{fakeLVs("@lvs-inactive.json", "vgt/lv0", "vgt/snap0", "vg2")},
			func(m *LVM) (any, error) { l, err := m.LVs(ctx, "vgt/lv0", "vgt/snap0", "vg2"); return len(l), err }, 2},
		{"one LV", []fakeStep{fakeLVs("@lvs-origin.json", "vgt/lv0")},
			func(m *LVM) (any, error) { l, err := m.LV(ctx, "vgt", "lv0"); return l.Name, err }, "lv0"},
		{"create", []fakeStep{
			fakeCmd("lvcreate", "--yes", "-L", "33554432b", "-n", "plain", "vgt"),
			fakeLVs("@lvs-plain.json", "vgt/plain"),
		}, func(m *LVM) (any, error) { l, err := m.Create(ctx, "vgt", "plain", 32<<20); return l.Size, err }, int64(32 << 20)},
		{"create rounds up to sectors", []fakeStep{
			fakeCmd("lvcreate", "--yes", "-L", "1000448b", "-n", "plain", "vgt"),
			fakeLVs("@lvs-plain.json", "vgt/plain"),
		}, func(m *LVM) (any, error) { l, err := m.Create(ctx, "vgt", "plain", 1000001); return l.Size, err }, int64(32 << 20)},
		{"extend", []fakeStep{
			fakeLVs("@lvs-plain.json", "vgt/plain"),
			fakeCmd("lvextend", "-L", "67108864b", "vgt/plain"),
			fakeLVs(strings.Replace(readFixture(t, "lvs-plain.json"), `"33554432"`, `"67108864"`, 1), "vgt/plain"),
		}, func(m *LVM) (any, error) { l, err := m.Extend(ctx, "vgt", "plain", 64<<20); return l.Size, err }, int64(64 << 20)},
		{"extend to the size it has: nothing to do", []fakeStep{fakeLVs("@lvs-plain.json", "vgt/plain")},
			func(m *LVM) (any, error) { l, err := m.Extend(ctx, "vgt", "plain", 32<<20); return l.Size, err }, int64(32 << 20)},
		{"extend to less: nothing to do, never shrinks", []fakeStep{fakeLVs("@lvs-plain.json", "vgt/plain")},
			func(m *LVM) (any, error) { l, err := m.Extend(ctx, "vgt", "plain", 1); return l.Size, err }, int64(32 << 20)},
		{"remove", []fakeStep{fakeCmd("lvremove", "-f", "vgt/plain")},
			func(m *LVM) (any, error) { return nil, m.Remove(ctx, "vgt", "plain") }, nil},
		{"create snapshot", []fakeStep{
			fakeCmd("lvcreate", "-s", "-L", "16777216b", "-n", "snap0", "vgt/lv0"),
			fakeLVs("@lvs-active-snapshot.json", "vgt/snap0"),
		}, func(m *LVM) (any, error) {
			l, err := m.CreateSnapshot(ctx, "vgt", "lv0", "snap0", 16<<20)
			return l.IsSnapshot() && l.Origin == "lv0", err
		}, true},
		{"remove snapshot", []fakeStep{
			fakeLVs("@lvs-active-snapshot.json", "vgt/snap0"),
			fakeCmd("lvremove", "-f", "vgt/snap0"),
		}, func(m *LVM) (any, error) { return nil, m.RemoveSnapshot(ctx, "vgt", "snap0") }, nil},
		{"remove an overflowed snapshot", []fakeStep{
			fakeLVs("@lvs-invalid-snapshot.json", "vgt/snap1"),
			fakeCmd("lvremove", "-f", "vgt/snap1"),
		}, func(m *LVM) (any, error) { return nil, m.RemoveSnapshot(ctx, "vgt", "snap1") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &LVM{Runner: newFake(t, tt.steps...)}
			got, err := tt.call(m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRemoveSnapshotRefuses(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name  string
		steps []fakeStep
		lv    string
		what  string
	}{
		{"origin", []fakeStep{fakeLVs("@lvs-origin.json", "vgt/lv0"), fakeLVs("@lvs-snapshot.json", "vgt")}, "lv0",
			"the origin of snapshot(s) snap0, snap1 (lvremove would remove them with it)"},
		{"inactive origin", []fakeStep{fakeLVs("@lvs-inactive.json", "vgt/lv0"), fakeLVs("@lvs-inactive.json", "vgt")}, "lv0",
			"the origin of snapshot(s) snap0 (lvremove would remove them with it)"},
		{"plain LV", []fakeStep{fakeLVs("@lvs-plain.json", "vgt/plain")}, "plain", "a plain logical volume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &LVM{Runner: newFake(t, tt.steps...)} // no lvremove expected
			err := m.RemoveSnapshot(ctx, "vgt", tt.lv)
			var nse *NotSnapshotError
			if !errors.Is(err, ErrNotSnapshot) || !errors.As(err, &nse) {
				t.Fatalf("got %v, want a *NotSnapshotError", err)
			}
			if nse.What != tt.what || nse.VG != "vgt" || nse.LV != tt.lv {
				t.Errorf("got %+v, want What %q", nse, tt.what)
			}
			if !strings.Contains(err.Error(), "vgt/"+tt.lv) || !strings.Contains(err.Error(), "refusing") {
				t.Errorf("message %q does not name the LV and the refusal", err)
			}
		})
	}
}

func TestStderrMapping(t *testing.T) {
	tests := []struct {
		stderr string
		want   error // nil: no sentinel
	}{
		{stderrNoLV, ErrNoSuchLV},
		{stderrNoVG, ErrNoSuchVG},
		{stderrExists, ErrExists},
		{stderrNoSpaceCreate, ErrNoSpace},
		{stderrNoSpaceExtend, ErrNoSpace},
		{stderrInUse, ErrInUse},
		{stderrFSInUse, ErrInUse},
		{stderrOriginActive, ErrOriginActive},
		{stderrWipeAborted, nil},
		{stderrNotSectors, nil},
	}
	sentinels := []error{ErrNoSuchLV, ErrNoSuchVG, ErrNoSpace, ErrInUse, ErrExists, ErrOriginActive, ErrNotSnapshot}
	for _, tt := range tests {
		argv := []string{"lvremove", "-f", "vgt/x"}
		exit := &remote.ExitError{Argv: argv, Code: 5, Stderr: strings.TrimSpace(tt.stderr)}
		err := classify(exit)
		for _, s := range sentinels {
			if got := errors.Is(err, s); got != (s == tt.want) {
				t.Errorf("%q: errors.Is(%v) = %v", tt.stderr, s, got)
			}
		}
		var ee *remote.ExitError
		if !errors.As(err, &ee) || ee != exit || err.Error() != exit.Error() {
			t.Errorf("%q: %v does not keep the exit error %v", tt.stderr, err, exit)
		}
	}
}

func TestErrorsThroughMethods(t *testing.T) {
	ctx := t.Context()
	m := &LVM{Runner: newFake(t,
		fakeFail(5, stderrNoLV, fakeLVs("", "vgt/nope")),
		fakeFail(5, stderrNoVG, fakeLVs("", "novg/nope")),
		fakeFail(5, stderrNoVG, fakeCmd("lvremove", "-f", "novg/nope")),
		fakeFail(5, stderrExists, fakeCmd("lvcreate", "--yes", "-L", "67108864b", "-n", "lv0", "vgt")),
		fakeLVs("@lvs-plain.json", "vgt/plain"),
		fakeFail(5, stderrNoSpaceExtend, fakeCmd("lvextend", "-L", "99999999488b", "vgt/plain")),
		fakeFail(5, stderrInUse, fakeCmd("lvremove", "-f", "vgt/plain")),
	)}
	_, err := m.LV(ctx, "vgt", "nope")
	var ee *remote.ExitError
	if !errors.Is(err, ErrNoSuchLV) || !errors.As(err, &ee) || ee.Code != 5 || !slices.Contains(ee.Argv, "vgt/nope") {
		t.Errorf("lv vgt/nope: %v", err)
	}
	if _, err := m.LV(ctx, "novg", "nope"); !errors.Is(err, ErrNoSuchLV) || !errors.Is(err, ErrNoSuchVG) {
		t.Errorf("lv novg/nope: %v, want ErrNoSuchLV and ErrNoSuchVG", err)
	}
	if err := m.Remove(ctx, "novg", "nope"); !errors.Is(err, ErrNoSuchLV) {
		t.Errorf("remove novg/nope: %v", err)
	}
	if _, err := m.Create(ctx, "vgt", "lv0", 64<<20); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "create vgt/lv0") {
		t.Errorf("create: %v", err)
	}
	if _, err := m.Extend(ctx, "vgt", "plain", 99999999488); !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "from 33554432 to 99999999488 bytes") {
		t.Errorf("extend: %v", err)
	}
	if err := m.Remove(ctx, "vgt", "plain"); !errors.Is(err, ErrInUse) {
		t.Errorf("remove: %v", err)
	}
}

func TestExtendActiveOrigin(t *testing.T) {
	ctx := t.Context()
	m := &LVM{Runner: newFake(t,
		fakeLVs("@lvs-origin.json", "vgt/lv0"),
		fakeFail(5, stderrOriginActive, fakeCmd("lvextend", "-L", "134217728b", "vgt/lv0")),
		fakeLVs("@lvs-snapshot.json", "vgt"),
	)}
	_, err := m.Extend(ctx, "vgt", "lv0", 128<<20)
	if !errors.Is(err, ErrOriginActive) {
		t.Fatalf("got %v, want ErrOriginActive", err)
	}
	for _, s := range []string{"snap0, snap1", "lvchange -an vgt/lv0", "remove the snapshot", "exit status 5"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q does not say %q", err, s)
		}
	}
}

// LVM's stderr on success is a warning, logged, never an error.
func TestWarningsAreLogged(t *testing.T) {
	ctx := t.Context()
	var buf bytes.Buffer
	m := &LVM{
		Runner: newFake(t, fakeCmd("lvremove", "-f", "vgt/plain")),
		Logger: slog.New(slog.NewTextHandler(&buf, nil)),
	}
	if err := m.Remove(ctx, "vgt", "plain"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "This metadata update is NOT backed up.") {
		t.Errorf("log:\n%s", &buf)
	}
}

func TestBadArguments(t *testing.T) {
	ctx := t.Context()
	m := &LVM{Runner: newFake(t)} // nothing may run
	for name, call := range map[string]func() error{
		"bare VG remove":     func() error { return m.Remove(ctx, "vgt", "") },
		"option as VG":       func() error { return m.Remove(ctx, "-ff", "x") },
		"slash in LV":        func() error { return m.Remove(ctx, "vgt", "a/b") },
		"option as lvs name": func() error { _, err := m.LVs(ctx, "-a"); return err },
		"zero size":          func() error { _, err := m.Create(ctx, "vgt", "x", 0); return err },
		"negative extend":    func() error { _, err := m.Extend(ctx, "vgt", "x", -1); return err },
		"bad snapshot name":  func() error { _, err := m.CreateSnapshot(ctx, "vgt", "lv0", "-s", 1); return err },
		"remove snap of VG":  func() error { return m.RemoveSnapshot(ctx, "vgt", "") },
	} {
		if call() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
