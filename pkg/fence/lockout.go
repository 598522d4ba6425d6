package fence

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Lockout counts refused requests per caller key across the proxy's
// invocations (each ssh session is a new process) in files under Dir, and
// refuses a key that failed MaxFailures times, each within CoolDown of
// the one before, until CoolDown has passed since the last.
type Lockout struct {
	Dir         string
	MaxFailures int
	CoolDown    time.Duration
	Now         func() time.Time // time.Now when nil
}

type lockoutRecord struct {
	Failures int       `json:"failures"`
	Last     time.Time `json:"last"`
}

// LockedOutError is a refusal for recent failures; it wraps ErrLockedOut
// and ErrNotAllowed.
type LockedOutError struct {
	Key      string
	Failures int
	Until    time.Time
}

func (e *LockedOutError) Error() string {
	return fmt.Sprintf("locked out: %d refused requests from %s; try again after %s", e.Failures, e.Key, e.Until.UTC().Format(time.RFC3339))
}

func (e *LockedOutError) Is(target error) bool {
	return target == ErrLockedOut || target == ErrNotAllowed
}

func (l *Lockout) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Check returns a *LockedOutError if key is locked out.
func (l *Lockout) Check(key string) error {
	var rec lockoutRecord
	err := l.update(key, func(r *lockoutRecord) bool { rec = *r; return false })
	if err != nil {
		return err
	}
	if rec.Failures >= l.MaxFailures {
		if until := rec.Last.Add(l.CoolDown); l.now().Before(until) {
			return &LockedOutError{Key: key, Failures: rec.Failures, Until: until}
		}
	}
	return nil
}

// Failure records a refused request from key.
func (l *Lockout) Failure(key string) error {
	now := l.now()
	return l.update(key, func(r *lockoutRecord) bool {
		if now.Sub(r.Last) > l.CoolDown {
			r.Failures = 0
		}
		r.Failures++
		r.Last = now
		return true
	})
}

// Success forgets key's failures.
func (l *Lockout) Success(key string) error {
	return l.update(key, func(r *lockoutRecord) bool {
		if r.Failures == 0 {
			return false
		}
		*r = lockoutRecord{}
		return true
	})
}

// update runs fn on key's record under an exclusive lock of its file,
// and writes the record back when fn says it changed.
func (l *Lockout) update(key string, fn func(*lockoutRecord) bool) error {
	if err := l.ensureDir(); err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(l.Dir, "failures-"+hex.EncodeToString(sum[:12]))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("lock-out state: %w", err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock-out state %s: lock: %w", path, err)
	}
	var rec lockoutRecord
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("lock-out state %s: %w", path, err)
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &rec); err != nil {
			// A torn or foreign file: start counting again rather than
			// lock a fencing caller out forever.
			rec = lockoutRecord{}
		}
	}
	if !fn(&rec) {
		return nil
	}
	out, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("lock-out state %s: %w", path, err)
	}
	if _, err := f.WriteAt(out, 0); err != nil {
		return fmt.Errorf("lock-out state %s: %w", path, err)
	}
	return nil
}

// ensureDir creates Dir (0700) if needed and refuses one that others
// could write to: they could reset or forge the counts.
func (l *Lockout) ensureDir() error {
	if l.Dir == "" {
		return errors.New("lock-out state: no state directory")
	}
	fi, err := os.Lstat(l.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(l.Dir, 0o700); err != nil {
			return fmt.Errorf("lock-out state: %w", err)
		}
		fi, err = os.Lstat(l.Dir)
	}
	if err != nil {
		return fmt.Errorf("lock-out state: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("lock-out state: %s is not a directory", l.Dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("lock-out state: %s is writable by group or others (mode %04o)", l.Dir, fi.Mode().Perm())
	}
	return nil
}
