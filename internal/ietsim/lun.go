package ietsim

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"syscall"
)

// maxLUN is the kernel's limit (0x3fff), not the man page's 16384.
const maxLUN = 0x3fff

// lunArgs is a parsed --params list of a new LUN.
type lunArgs struct {
	path, iotype, iomode, scsiID, scsiSN string
	blockSize                            uint32 // 0: the default
}

// parseLUNArgs parses "Path=..,Type=..,..." as the kernel does (facts
// 1.5): items split on ','; from 1.4.20 keys are case-insensitive, before
// that they must be spelled exactly; values are case-sensitive; an unknown
// key is EINVAL.
func parseLUNArgs(params string, v Version) (lunArgs, error) {
	a := lunArgs{iotype: "fileio", iomode: "wt"}
	for _, item := range strings.Split(params, ",") {
		if item == "" {
			continue
		}
		key, val, _ := strings.Cut(item, "=")
		var err error
		switch lunKey(key, v) {
		case "Path":
			a.path = val
		case "Type":
			a.iotype = val
		case "ScsiId":
			a.scsiID = val
		case "ScsiSN":
			a.scsiSN = val
		case "IOMode":
			a.iomode = val
		case "BlockSize":
			a.blockSize, err = parseBlockSize(val)
		default:
			err = fmt.Errorf("unknown param %q: %w", item, syscall.EINVAL)
		}
		if err != nil {
			return a, err
		}
	}
	switch {
	case a.iotype == "nullio":
		return a, fmt.Errorf("type nullio is not simulated: %w", syscall.EINVAL)
	case a.iotype == "blockio" && !v.hasBlockIO(), a.iotype != "fileio" && a.iotype != "blockio":
		return a, fmt.Errorf("unknown iotype %q: %w", a.iotype, syscall.EINVAL)
	case !slices.Contains([]string{"wt", "wb", "ro"}, a.iomode):
		return a, fmt.Errorf("bad iomode %q: %w", a.iomode, syscall.EINVAL)
	case a.path == "":
		return a, fmt.Errorf("no path: %w", syscall.EINVAL)
	case len(a.scsiID) > v.scsiIDLen():
		return a, fmt.Errorf("scsi id longer than %d: %w", v.scsiIDLen(), syscall.EINVAL)
	case len(a.scsiSN) > v.scsiSNLen():
		return a, fmt.Errorf("scsi sn longer than %d: %w", v.scsiSNLen(), syscall.EINVAL)
	case strings.IndexFunc(a.scsiSN, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0:
		return a, fmt.Errorf("scsi sn not printable: %w", syscall.EINVAL)
	}
	return a, nil
}

// lunKey returns the canonical spelling of a LUN key that release v
// knows, or "". From 1.4.20 the kernel lower-cases keys; before, its match
// tokens were case-sensitive.
func lunKey(key string, v Version) string {
	known := []string{"Path", "Type", "ScsiId", "ScsiSN"}
	if v.hasIOMode() {
		known = append(known, "IOMode")
	}
	if v.is1420() {
		known = append(known, "BlockSize")
	}
	for _, k := range known {
		if k == key || (v.is1420() && strings.EqualFold(k, key)) {
			return k
		}
	}
	return ""
}

// parseBlockSize accepts a power of two from 512 to 4096 (IET_MAX_BLOCK_SIZE).
func parseBlockSize(val string) (uint32, error) {
	n := cStrtol(val)
	if n < 512 || n > 4096 || n&(n-1) != 0 {
		return 0, fmt.Errorf("bad block size %q: %w", val, syscall.EINVAL)
	}
	return uint32(n), nil
}

// newLUN adds a LUN (C_LUNIT_NEW). Its size is read from the backing store
// now and never again, as the kernel does.
func (st *State) newLUN(v Version, tid, lun uint32, params string) error {
	t := st.target(tid)
	if t == nil {
		return fmt.Errorf("add lun %d to target %d: %w", lun, tid, syscall.ENOENT)
	}
	if lun > maxLUN {
		return fmt.Errorf("add lun %d to target %d: above %d: %w", lun, tid, maxLUN, syscall.EINVAL)
	}
	if t.lun(lun) != nil {
		return fmt.Errorf("add lun %d to target %d: %w", lun, tid, syscall.EEXIST)
	}
	a, err := parseLUNArgs(params, v)
	if err != nil {
		return fmt.Errorf("add lun %d to target %d: %w", lun, tid, err)
	}
	b, err := openBacking(a.path, a.iotype)
	if err != nil {
		return fmt.Errorf("add lun %d to target %d: %w", lun, tid, err)
	}
	if a.iotype == "blockio" && st.blockioHolder(b.dev) != "" {
		// blockio opens its device with FMODE_EXCL.
		return fmt.Errorf("add lun %d to target %d: %s already exported as %s: %w",
			lun, tid, a.path, st.blockioHolder(b.dev), syscall.EBUSY)
	}
	bs := a.blockSize
	if bs == 0 {
		bs = 512
		if a.iotype == "blockio" && b.logicalBlockSize != 0 {
			bs = b.logicalBlockSize
		}
	}
	l := LUN{
		LUN:       lun,
		Path:      a.path,
		IOType:    a.iotype,
		IOMode:    a.iomode,
		BlockSize: bs,
		Blocks:    b.size >> bits.TrailingZeros32(bs),
		ScsiID:    a.scsiID,
		ScsiSN:    a.scsiSN,
	}
	i, _ := slices.BinarySearchFunc(t.LUNs, lun, func(x LUN, n uint32) int {
		return int(int64(x.LUN) - int64(n))
	})
	t.LUNs = slices.Insert(t.LUNs, i, l)
	return nil
}

// blockioHolder names the blockio LUN using device dev, or returns "".
func (st *State) blockioHolder(dev uint64) string {
	for _, t := range st.Targets {
		for _, l := range t.LUNs {
			if l.IOType != "blockio" {
				continue
			}
			if d, ok := blockDevice(l.Path); ok && d == dev {
				return fmt.Sprintf("lun %d of target %d", l.LUN, t.TID)
			}
		}
	}
	return ""
}

// deleteLUN removes a LUN (C_LUNIT_DEL); sessions do not prevent it.
func (st *State) deleteLUN(tid, lun uint32) error {
	t := st.target(tid)
	if t == nil || t.lun(lun) == nil {
		return fmt.Errorf("delete lun %d of target %d: %w", lun, tid, syscall.ENOENT)
	}
	t.LUNs = slices.DeleteFunc(t.LUNs, func(l LUN) bool { return l.LUN == lun })
	return nil
}
