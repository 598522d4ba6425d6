package ietsim

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFailSpecs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []FailSpec
	}{
		{"", nil},
		{"lun-delete", []FailSpec{{Op: "lun-delete", Errno: syscall.EIO, Count: 1}}},
		{"lun-delete:16", []FailSpec{{Op: "lun-delete", Errno: syscall.EBUSY, Count: 1}}},
		{"target-delete:ebusy:always,lun-new:ENOENT:2", []FailSpec{
			{Op: "target-delete", Errno: syscall.EBUSY, Count: 0},
			{Op: "lun-new", Errno: syscall.ENOENT, Count: 2},
		}},
	} {
		got, err := ParseFailSpecs(tc.in)
		if err != nil {
			t.Errorf("ParseFailSpecs(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.FilterPath(func(p cmp.Path) bool {
			return p.Last().String() == ".text"
		}, cmp.Ignore())); diff != "" {
			t.Errorf("ParseFailSpecs(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, bad := range []string{"bogus", "lun-new:0", "lun-new:EFOO", "lun-new:5:0", "lun-new:5:1:x"} {
		if _, err := ParseFailSpecs(bad); err == nil {
			t.Errorf("ParseFailSpecs(%q) accepted it", bad)
		}
	}
}

// execIn runs ietadm in-process with cfg pointed at s.
func execIn(t *testing.T, s *Sim, cfg Config, args ...string) (string, int) {
	t.Helper()
	cfg.Dir, cfg.Root = s.Dir(), s.Root()
	var out, errOut strings.Builder
	code := Exec(t.Context(), cfg, args, &out, &errOut)
	return errOut.String(), code
}

func TestInjectedFailure(t *testing.T) {
	s := newSim(t, "")
	withTarget(t, s)
	mustRun(t, s, "--op", "new", "--tid=1", "--lun=0", "--params", "Path="+backingFile(t, 1<<20))
	specs, err := ParseFailSpecs("lun-delete:EBUSY,target-update:EIO:always")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Fail: specs}
	del := []string{"--op", "delete", "--tid=1", "--lun=0"}
	if errOut, code := execIn(t, s, cfg, del...); code != 240 || errOut != errEBUSY {
		t.Errorf("first delete: exit %d, stderr %q; want 240", code, errOut)
	}
	if len(target(t, s, 1).LUNs) != 1 {
		t.Error("the failed delete changed the state")
	}
	if errOut, code := execIn(t, s, cfg, del...); code != 0 {
		t.Errorf("second delete: exit %d, stderr %q; want 0", code, errOut)
	}
	for i := 0; i < 3; i++ {
		if errOut, code := execIn(t, s, cfg, "--op", "update", "--tid=1", "--params", "Wthreads=2"); code != 251 || errOut != "Input/output error\n" {
			t.Errorf("update %d: exit %d, stderr %q; want 251", i, code, errOut)
		}
	}
	if errOut, code := execIn(t, s, cfg, "--op", "show", "--tid=1"); code != 0 {
		t.Errorf("show: exit %d, stderr %q", code, errOut)
	}
	log, err := os.ReadFile(filepath.Join(s.Dir(), "ietd.log"))
	if err != nil || !strings.Contains(string(log), "IETSIM_FAIL item lun-delete:EBUSY") {
		t.Errorf("ietd.log = %q, %v; want the injected failure", log, err)
	}
}

// writeHook writes an executable script.
func writeHook(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hook")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHooks(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("hooks are shell scripts here and /bin/sh is missing")
	}
	s := newSim(t, "")
	withTarget(t, s)
	ok := writeHook(t, `echo "ran $IETSIM_OP in_hook=$IETSIM_IN_HOOK"; echo oops >&2`)
	cfg := Config{Hooks: map[string]string{OpTargetUpdate: ok, OpTargetShow: writeHook(t, "exit 3")}}

	if errOut, code := execIn(t, s, cfg, "--op", "update", "--tid=1", "--params", "Wthreads=2"); code != 0 {
		t.Fatalf("update: exit %d, stderr %q", code, errOut)
	}
	log, err := os.ReadFile(filepath.Join(s.Dir(), "hooks.log"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "ran target-update in_hook=1\noops\n"; string(log) != want {
		t.Errorf("hooks.log = %q, want %q", log, want)
	}
	if errOut, code := execIn(t, s, cfg, "--op", "show", "--tid=1"); code != 251 || errOut != "Input/output error\n" {
		t.Errorf("show with a failing hook: exit %d, stderr %q; want 251", code, errOut)
	}
	// Requests ietadm refuses itself never reach a hook.
	if errOut, code := execIn(t, s, cfg, "--op", "update", "--tid=1", "--params", "Bogus=1"); code != 234 {
		t.Errorf("bad update: exit %d, stderr %q", code, errOut)
	}
	if log2, _ := os.ReadFile(filepath.Join(s.Dir(), "hooks.log")); string(log2) != string(log) {
		t.Errorf("hooks.log grew to %q", log2)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		EnvDir: "/s", EnvRoot: "/r", EnvVersion: "1.4.19", EnvFail: "lun-new",
		"IETSIM_HOOK_LUN_DELETE": "/bin/true",
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Dir != "/s" || cfg.Root != "/r" || cfg.Version != "1.4.19" || len(cfg.Fail) != 1 ||
		!cmp.Equal(cfg.Hooks, map[string]string{"lun-delete": "/bin/true"}) {
		t.Errorf("config = %+v", cfg)
	}
	env[hookMarker] = "1"
	if cfg, _ := ConfigFromEnv(func(k string) string { return env[k] }); cfg.Hooks != nil {
		t.Errorf("hooks inside a hook: %v", cfg.Hooks)
	}
	if _, err := ConfigFromEnv(func(k string) string { return map[string]string{EnvVersion: "9"}[k] }); err == nil ||
		!strings.Contains(err.Error(), EnvDir) || !strings.Contains(err.Error(), EnvRoot) || !strings.Contains(err.Error(), EnvVersion) {
		t.Errorf("bad environment: err = %v", err)
	}
}
