package lvm

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCopyFile copies a 256 MiB file to another through the engine,
// as lvmcopy copy does between local files (without the final fsync).
func BenchmarkCopyFile(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "src")
	os.WriteFile(src, testData(256<<20, 1), 0o600)
	for _, h := range []HashKind{NoHash, MD5, XXH3} {
		b.Run("hash="+string(h), func(b *testing.B) {
			b.SetBytes(256 << 20)
			for b.Loop() {
				in, _ := os.Open(src)
				out, _ := os.Create(filepath.Join(dir, "dst"))
				if _, err := Copy(context.Background(), out, in, 256<<20, CopyOptions{Hash: h}); err != nil {
					b.Fatal(err)
				}
				in.Close()
				out.Close()
			}
		})
	}
}
