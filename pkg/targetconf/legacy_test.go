package targetconf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/remote"
)

func requireBash(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
}

func legacyDir() string { return filepath.Join("..", "..", "testdata", "legacy") }

func TestImportLegacyDocumentationExample(t *testing.T) {
	requireBash(t)
	common := filepath.Join(legacyDir(), "common.conf")
	targets := filepath.Join(legacyDir(), "target-fixed.conf")
	out, cfg, err := ImportLegacy(context.Background(), remote.Local{}, common, targets)
	if err != nil {
		t.Fatal(err)
	}
	want := `# Converted by iet-update import-legacy from ` + common + ` and ` + targets + `.
# lun_callback_pre is defined but not converted: describe backups with a "backup" line (e.g. backup lvm:/dev/vg_backup/{lv}_bk).
# lun_callback is defined but not converted: describe backups with a "backup" line (e.g. backup lvm:/dev/vg_backup/{lv}_bk).
# lun_callback_post is defined but not converted: describe backups with a "backup" line (e.g. backup lvm:/dev/vg_backup/{lv}_bk).

prefix iqn.1990-01.edu.amherst.iscsi-target:
lun-type blockio
global IncomingUser portalusername portalpassword
option MaxRecvDataSegmentLength 131072
option MaxXmitDataSegmentLength 131072

target clustertarget1 10.0.0.5,10.0.0.6,10.0.1.0/24
  lun 0 /dev/vg_test/lv_test1_0 ScsiId=AMHDSK-080309-01 ScsiSN=AMHDSK-080309-01
  lun 1 /dev/vg_test/lv_test1_1 ScsiId=AMHDSK-080309-02 ScsiSN=AMHDSK-080309-02
  lun 2 /dev/vg_test/lv_test1_2 ScsiId=AMHDSK-080309-03 ScsiSN=AMHDSK-080309-03
  lun 3 /dev/vg_test/lv_test1_3 ScsiId=AMHDSK-080309-04 ScsiSN=AMHDSK-080309-04

target clustertarget2 10.0.0.7,10.0.0.8
  lun 0 /dev/vg_test/lv_test2_0 ScsiId=AMHDSK-080309-05 ScsiSN=AMHDSK-080309-05
  lun 1 /dev/vg_test/lv_test2_1 ScsiId=AMHDSK-080309-06 ScsiSN=AMHDSK-080309-06
`
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("converted (-want +got):\n%s", diff)
	}
	if got := cfg.Targets[1].LUNs[1].Type; got != "blockio" {
		t.Errorf("LUN_TYPEIO not applied: Type %q", got)
	}
	// The output is a valid config on its own.
	if _, err := Parse(strings.NewReader(string(out)), "out.conf"); err != nil {
		t.Errorf("converted config does not parse: %v", err)
	}
}

func TestImportLegacyErrors(t *testing.T) {
	requireBash(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	common := filepath.Join(legacyDir(), "common.conf")
	tests := []struct {
		name    string
		common  string
		targets string
		want    []string
	}{
		{
			// The documentation exports one volume as two LUNs: the error
			// names the line of target.conf that does it.
			name:    "documentation example as published",
			common:  common,
			targets: filepath.Join(legacyDir(), "target.conf"),
			want:    []string{filepath.Join(legacyDir(), "target.conf") + ":23: /dev/vg_test/lv_test2_0 is already exported at"},
		},
		{
			name:    "shell syntax error",
			common:  common,
			targets: write("syntax.conf", "function build_targets_luns\n{\n target t1 (\n}\n"),
			want:    []string{"evaluate", "syntax.conf: line 3: syntax error"},
		},
		{
			name:    "unknown command",
			common:  common,
			targets: write("unknown.conf", "function build_targets_luns\n{\n target t1\n lunn 0 /dev/a/b\n}\n"),
			want:    []string{"unknown.conf: line 4: lunn: command not found"},
		},
		{
			name:    "no build_targets_luns",
			common:  common,
			targets: write("empty.conf", "LUN_TYPEIO=fileio\n"),
			want:    []string{"build_targets_luns is not defined"},
		},
		{
			name:    "missing file",
			common:  filepath.Join(dir, "nothere.conf"),
			targets: write("t.conf", ""),
			want:    []string{"nothere.conf: No such file or directory"},
		},
		{
			name:   "host name in the allow list, at its line",
			common: common,
			targets: write("host.conf", "function build_targets_luns\n{\n target t1 10.0.0.1\n lun 0 /dev/a/b\n"+
				" target t2 nas.example.org\n}\n"),
			want: []string{filepath.Join(dir, "host.conf") + ":5: target t2: allow list: nas.example.org looks like a host name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, cfg, err := ImportLegacy(context.Background(), remote.Local{}, tt.common, tt.targets)
			if err == nil {
				t.Fatalf("no error; got\n%s", out)
			}
			if out != nil || cfg != nil {
				t.Error("output despite an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestImportLegacyDoesNotRunCallbacks(t *testing.T) {
	requireBash(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "called")
	common := filepath.Join(dir, "common.conf")
	os.WriteFile(common, []byte("TARGET_PREFIX=iqn.2001-04.com.example:\nfunction lun_callback { touch "+marker+"; }\n"), 0o644)
	targets := filepath.Join(dir, "target.conf")
	os.WriteFile(targets, []byte("function build_targets_luns {\n target t1\n option InitialR2T No\n option IncomingUser \"u sec-ret-12345\"\n lun 0 /dev/a/b Type=fileio\n}\necho noise\n"), 0o644)
	out, _, err := ImportLegacy(context.Background(), remote.Local{}, common, targets)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("lun_callback was run")
	}
	for _, w := range []string{"target t1\n  option InitialR2T No\n  user incoming u sec-ret-12345\n  lun 0 /dev/a/b\n"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
