package lvm

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/zeebo/blake3"
	"github.com/zeebo/xxh3"
)

// HashKind names a checksum. md5 is the default, as md5sum computes it;
// xxh3 and blake3 are much faster on a busy storage node.
type HashKind string

const (
	NoHash HashKind = ""
	MD5    HashKind = "md5"
	XXH3   HashKind = "xxh3"
	BLAKE3 HashKind = "blake3"
)

// NewHash returns a fresh hash of kind.
func NewHash(kind HashKind) (hash.Hash, error) {
	switch kind {
	case MD5:
		return md5.New(), nil
	case XXH3:
		return xxh3.New128(), nil
	case BLAKE3:
		return blake3.New(), nil
	}
	return nil, fmt.Errorf("unknown hash %q (want md5, xxh3 or blake3)", kind)
}

// Sum formats a hash's sum as md5sum and b3sum print it.
func Sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
