package lvm

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"
)

// lvm_iostat: I/O statistics of block devices from two /proc/diskstats
// samples, with device-mapper devices shown by their LVM names.

// DeviceNamer maps a kernel block device name (dm-3, sda) to the name
// shown for it.
type DeviceNamer func(kernelName string) string

// SysfsNamer names devices from their device-mapper attributes under
// root/sys/block/NAME/dm (root is "/" on a live system):
//
//   - an LVM device (dm/uuid starts with "LVM-") by DisplayName of its dm
//     name: vg/lv, or vg/lv:layer for LVM's internal layers (-real, -cow);
//   - another dm device (multipath, dm-crypt, dmsetup create) by its dm name;
//   - any other device, or one whose attributes cannot be read, by its
//     kernel name.
//
// It reads the files on every call: dm-N numbers are reused once a device
// is removed, and lvrename changes a device's name.
func SysfsNamer(root string) DeviceNamer {
	return func(kernelName string) string {
		// sysfs spells a "/" in a kernel name (cciss/c0d0) as "!".
		dir := strings.ReplaceAll(kernelName, "/", "!")
		if dir == "" || dir == "." || dir == ".." {
			return kernelName
		}
		dm := filepath.Join(root, "sys", "block", dir, "dm")
		name, err := os.ReadFile(filepath.Join(dm, "name"))
		dmName := strings.TrimSuffix(string(name), "\n")
		if err != nil || dmName == "" {
			return kernelName
		}
		uuid, err := os.ReadFile(filepath.Join(dm, "uuid"))
		if err != nil || !strings.HasPrefix(string(uuid), "LVM-") {
			return dmName
		}
		return DisplayName(dmName)
	}
}

// DisplayName turns the device-mapper name LVM gives a volume back into
// its VG and LV: "vg--a-lv--b" is "vg-a/lv-b" and "vg--a-data-real" (a
// snapshot origin's data layer) is "vg-a/data:real".
//
// LVM builds dm names as VG-LV[-LAYER] with every hyphen inside a part
// doubled (libdm dm_build_dm_name); a single hyphen separates parts. The
// result is what `dmsetup splitname NAME LVM` reports, as VG/LV or
// VG/LV:LAYER ("/" and ":" cannot occur in VG or LV names). A name LVM
// cannot have built (one part, an empty part, more than three parts:
// "mpatha", "vg-", "a-b-c-d") is returned unchanged. The name alone does not
// tell whether LVM made the device: "crypt-like-0" reads as
// "crypt/like:0"; SysfsNamer asks the dm uuid first.
func DisplayName(dmName string) string {
	parts, ok := splitDMName(dmName)
	if !ok {
		return dmName
	}
	s := parts[0] + "/" + parts[1]
	if len(parts) == 3 {
		s += ":" + parts[2]
	}
	return s
}

// splitDMName undoes dm_build_dm_name: it splits at single hyphens and
// turns doubled ones back into one. ok is false unless there are two or
// three parts, none of them empty.
func splitDMName(name string) (parts []string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch {
		case name[i] != '-':
			b.WriteByte(name[i])
		case i+1 < len(name) && name[i+1] == '-':
			b.WriteByte('-')
			i++
		default:
			parts = append(parts, b.String())
			b.Reset()
		}
	}
	parts = append(parts, b.String())
	if len(parts) < 2 || len(parts) > 3 {
		return nil, false
	}
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
	}
	return parts, true
}

// DefaultDeviceFilter selects what the original lvm_iostat showed without
// -n, IDE and SCSI disks and device-mapper devices (hd[a-z], sd[a-z],
// dm-), and the disks it predates: virtio (vd[a-z]), Xen (xvd[a-z]) and
// NVMe namespaces (nvmeNnM); anchored at the start of the kernel name,
// partitions included.
func DefaultDeviceFilter() *regexp.Regexp {
	return regexp.MustCompile(`^(?:hd[a-z]|sd[a-z]|vd[a-z]|xvd[a-z]|nvme[0-9]+n[0-9]+|dm-)`)
}

// IOStatRow is one device's line of lvm_iostat.
type IOStatRow struct {
	Device  string // kernel name: dm-3
	Display string // the DeviceNamer's name: vg/lv

	// ReadBytes and WrittenBytes are the totals since the device appeared
	// (the original's read and write columns).
	ReadBytes, WrittenBytes uint64
	// ReadRate and WriteRate are bytes per second over the interval.
	ReadRate, WriteRate float64
	// InFlight is the I/Os in progress at the second sample (#io queue).
	InFlight uint64
	// QueueTimeMs is the weighted time spent doing I/O during the interval
	// (#io qtime[ms]): the average queue length times the interval in ms.
	QueueTimeMs uint64
}

