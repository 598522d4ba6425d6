package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupDryRun(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "target.conf")
	os.WriteFile(conf, []byte(`prefix iqn.2001-04.com.example:
target t1
  lun 0 /dev/vg0/lv_t1_0
  lun 1 /srv/files/t1_1.img
target t2
  lun 0 /dev/vg1/lv_t2_0
backup lvm:backup01:/dev/vg_backup/{vg}-{lv}_bk
`), 0o600)
	r := lvmcopy(t, "lvmcopy", "backup", "-c", conf, "--dry-run")
	want := "snap copy lvm:/dev/vg0/lv_t1_0 -> lvm:backup01:/dev/vg_backup/vg0-lv_t1_0_bk\n" +
		"snap copy lvm:/dev/vg1/lv_t2_0 -> lvm:backup01:/dev/vg_backup/vg1-lv_t2_0_bk\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("%s\nwant stdout:\n%s", r, want)
	}
	os.WriteFile(conf, []byte("target iqn.2001-04.com.example:t1\n  lun 0 /dev/vg/lv\n"), 0o600)
	if r := lvmcopy(t, "lvmcopy", "backup", "-c", conf); r.code != 2 || !strings.Contains(r.stderr, "has no backup line") {
		t.Errorf("no backup line: %s", r)
	}
	os.WriteFile(conf, []byte("tagret x\n"), 0o600)
	if r := lvmcopy(t, "lvmcopy", "backup", "-c", conf); r.code != 2 || !strings.Contains(r.stderr, "target.conf:1: unknown statement") {
		t.Errorf("bad config: %s", r)
	}
}
