package lvm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"

	"github.com/ietkit/ietkit/pkg/remote"
)

// LVM runs LVM commands (lvs, lvcreate, lvextend, lvremove) through a
// Runner, local or over ssh.
//
// Every command runs with LC_ALL=C, as an argv (no shell). Success is the
// exit code alone: LVM prints warnings on stderr when it succeeds (without
// metadata backups, "WARNING: This metadata update is NOT backed up."), and
// those are logged as warnings. A failed command returns an error wrapping
// its *remote.ExitError and, when its stderr is known, one of the sentinels
// of lvm_errors.go (ErrNoSuchLV, ErrNoSpace, ...).
type LVM struct {
	Runner remote.Runner
	// Logger receives the stderr of successful commands as warnings and a
	// line per change; nil discards.
	Logger *slog.Logger
}

// lvSizeUnit is the unit of LVM sizes: lvcreate and lvextend reject a
// byte size that is not a multiple of it ("Size is not a multiple of 512").
const lvSizeUnit = 512

func (m *LVM) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

// run runs one LVM command and returns its stdout.
func (m *LVM) run(ctx context.Context, argv ...string) ([]byte, error) {
	res, err := m.Runner.Run(ctx, remote.Cmd{Argv: argv, Env: []string{"LC_ALL=C"}})
	if err != nil {
		return res.Stdout, classify(err)
	}
	if s := strings.TrimSpace(string(res.Stderr)); s != "" {
		m.logger().WarnContext(ctx, "lvm printed warnings", "cmd", strings.Join(argv, " "), "stderr", s)
	}
	return res.Stdout, nil
}

// lvsArgv is the lvs command that LVs runs.
func lvsArgv(names ...string) []string {
	argv := []string{"lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", strings.Join(LVFields, ",")}
	return append(argv, names...)
}

// LVs reports the named LVs ("VG/LV"), or every LV of the named VGs
// ("VG"), or every LV of the host when no name is given. A name that does
// not exist fails the whole call with ErrNoSuchLV.
func (m *LVM) LVs(ctx context.Context, names ...string) ([]LVInfo, error) {
	for _, n := range names {
		vg, lv, isLV := strings.Cut(n, "/")
		if err := checkName(vg); err != nil {
			return nil, fmt.Errorf("lvs %s: %w", n, err)
		}
		if isLV {
			if err := checkName(lv); err != nil {
				return nil, fmt.Errorf("lvs %s: %w", n, err)
			}
		}
	}
	out, err := m.run(ctx, lvsArgv(names...)...)
	if err != nil {
		return nil, fmt.Errorf("list logical volumes: %w", lvLookup(err))
	}
	return ParseLVs(out)
}

// LV reports vg/lv; ErrNoSuchLV when it does not exist (or its VG does
// not: then the error also matches ErrNoSuchVG).
func (m *LVM) LV(ctx context.Context, vg, lv string) (LVInfo, error) {
	if err := checkLV(vg, lv); err != nil {
		return LVInfo{}, err
	}
	lvs, err := m.LVs(ctx, vg+"/"+lv)
	if err != nil {
		return LVInfo{}, err
	}
	for _, l := range lvs {
		if l.VG == vg && l.Name == lv {
			return l, nil
		}
	}
	return LVInfo{}, fmt.Errorf("lvs %s/%s: not in the report: %w", vg, lv, ErrNoSuchLV)
}

