package portblock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"golang.org/x/sys/unix"
)

// Block is one blocked source prefix.
type Block struct {
	Prefix netip.Prefix `json:"prefix"`
	Port   int          `json:"port"`
	Chain  string       `json:"chain"`
	Since  time.Time    `json:"since"`
	PID    int          `json:"pid"`
	Reason string       `json:"reason"`
	Active bool         `json:"active"` // its rule is present (filled by List)
}

// key identifies the rule of a Block: the same prefix blocked through
// another chain or port is another rule.
type key struct {
	prefix netip.Prefix
	chain  string
	port   int
}

func (b Block) key() key { return key{b.Prefix, b.Chain, b.Port} }

// journal is the file listing every Block whose rule may exist.
type journal struct {
	path string
}

// lockPollInterval is how often a lock wait that ctx can cancel retries.
const lockPollInterval = 20 * time.Millisecond

// lock takes the exclusive flock on the journal's ".lock" file and returns
// the function that releases it. When ctx can be cancelled the wait ends
// with ctx; when it cannot (context.WithoutCancel), lock waits as long as
// another process holds the lock.
func (j journal) lock(ctx context.Context) (unlock func(), err error) {
	name := j.path + ".lock"
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, fmt.Errorf("lock journal: %w", err)
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock journal: %w", err)
	}
	fd := int(f.Fd())
	for {
		how := unix.LOCK_EX
		if ctx.Done() != nil {
			how |= unix.LOCK_NB
		}
		err = unix.Flock(fd, how)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock journal %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock journal %s: %w", name, ctx.Err())
		case <-time.After(lockPollInterval):
		}
	}
}

// load returns the journaled blocks; a missing file holds none. A file
// that does not parse, or lists an impossible block, is an error naming
// it: its entries may stand for rules still in force.
func (j journal) load() ([]Block, error) {
	data, err := os.ReadFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	var bs []Block
	if err := json.Unmarshal(data, &bs); err != nil {
		return nil, fmt.Errorf("read journal %s: corrupt: %w", j.path, err)
	}
	for i, b := range bs {
		if err := b.check(); err != nil {
			return nil, fmt.Errorf("read journal %s: corrupt: entry %d: %w", j.path, i, err)
		}
		bs[i].Active = false // a journaled block says nothing of its rule
	}
	return bs, nil
}

// check tells whether b could have been written by Block.
func (b Block) check() error {
	n, err := normalize(b.Prefix)
	if err != nil {
		return err
	}
	if n != b.Prefix {
		return fmt.Errorf("prefix %s: not in canonical form %s", b.Prefix, n)
	}
	if err := validChain(b.Chain); err != nil {
		return err
	}
	if b.Port < 1 || b.Port > 65535 {
		return fmt.Errorf("port %d: want 1 to 65535", b.Port)
	}
	return nil
}

// save replaces the journal with bs, durably (fsync of the file and its
// directory).
func (j journal) save(bs []Block) error {
	if bs == nil {
		bs = []Block{}
	}
	data, err := json.MarshalIndent(bs, "", "  ")
	if err != nil {
		return fmt.Errorf("encode journal: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.Write(j.path, data, atomicfile.Options{Mode: 0o600}); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// ReadJournal returns the blocks journaled at path without touching
// iptables, so that a run can tell whether it has anything to heal on a
// machine where iptables may be missing. A missing journal holds none.
func ReadJournal(path string) ([]Block, error) {
	return journal{path: path}.load()
}
