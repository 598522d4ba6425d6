package portblock

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpBlocks compares Blocks by value, prefixes included.
var cmpBlocks = cmpopts.EquateComparable(netip.Prefix{})

func TestJournalRoundTrip(t *testing.T) {
	j := journal{path: filepath.Join(t.TempDir(), "var/lib/ietkit/portblock.journal")}
	got, err := j.load()
	if err != nil || len(got) != 0 {
		t.Fatalf("missing journal: %v, %v; want no blocks", got, err)
	}
	since := time.Date(2025, 3, 1, 12, 30, 0, 123456789, time.UTC)
	want := []Block{
		{Prefix: netip.MustParsePrefix("198.51.100.10/32"), Port: 3260, Chain: "IETKIT-BLOCK", Since: since, PID: 42, Reason: "resize lun 0"},
		{Prefix: netip.MustParsePrefix("2001:db8:100::/64"), Port: 3260, Chain: "IETKIT-BLOCK", Since: since, PID: 42, Reason: "resize lun 0"},
	}
	if err := j.save(want); err != nil {
		t.Fatal(err)
	}
	if got, err = j.load(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpBlocks); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	st, err := os.Stat(j.path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", st.Mode().Perm())
	}

	if err := j.save(nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(j.path)
	if string(data) != "[]\n" {
		t.Errorf("empty journal holds %q, want %q", data, "[]\n")
	}
	if got, err = j.load(); err != nil || len(got) != 0 {
		t.Errorf("empty journal: %v, %v; want no blocks", got, err)
	}
}

func TestJournalCorrupt(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"truncated", `[{"prefix":"198.51.100.10/32"`, "corrupt"},
		{"empty file", ``, "corrupt"},
		{"not a list", `{"prefix":"198.51.100.10/32"}`, "corrupt"},
		{"bad prefix", `[{"prefix":"198.51.100.300/32","port":3260,"chain":"IETKIT-BLOCK"}]`, "corrupt"},
		{"no prefix", `[{"port":3260,"chain":"IETKIT-BLOCK"}]`, "entry 0: invalid prefix"},
		{"unmasked prefix", `[{"prefix":"198.51.100.10/24","port":3260,"chain":"IETKIT-BLOCK"}]`, "entry 0: prefix 198.51.100.10/24: not in canonical form 198.51.100.0/24"},
		{"no port", `[{"prefix":"198.51.100.10/32","chain":"IETKIT-BLOCK"}]`, "entry 0: port 0"},
		{"bad chain", `[{"prefix":"198.51.100.10/32","port":3260,"chain":"-j ACCEPT"}]`, "entry 0: chain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := journal{path: filepath.Join(t.TempDir(), "portblock.journal")}
			if err := os.WriteFile(j.path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := j.load()
			if err == nil || !strings.Contains(err.Error(), j.path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("load: %v; want an error naming %s and containing %q", err, j.path, tt.want)
			}
		})
	}
}

func TestJournalLockExcludes(t *testing.T) {
	j := journal{path: filepath.Join(t.TempDir(), "portblock.journal")}
	unlock, err := j.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := j.lock(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("second lock while held: %v, want context.Canceled", err)
	}
	unlock()
	unlock2, err := j.lock(cancelled)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

// These run without root: they fail or finish before any iptables command.

func TestBlockRefusesInvalidPrefixBeforeJournaling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portblock.journal")
	b, err := New(Options{JournalPath: path})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Block(context.Background(), "test", []netip.Prefix{netip.MustParsePrefix("198.51.100.10/32"), {}})
	if err == nil || !strings.HasPrefix(err.Error(), "block: invalid prefix") {
		t.Errorf("Block: %v, want an invalid prefix error", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal written for a refused block: %v", err)
	}
}

func TestHealAndListWithoutJournal(t *testing.T) {
	b, err := New(Options{JournalPath: filepath.Join(t.TempDir(), "portblock.journal")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Heal must not care
	removed, err := b.Heal(ctx)
	if err != nil || len(removed) != 0 {
		t.Errorf("Heal: %v, %v; want nothing", removed, err)
	}
	list, err := b.List(context.Background())
	if err != nil || len(list) != 0 {
		t.Errorf("List: %v, %v; want nothing", list, err)
	}
}

func TestHealAndListRefuseCorruptJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portblock.journal")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := New(Options{JournalPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Heal(context.Background()); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Heal: %v, want an error naming %s", err, path)
	}
	if _, err := b.List(context.Background()); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("List: %v, want an error naming %s", err, path)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "not json" {
		t.Errorf("corrupt journal was rewritten to %q", data)
	}
}