// Create makes vg/lv of at least size bytes and returns it as made: LVM
// rounds the size up to the VG's extent size (and this to a multiple of
// 512). It passes --yes so that lvcreate wipes a stale signature (say, of a
// file system on extents used before) instead of prompting for it and, with
// no terminal, giving up. ErrExists if vg/lv exists, ErrNoSpace if the VG is
// too small.
func (m *LVM) Create(ctx context.Context, vg, lv string, size int64) (LVInfo, error) {
	if err := checkLV(vg, lv); err != nil {
		return LVInfo{}, err
	}
	sz, err := sizeArg(size)
	if err != nil {
		return LVInfo{}, fmt.Errorf("create %s/%s: %w", vg, lv, err)
	}
	if _, err := m.run(ctx, "lvcreate", "--yes", "-L", sz, "-n", lv, vg); err != nil {
		return LVInfo{}, fmt.Errorf("create %s/%s of %d bytes: %w", vg, lv, size, err)
	}
	info, err := m.LV(ctx, vg, lv)
	if err != nil {
		return LVInfo{}, fmt.Errorf("create %s/%s: read it back: %w", vg, lv, err)
	}
	m.logger().InfoContext(ctx, "created logical volume", "lv", vg+"/"+lv, "bytes", info.Size)
	return info, nil
}

// Extend makes vg/lv at least size bytes and returns it as it then is.
// It never shrinks: an LV already that large or larger is returned
// unchanged, without running lvextend (a copy target may well be larger
// than its source). A grown LV is rounded up to the VG's extent size.
//
// The origin of an active classic snapshot cannot be resized: the error
// then matches ErrOriginActive and names the snapshots; remove them, or
// deactivate the origin (which deactivates them too) and extend again.
// ErrNoSpace when the VG is too small.
func (m *LVM) Extend(ctx context.Context, vg, lv string, size int64) (LVInfo, error) {
	sz, err := sizeArg(size)
	if err != nil {
		return LVInfo{}, fmt.Errorf("extend %s/%s: %w", vg, lv, err)
	}
	cur, err := m.LV(ctx, vg, lv)
	if err != nil {
		return LVInfo{}, fmt.Errorf("extend %s/%s: %w", vg, lv, err)
	}
	if cur.Size >= size {
		return cur, nil
	}
	if _, err := m.run(ctx, "lvextend", "-L", sz, vg+"/"+lv); err != nil {
		if errors.Is(err, ErrOriginActive) {
			return LVInfo{}, fmt.Errorf("extend %s/%s to %d bytes: it is the origin of active snapshot(s) %s, and LVM resizes an origin only while it is inactive: remove the snapshot(s), or deactivate the origin (lvchange -an %s/%s, which deactivates them too), extend, and activate it again: %w",
				vg, lv, size, m.snapshotList(ctx, vg, lv), vg, lv, err)
		}
		return LVInfo{}, fmt.Errorf("extend %s/%s from %d to %d bytes: %w", vg, lv, cur.Size, size, err)
	}
	info, err := m.LV(ctx, vg, lv)
	if err != nil {
		return LVInfo{}, fmt.Errorf("extend %s/%s: read it back: %w", vg, lv, err)
	}
	m.logger().InfoContext(ctx, "extended logical volume", "lv", vg+"/"+lv, "from", cur.Size, "bytes", info.Size)
	return info, nil
}

// Remove removes vg/lv with lvremove -f VG/LV: always VG/LV, never a bare
// VG name (lvremove VG removes every LV of the VG). Removing an origin
// removes its snapshots too (lvremove(8)); RemoveSnapshot is the careful
// variant. ErrNoSuchLV when it does not exist, ErrInUse when it is open.
func (m *LVM) Remove(ctx context.Context, vg, lv string) error {
	if err := checkLV(vg, lv); err != nil {
		return err
	}
	if _, err := m.run(ctx, "lvremove", "-f", vg+"/"+lv); err != nil {
		return fmt.Errorf("remove %s/%s: %w", vg, lv, lvLookup(err))
	}
	m.logger().InfoContext(ctx, "removed logical volume", "lv", vg+"/"+lv)
	return nil
}

