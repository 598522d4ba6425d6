package fence

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Token lengths and characters. A token travels as one word of an ssh
// command line, so it is limited to characters no shell treats
// specially; NewToken's are 43 base64url characters (256 bits).
const (
	MinTokenLen = 16
	MaxTokenLen = 256
)

// ValidToken reports whether s can be a token.
func ValidToken(s string) bool {
	if len(s) < MinTokenLen || len(s) > MaxTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return false
		}
	}
	return true
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

// TokenHash checks a token against the hash the proxy stores.
type TokenHash interface {
	// Verify reports whether token hashes to this, in time that does not
	// depend on how much of it matches.
	Verify(token string) bool
	String() string
}

// ParseTokenHash reads "sha256:<64 hex digits>" (for generated,
// high-entropy tokens) or a bcrypt hash ("$2a$", "$2b$", "$2y$"; for
// tokens a person chose).
func ParseTokenHash(s string) (TokenHash, error) {
	switch {
	case strings.HasPrefix(s, "sha256:"):
		b, err := hex.DecodeString(strings.TrimPrefix(s, "sha256:"))
		if err != nil || len(b) != sha256.Size {
			return nil, errors.New("sha256: wants 64 hex digits after it")
		}
		return sha256Hash(b), nil
	case strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$"):
		if _, err := bcrypt.Cost([]byte(s)); err != nil {
			return nil, fmt.Errorf("bcrypt hash: %v", err)
		}
		return bcryptHash(s), nil
	}
	return nil, errors.New("want sha256:HEX or a bcrypt hash ($2b$...), as stonith-proxy token hash prints it")
}

type sha256Hash []byte

func (h sha256Hash) Verify(token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], h) == 1
}

func (h sha256Hash) String() string { return "sha256:" + hex.EncodeToString(h) }

type bcryptHash string

func (h bcryptHash) Verify(token string) bool {
	// CompareHashAndPassword compares in constant time.
	return bcrypt.CompareHashAndPassword([]byte(h), []byte(token)) == nil
}

func (h bcryptHash) String() string { return string(h) }

// HashToken returns the config form of token's hash: bcrypt (cost 10)
// when slow is set, else sha256.
func HashToken(token string, slow bool) (string, error) {
	if !ValidToken(token) {
		return "", fmt.Errorf("a token is %d to %d characters from A-Z a-z 0-9 - _ . ~ + / =", MinTokenLen, MaxTokenLen)
	}
	if slow {
		b, err := bcrypt.GenerateFromPassword([]byte(token), 10)
		if err != nil {
			return "", fmt.Errorf("bcrypt: %w", err)
		}
		return string(b), nil
	}
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// NewToken returns a random 256-bit token.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ReadTokenFile reads a caller's token: the file must be mode 0600 or
// stricter and owned by root or the caller, and hold one token (a final
// newline is allowed).
func ReadTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	if err := CheckSecretFile(f, path); err != nil {
		return "", err
	}
	b := make([]byte, MaxTokenLen+3)
	n, err := f.Read(b)
	if err != nil {
		return "", fmt.Errorf("token file %s: %w", path, err)
	}
	tok := strings.TrimSuffix(strings.TrimSuffix(string(b[:n]), "\n"), "\r")
	if !ValidToken(tok) {
		return "", fmt.Errorf("token file %s: want one token of %d to %d characters from A-Z a-z 0-9 - _ . ~ + / =", path, MinTokenLen, MaxTokenLen)
	}
	return tok, nil
}
