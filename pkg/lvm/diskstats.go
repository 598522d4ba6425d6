package lvm

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// diskstatsSector is the unit of the diskstats sector counters: always 512
// bytes, whatever the device's logical block size.
const diskstatsSector = 512

// DiskStat is one line of /proc/diskstats (Documentation/ABI/testing/procfs-diskstats).
// Every kernel prints the first 14 fields; 4.18 added the four discard
// fields and 5.5 the two flush fields, which stay zero on older kernels
// (Fields tells which were printed). The counters are cumulative since the
// device appeared and some are 32-bit in the kernel, so they wrap; InFlight
// is a gauge.
type DiskStat struct {
	Major, Minor uint32
	Name         string // kernel name: sda, dm-3, cciss/c0d0

	ReadsCompleted, ReadsMerged, SectorsRead, MsReading      uint64
	WritesCompleted, WritesMerged, SectorsWritten, MsWriting uint64
	InFlight                                                 uint64 // I/Os in progress now
	MsIO                                                     uint64 // ms with at least one I/O in progress
	WeightedMsIO                                             uint64 // ms spent doing I/O times the I/Os in progress

	// Kernel 4.18+.
	DiscardsCompleted, DiscardsMerged, SectorsDiscarded, MsDiscarding uint64
	// Kernel 5.5+.
	FlushesCompleted, MsFlushing uint64

	// Fields is how many fields the line had: 14, 18, 20, or more from a
	// kernel newer than this code (the extra ones are ignored).
	Fields int
}

// DiskstatsError is a line of /proc/diskstats that ParseDiskstats could not read.
type DiskstatsError struct {
	Line int // 1-based
	Err  error
}

func (e *DiskstatsError) Error() string {
	return fmt.Sprintf("parse diskstats line %d: %v", e.Line, e.Err)
}

func (e *DiskstatsError) Unwrap() error { return e.Err }

// diskstatsCounters names the fields after major, minor and name, in order,
// with where each is stored.
var diskstatsCounters = []struct {
	name  string
	field func(*DiskStat) *uint64
}{
	{"reads completed", func(s *DiskStat) *uint64 { return &s.ReadsCompleted }},
	{"reads merged", func(s *DiskStat) *uint64 { return &s.ReadsMerged }},
	{"sectors read", func(s *DiskStat) *uint64 { return &s.SectorsRead }},
	{"ms reading", func(s *DiskStat) *uint64 { return &s.MsReading }},
	{"writes completed", func(s *DiskStat) *uint64 { return &s.WritesCompleted }},
	{"writes merged", func(s *DiskStat) *uint64 { return &s.WritesMerged }},
	{"sectors written", func(s *DiskStat) *uint64 { return &s.SectorsWritten }},
	{"ms writing", func(s *DiskStat) *uint64 { return &s.MsWriting }},
	{"I/Os in progress", func(s *DiskStat) *uint64 { return &s.InFlight }},
	{"ms doing I/O", func(s *DiskStat) *uint64 { return &s.MsIO }},
	{"weighted ms doing I/O", func(s *DiskStat) *uint64 { return &s.WeightedMsIO }},
	{"discards completed", func(s *DiskStat) *uint64 { return &s.DiscardsCompleted }},
	{"discards merged", func(s *DiskStat) *uint64 { return &s.DiscardsMerged }},
	{"sectors discarded", func(s *DiskStat) *uint64 { return &s.SectorsDiscarded }},
	{"ms discarding", func(s *DiskStat) *uint64 { return &s.MsDiscarding }},
	{"flushes completed", func(s *DiskStat) *uint64 { return &s.FlushesCompleted }},
	{"ms flushing", func(s *DiskStat) *uint64 { return &s.MsFlushing }},
}

// ParseDiskstats reads /proc/diskstats. Lines of 14 (before 4.18), 18
// (4.18 to 5.4) and 20 fields (5.5+) may be mixed; longer lines, from a
// newer kernel, keep their first 20. Blank lines are skipped. Any other
// line is a *DiskstatsError naming its line number. The 7-field partition
// lines of kernels before 2.6.25 are refused: Go does not run there.
func ParseDiskstats(r io.Reader) ([]DiskStat, error) {
	var stats []DiskStat
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		s, err := parseDiskstatsLine(f)
		if err != nil {
			return nil, &DiskstatsError{Line: line, Err: err}
		}
		stats = append(stats, s)
	}
	if err := sc.Err(); err != nil {
		return nil, &DiskstatsError{Line: line + 1, Err: err}
	}
	return stats, nil
}

func parseDiskstatsLine(f []string) (DiskStat, error) {
	n := len(f)
	if n != 14 && n != 18 && n < 20 {
		return DiskStat{}, fmt.Errorf("%d fields, want 14, 18 or 20", n)
	}
	s := DiskStat{Name: f[2], Fields: n}
	major, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil {
		return DiskStat{}, fmt.Errorf("major number of %s: %w", s.Name, err)
	}
	minor, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil {
		return DiskStat{}, fmt.Errorf("minor number of %s: %w", s.Name, err)
	}
	s.Major, s.Minor = uint32(major), uint32(minor)
	for i, v := range f[3:min(n, 3+len(diskstatsCounters))] {
		c := diskstatsCounters[i]
		if *c.field(&s), err = strconv.ParseUint(v, 10, 64); err != nil {
			return DiskStat{}, fmt.Errorf("%s (field %d) of %s: %w", c.name, i+4, s.Name, err)
		}
	}
	return s, nil
}
