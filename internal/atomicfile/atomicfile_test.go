package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndKeepsBackup(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "ietd.conf")
	if err := Write(p, []byte("one\n"), Options{Mode: 0o600, Backup: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p + ".bak"); !os.IsNotExist(err) {
		t.Fatalf("first write made a backup: %v", err)
	}
	if err := Write(p, []byte("two\n"), Options{Mode: 0o600, Backup: true}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	bak, _ := os.ReadFile(p + ".bak")
	if string(got) != "two\n" || string(bak) != "one\n" {
		t.Fatalf("content %q, backup %q", got, bak)
	}
	for _, f := range []string{p, p + ".bak"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 2 {
		t.Errorf("leftover temporary files: %v", ents)
	}
}

func TestWriteFailsOnUnwritableDir(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(blocker, "x"), []byte("x"), Options{}); err == nil {
		t.Fatal("write under a regular file succeeded")
	}
}

func TestBackupNeverLooserThanNewFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ietd.conf")
	if err := os.WriteFile(p, []byte("IncomingUser a secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("new\n"), Options{Mode: 0o600, Backup: true}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p + ".bak")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}
}
