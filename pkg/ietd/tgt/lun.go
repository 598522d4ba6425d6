package tgt

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// maxTgtLUN is the highest LUN tgt can address. tgtadm takes larger
// numbers, but REPORT LUNS encodes them in the 14 bits of SAM's flat
// space (tgt usr/spc.c, spc_report_luns), so initiators would see them
// under another number.
const maxTgtLUN = 16383

// MaxLUN is the highest config LUN this backend can serve: config LUN n
// is tgt LUN n+1.
const MaxLUN = maxTgtLUN - 1

// tgtLUN translates a config LUN number to tgt's. tgt LUN 0 is the
// controller LU tgtd creates with every target and never deletes, so
// config LUN n is tgt LUN n+1 (and State reports tgt LUN m as m-1).
func tgtLUN(n int) (int, error) {
	if n < 0 || n > MaxLUN {
		return 0, fmt.Errorf("%w: lun %d cannot be served by tgt: config LUNs 0 to %d map to tgt LUNs 1 to %d (tgt LUN 0 is its controller)",
			ietd.ErrInvalid, n, MaxLUN, maxTgtLUN)
	}
	return n + 1, nil
}

// luOptions are how a config LUN is set up in tgt: the backing store
// flags given at creation and the parameters updated afterwards.
func luOptions(l targetconf.LUN) (bsoflags string, params []string, err error) {
	switch l.Type {
	case "fileio", "blockio":
	default:
		return "", nil, fmt.Errorf("%w: lun %d: Type %q (tgt serves fileio and blockio)", ietd.ErrInvalid, l.Number, l.Type)
	}
	switch l.BlockSize {
	case 0, 512, 1024, 2048, 4096:
	default:
		// tgtd would silently serve 512-byte blocks instead.
		return "", nil, fmt.Errorf("%w: lun %d: BlockSize %d (512, 1024, 2048 or 4096)", ietd.ErrInvalid, l.Number, l.BlockSize)
	}
	for _, v := range []string{l.ScsiID, l.ScsiSN} {
		if strings.Contains(v, ",") {
			return "", nil, fmt.Errorf("%w: lun %d: %q: tgtadm --params takes no commas", ietd.ErrInvalid, l.Number, v)
		}
	}
	var flags []string
	mode := l.EffectiveIOMode()
	if mode == "wt" {
		flags = append(flags, "sync") // IET's write-through
	}
	if l.Type == "blockio" {
		flags = append(flags, "direct")
	}
	if l.ScsiID != "" {
		params = append(params, "scsi_id="+l.ScsiID)
	}
	if l.ScsiSN != "" {
		params = append(params, "scsi_sn="+l.ScsiSN)
	}
	if mode == "ro" {
		params = append(params, "readonly=1")
	}
	return strings.Join(flags, ":"), params, nil
}

// AddLUN implements ietd.Backend: config LUN l.Number becomes tgt LUN
// l.Number+1. Type blockio opens the store with O_DIRECT, IOMode wt (the
// default) with O_SYNC, ro makes the LU read-only; ScsiId and ScsiSN are
// set after creation. Should that fail, the LU is deleted again, so that
// no half-configured LUN is left.
func (b *Backend) AddLUN(ctx context.Context, tid int, l targetconf.LUN) error {
	what := fmt.Sprintf("add lun %d (%s) to target %d", l.Number, l.Path, tid)
	n, err := tgtLUN(l.Number)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if l.Path == "" {
		return fmt.Errorf("%s: %w: no path", what, ietd.ErrInvalid)
	}
	flags, params, err := luOptions(l)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := b.tgtadm(ctx, argvNewLU(tid, n, l.Path, flags, l.BlockSize)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := b.tgtadm(ctx, argvUpdateLU(tid, n, params)); err != nil {
		if _, derr := b.tgtadm(ctx, argvDeleteLU(tid, n)); derr != nil {
			err = errors.Join(err, fmt.Errorf("delete the half-configured lun again: %w", derr))
		}
		return fmt.Errorf("%s: set %s: %w", what, strings.Join(params, ","), err)
	}
	return nil
}

// DeleteLUN implements ietd.Backend: tgt LUN lun+1. tgtd refuses while
// commands to the LU are in flight (ErrBusy).
func (b *Backend) DeleteLUN(ctx context.Context, tid int, lun int) error {
	if lun < 0 {
		return fmt.Errorf("delete lun %d of target %d: %w: negative lun", lun, tid, ietd.ErrInvalid)
	}
	if _, err := b.tgtadm(ctx, argvDeleteLU(tid, lun+1)); err != nil {
		return fmt.Errorf("delete lun %d of target %d: %w", lun, tid, err)
	}
	return nil
}
