// Package atomicfile writes files so that a reader, or the next boot after
// a crash, sees either the old content or the new one, never a mix.
//
// A write goes to a temporary file in the same directory, is fsynced,
// renamed over the target, and the directory is fsynced so the rename
// itself survives a power loss. The previous file can be kept as NAME.bak.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Options tune a write.
type Options struct {
	// Mode is the permission of the new file (0644 when zero).
	Mode fs.FileMode
	// Backup keeps the file being replaced as NAME.bak, with its old mode
	// narrowed to Mode: a backup is never more readable than the new file.
	Backup bool
}

// Write replaces path with data. Missing parent directories are created
// with mode 0755.
func Write(path string, data []byte, opts Options) error {
	mode := opts.Mode
	if mode == 0 {
		mode = 0o644
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	if opts.Backup {
		if err := backup(path, mode); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	// Chmod before writing so that a secret never sits in a file more
	// permissive than asked for, even briefly.
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp = nil
	return syncDir(dir)
}

// backup copies path to path.bak atomically; a missing path is not an error.
func backup(path string, mode fs.FileMode) error {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("back up %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("back up %s: %w", path, err)
	}
	if cur, err := os.ReadFile(path + ".bak"); err == nil && bytes.Equal(cur, old) {
		return os.Chmod(path+".bak", st.Mode().Perm()&mode)
	}
	return Write(path+".bak", old, Options{Mode: st.Mode().Perm() & mode})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