// CreateSnapshot makes name, a classic copy-on-write snapshot of
// vg/origin with size bytes of COW space (see ToolsConf.SnapSize), and
// returns it as made: LVM rounds the size up to the VG's extent and caps it
// at what the origin can use ("Reducing COW size ... down to maximum usable
// size"). ErrExists, ErrNoSpace, ErrNoSuchLV (no origin) as for Create.
func (m *LVM) CreateSnapshot(ctx context.Context, vg, origin, name string, size int64) (LVInfo, error) {
	if err := checkLV(vg, origin); err != nil {
		return LVInfo{}, err
	}
	if err := checkName(name); err != nil {
		return LVInfo{}, fmt.Errorf("snapshot name: %w", err)
	}
	sz, err := sizeArg(size)
	if err != nil {
		return LVInfo{}, fmt.Errorf("snapshot %s/%s as %s: %w", vg, origin, name, err)
	}
	if _, err := m.run(ctx, "lvcreate", "-s", "-L", sz, "-n", name, vg+"/"+origin); err != nil {
		return LVInfo{}, fmt.Errorf("snapshot %s/%s as %s of %d bytes: %w", vg, origin, name, size, lvLookup(err))
	}
	info, err := m.LV(ctx, vg, name)
	if err != nil {
		return LVInfo{}, fmt.Errorf("snapshot %s/%s as %s: read it back: %w", vg, origin, name, err)
	}
	m.logger().InfoContext(ctx, "created snapshot", "lv", vg+"/"+name, "origin", origin, "bytes", info.Size)
	return info, nil
}

// RemoveSnapshot removes vg/lv after checking it is a snapshot (classic or
// thin, see LVInfo.IsSnapshot). Anything else, above all an origin (which
// lvremove would remove with all its snapshots), is refused with a
// *NotSnapshotError (ErrNotSnapshot) saying what it is, and nothing is run
// but lvs.
func (m *LVM) RemoveSnapshot(ctx context.Context, vg, lv string) error {
	info, err := m.LV(ctx, vg, lv)
	if err != nil {
		return fmt.Errorf("remove snapshot %s/%s: %w", vg, lv, err)
	}
	if !info.IsSnapshot() {
		var snaps []string
		if info.IsOrigin() {
			snaps = m.snapshots(ctx, vg, lv)
		}
		return &NotSnapshotError{VG: vg, LV: lv, Attr: info.Attr, What: describe(info, snaps)}
	}
	if _, err := m.run(ctx, "lvremove", "-f", vg+"/"+lv); err != nil {
		return fmt.Errorf("remove snapshot %s/%s: %w", vg, lv, lvLookup(err))
	}
	m.logger().InfoContext(ctx, "removed snapshot", "lv", vg+"/"+lv, "origin", info.Origin)
	return nil
}

// snapshots lists the snapshots of vg/origin, for messages; nil when they
// cannot be listed.
func (m *LVM) snapshots(ctx context.Context, vg, origin string) []string {
	lvs, err := m.LVs(ctx, vg)
	if err != nil {
		return nil
	}
	var names []string
	for _, l := range lvs {
		if l.Origin == origin && l.IsSnapshot() {
			names = append(names, l.Name)
		}
	}
	return names
}

func (m *LVM) snapshotList(ctx context.Context, vg, origin string) string {
	if s := m.snapshots(ctx, vg, origin); len(s) > 0 {
		return strings.Join(s, ", ")
	}
	return "(unlisted)"
}

// sizeArg renders a byte size for -L, rounded up to whole sectors.
func sizeArg(size int64) (string, error) {
	if size <= 0 {
		return "", fmt.Errorf("size %d is not a positive number of bytes", size)
	}
	if size > math.MaxInt64-lvSizeUnit {
		return "", fmt.Errorf("size %d is too large", size)
	}
	size = (size + lvSizeUnit - 1) / lvSizeUnit * lvSizeUnit
	return strconv.FormatInt(size, 10) + "b", nil
}

func checkLV(vg, lv string) error {
	if err := checkName(vg); err != nil {
		return fmt.Errorf("volume group: %w", err)
	}
	if err := checkName(lv); err != nil {
		return fmt.Errorf("logical volume: %w", err)
	}
	return nil
}

// checkName accepts what lvm(8) accepts in VG and LV names; a name never
// starts with '-', so it cannot pass for an option.
func checkName(n string) error {
	if !lvName.MatchString(n) || n == "." || n == ".." {
		return fmt.Errorf("%q is not a valid LVM name", n)
	}
	return nil
}
