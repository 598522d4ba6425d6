package ietsim

import (
	"os"
	"path/filepath"

	"github.com/ietkit/ietkit/internal/simlock"
)

// writeFileAtomic replaces path by data through a temporary file and a
// rename, so that a reader sees the old or the new content, never a mix.
// Nothing is fsynced: the simulator's files need not survive a crash.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// lockDir takes an exclusive flock on DIR/lock and returns its release.
// Each call opens the file anew, so two Sims (or goroutines) in one process
// exclude each other as two processes do.
func lockDir(dir string) (func(), error) {
	return simlock.Acquire(filepath.Join(dir, "lock"))
}
