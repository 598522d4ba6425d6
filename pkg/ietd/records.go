package ietd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Records is what ietkit remembers of what it did to the running target:
// facts the daemon cannot show back. It lives in a JSON file of mode 0600
// under the state directory.
type Records struct {
	// LUNs by LUNKey: the parameters and size a LUN was last added with.
	LUNs map[string]LUNRecord `json:"luns"`
	// Options by target IQN: the options ietkit last set.
	Options map[string]map[string]string `json:"options"`
	// Users by UserKey: a fingerprint of the secret last set.
	Users map[string]string `json:"users"`
}

// LUNRecord is how ietkit last added a LUN.
type LUNRecord struct {
	Path      string    `json:"path"`
	Params    string    `json:"params"`
	Size      int64     `json:"size"`
	BlockSize int       `json:"blocksize"`
	Added     time.Time `json:"added"`
}

// LUNKey keys a LUN record.
func LUNKey(iqn string, lun int) string { return strings.ToLower(iqn) + "/" + strconv.Itoa(lun) }

// UserKey keys a user record; iqn is "" for discovery accounts.
func UserKey(iqn string, dir targetconf.Direction, name string) string {
	return userKeyPrefix(iqn) + string(dir) + "/" + name
}

// userKeyPrefix is the start of every UserKey of one owner.
func userKeyPrefix(iqn string) string {
	if iqn == "" {
		iqn = "discovery"
	}
	return strings.ToLower(iqn) + "/"
}

// Fingerprint identifies a secret without storing it.
func Fingerprint(s targetconf.Secret) string {
	sum := sha256.Sum256([]byte("ietkit-chap\x00" + s.Reveal()))
	return hex.EncodeToString(sum[:16])
}

// NewRecords returns empty records.
func NewRecords() *Records {
	return &Records{LUNs: map[string]LUNRecord{}, Options: map[string]map[string]string{}, Users: map[string]string{}}
}

// LoadRecords reads the records file; a missing file means no records.
func LoadRecords(path string) (*Records, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewRecords(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	r := NewRecords()
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("read state %s: %w (move it aside to start afresh; LUNs whose size the daemon does not show will be re-added once)", path, err)
	}
	if r.LUNs == nil {
		r.LUNs = map[string]LUNRecord{}
	}
	if r.Options == nil {
		r.Options = map[string]map[string]string{}
	}
	if r.Users == nil {
		r.Users = map[string]string{}
	}
	return r, nil
}

// Save writes the records atomically, mode 0600.
func (r *Records) Save(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write state %s: %w", path, err)
	}
	return atomicfile.Write(path, append(data, '\n'), atomicfile.Options{Mode: 0o600})
}

// RememberOptions records the options of every target of cfg as set, after
// a run that applied its whole plan.
func (r *Records) RememberOptions(cfg *targetconf.Config) {
	for _, t := range cfg.Targets {
		m := map[string]string{}
		for _, o := range t.Options {
			m[o.Key] = o.Value
		}
		r.Options[strings.ToLower(t.IQN)] = m
	}
}

// forgetTarget drops every record of a deleted target.
func (r *Records) forgetTarget(iqn string) {
	prefix := strings.ToLower(iqn) + "/"
	for k := range r.LUNs {
		if strings.HasPrefix(k, prefix) {
			delete(r.LUNs, k)
		}
	}
	for k := range r.Users {
		if strings.HasPrefix(k, prefix) {
			delete(r.Users, k)
		}
	}
	delete(r.Options, strings.ToLower(iqn))
}