// Delta computes a row for every device of cur whose kernel name or
// display name matches filter (nil: every device), in cur's order. prev is
// the sample taken interval before cur. The kernel identifies a device by
// major, minor and name; a device missing from prev appeared during the
// interval, its counters starting from zero, unless prev is empty (the
// first sample), which leaves the rates and QueueTimeMs zero. A device
// missing from cur is gone and has no row. Counters that went down wrapped
// or restarted (see counterDelta). A nil name shows kernel names.
func Delta(prev, cur []DiskStat, interval time.Duration, name DeviceNamer, filter *regexp.Regexp) []IOStatRow {
	type devKey struct {
		major, minor uint32
		name         string
	}
	before := make(map[devKey]*DiskStat, len(prev))
	for i := range prev {
		p := &prev[i]
		before[devKey{p.Major, p.Minor, p.Name}] = p
	}
	secs := interval.Seconds()
	rows := make([]IOStatRow, 0, len(cur))
	for i := range cur {
		c := &cur[i]
		display := c.Name
		if name != nil {
			display = name(c.Name)
		}
		if filter != nil && !filter.MatchString(c.Name) && !filter.MatchString(display) {
			continue
		}
		row := IOStatRow{
			Device:       c.Name,
			Display:      display,
			ReadBytes:    c.SectorsRead * diskstatsSector,
			WrittenBytes: c.SectorsWritten * diskstatsSector,
			InFlight:     c.InFlight,
		}
		p, seen := before[devKey{c.Major, c.Minor, c.Name}]
		if !seen && len(prev) > 0 {
			p = &DiskStat{}
		}
		if p != nil {
			row.QueueTimeMs = counterDelta(p.WeightedMsIO, c.WeightedMsIO)
			if secs > 0 {
				row.ReadRate = float64(counterDelta(p.SectorsRead, c.SectorsRead)) * diskstatsSector / secs
				row.WriteRate = float64(counterDelta(p.SectorsWritten, c.SectorsWritten)) * diskstatsSector / secs
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// counterDelta is how much a diskstats counter grew from prev to cur. A
// counter that went down either wrapped or restarted from zero (the device
// was removed and its name and numbers reused, or the kernel reset it).
// Fields kept in 32-bit variables (the ms fields on every kernel, all of
// them on 32-bit kernels) wrap at 2^32: when prev fits in 32 bits and the
// growth modulo 2^32 is below 2^31, that is taken as a wrap; otherwise the
// counter restarted and grew by cur.
func counterDelta(prev, cur uint64) uint64 {
	if cur >= prev {
		return cur - prev
	}
	if prev <= math.MaxUint32 {
		if d := uint64(uint32(cur - prev)); d < 1<<31 {
			return d
		}
	}
	return cur
}

// FormatTable writes rows as the original lvm_iostat's table: device,
// displayname, bytes read (exact and human), bytes written (exact and
// human), read/s and write/s (human), #io queue and #io qtime[ms].
func FormatTable(w io.Writer, rows []IOStatRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "device\tdisplayname\tread\t\twrite\t\tread/s\twrite/s\t#io queue\t#io qtime[ms]")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%d\t%d\n", r.Device, r.Display,
			r.ReadBytes, humanBytes(r.ReadBytes), r.WrittenBytes, humanBytes(r.WrittenBytes),
			humanBytes(rateBytes(r.ReadRate)), humanBytes(rateBytes(r.WriteRate)), r.InFlight, r.QueueTimeMs)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write iostat table: %w", err)
	}
	return nil
}

// FormatDump writes rows for rrdtool and metrics collectors (the original's
// -d), one line per device, nine fields separated by single spaces:
//
//	unix_time device display read_bytes write_bytes read_Bps write_Bps inflight qtime_ms
//
// unix_time is t in whole seconds; read_bytes and write_bytes the totals
// since the device appeared (counters, for rrd COUNTER/DERIVE); read_Bps
// and write_Bps the rates over the interval, rounded to whole bytes per
// second; inflight the I/Os in progress; qtime_ms the weighted ms during
// the interval. Every number is a decimal integer. Bytes of device and
// display that are blanks or control characters are written as \xNN, the
// way dmsetup mangles names, and an empty display as "-", so a line always
// has nine fields.
func FormatDump(w io.Writer, t time.Time, rows []IOStatRow) error {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%d %s %s %d %d %d %d %d %d\n", t.Unix(), dumpField(r.Device), dumpField(r.Display),
			r.ReadBytes, r.WrittenBytes, rateBytes(r.ReadRate), rateBytes(r.WriteRate), r.InFlight, r.QueueTimeMs)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write iostat dump: %w", err)
	}
	return nil
}

// dumpField escapes what would split or end a dump line.
func dumpField(s string) string {
	if s == "" {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rateBytes rounds a rate to whole bytes per second.
func rateBytes(rate float64) uint64 {
	if !(rate > 0) {
		return 0
	}
	if rate >= math.MaxUint64 {
		return math.MaxUint64
	}
	return uint64(math.Round(rate))
}

// humanBytes renders n the way the original's example shows sizes:
// "188416" is "184k", "8757610496" is "8.2G", "33843712000" is "31G" (one
// rounded decimal below 10, else truncated to an integer), powers of 1024.
func humanBytes(n uint64) string {
	const units = "kMGTPE"
	if n < 1024 {
		return fmt.Sprint(n)
	}
	u := 0
	for u < len(units)-1 && n>>(10*(u+1)) >= 1024 {
		u++
	}
	shift := 10 * (u + 1)
	if q := n >> shift; q >= 10 {
		return fmt.Sprintf("%d%c", q, units[u])
	}
	return fmt.Sprintf("%.1f%c", float64(n)/float64(uint64(1)<<shift), units[u])
}
