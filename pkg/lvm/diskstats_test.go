package lvm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readDiskstats parses a fixture under testdata/iostat.
func readDiskstats(t *testing.T, path ...string) []DiskStat {
	t.Helper()
	f, err := os.Open(filepath.Join(append([]string{"testdata", "iostat"}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stats, err := ParseDiskstats(f)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// The captures (testdata/iostat/README.md): one line of each, whole, and
// the shape of the rest.
func TestParseDiskstatsCaptures(t *testing.T) {
	tests := []struct {
		file   string
		lines  int
		fields int
		line   int // index of want
		want   DiskStat
	}{
		{"xen-14/proc/diskstats", 7, 14, 5, DiskStat{
			Major: 253, Minor: 628, Name: "dm-628",
			ReadsCompleted: 3198, SectorsRead: 75410, MsReading: 1360,
			WritesCompleted: 30802835, SectorsWritten: 3942653176, MsWriting: 1334317408,
			MsIO: 70948, WeightedMsIO: 1358596768, Fields: 14,
		}},
		{"ubuntu-5.4-18/proc/diskstats", 12, 18, 9, DiskStat{
			Major: 259, Minor: 1, Name: "nvme0n1",
			ReadsCompleted: 4700929, ReadsMerged: 42585, SectorsRead: 2373217865, MsReading: 7745755,
			WritesCompleted: 154543530, WritesMerged: 1871494743, SectorsWritten: 60129413264, MsWriting: 1170508978,
			MsIO: 148907668, WeightedMsIO: 935043132,
			DiscardsCompleted: 66469, SectorsDiscarded: 1313221176, MsDiscarding: 140219, Fields: 18,
		}},
		{"host-6.18/proc/diskstats", 10, 20, 8, DiskStat{
			Major: 254, Minor: 0, Name: "vda",
			ReadsCompleted: 281710, ReadsMerged: 39799, SectorsRead: 11149986, MsReading: 182701,
			WritesCompleted: 67987, WritesMerged: 63988, SectorsWritten: 7522216, MsWriting: 46908,
			MsIO: 56344, WeightedMsIO: 255683,
			DiscardsCompleted: 464304, DiscardsMerged: 1242, SectorsDiscarded: 15274288, MsDiscarding: 25864,
			FlushesCompleted: 5121, MsFlushing: 209, Fields: 20,
		}},
		{"vm-lvm/proc/diskstats", 16, 20, 9, DiskStat{
			Major: 253, Minor: 0, Name: "dm-0",
			ReadsCompleted: 32, SectorsRead: 4096, MsReading: 8,
			WritesCompleted: 128, SectorsWritten: 16384, MsWriting: 60,
			MsIO: 68, WeightedMsIO: 68, Fields: 20,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			stats := readDiskstats(t, tt.file)
			if len(stats) != tt.lines {
				t.Fatalf("%d lines, want %d", len(stats), tt.lines)
			}
			for _, s := range stats {
				if s.Fields != tt.fields || s.Name == "" {
					t.Errorf("%+v: want %d fields and a name", s, tt.fields)
				}
			}
			if diff := cmp.Diff(tt.want, stats[tt.line]); diff != "" {
				t.Errorf("line %d (-want +got):\n%s", tt.line+1, diff)
			}
		})
	}
}

func TestParseDiskstatsFieldCounts(t *testing.T) {
	base := DiskStat{Major: 8, Minor: 16, Name: "sdb",
		ReadsCompleted: 1, ReadsMerged: 2, SectorsRead: 3, MsReading: 4,
		WritesCompleted: 5, WritesMerged: 6, SectorsWritten: 7, MsWriting: 8,
		InFlight: 9, MsIO: 10, WeightedMsIO: 11}
	with := func(n int, f func(*DiskStat)) DiskStat {
		s := base
		s.Fields = n
		if f != nil {
			f(&s)
		}
		return s
	}
	discards := func(s *DiskStat) {
		s.DiscardsCompleted, s.DiscardsMerged, s.SectorsDiscarded, s.MsDiscarding = 12, 13, 14, 15
	}
	tests := []struct {
		name, in string
		want     []DiskStat
	}{
		{"14 (before 4.18)", "   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11\n", []DiskStat{with(14, nil)}},
		{"18 (4.18 to 5.4)", "   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n", []DiskStat{with(18, discards)}},
		{"20 (5.5+)", "   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", []DiskStat{with(20, func(s *DiskStat) {
			discards(s)
			s.FlushesCompleted, s.MsFlushing = 16, 17
		})}},
		{"22 (a newer kernel: extra fields ignored)", "8 16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n", []DiskStat{with(22, func(s *DiskStat) {
			discards(s)
			s.FlushesCompleted, s.MsFlushing = 16, 17
		})}},
		{"mixed, tabs, blank lines, no final newline", "\n8\t16\tsdb 1 2 3 4 5 6 7 8 9 10 11\n   \n8 16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", []DiskStat{with(14, nil), with(18, discards)}},
		{"counters at their limits", "4294967295 0 x 18446744073709551615 0 0 0 0 0 0 0 4294967295 0 0\n", []DiskStat{{
			Major: math32, Name: "x", ReadsCompleted: 1<<64 - 1, InFlight: math32, Fields: 14}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDiskstats(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

const math32 = 1<<32 - 1

func TestParseDiskstatsMalformed(t *testing.T) {
	good := "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
	tests := []struct {
		name, in string
		line     int
		want     string // in the message
		wantErr  error  // wrapped, if any
	}{
		{"13 fields", "8 0 sda 1 2 3 4 5 6 7 8 9 10\n", 1, "13 fields, want 14, 18 or 20", nil},
		{"7-field partition line of 2.6.24", good + "   8    1 sda1 1650 13200 0 0\n", 2, "7 fields", nil},
		{"15 fields", good + good + "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12\n", 3, "15 fields", nil},
		{"19 fields", "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", 1, "19 fields", nil},
		{"blank lines count", "\n\n" + good + "garbage\n", 4, "1 fields", nil},
		{"not a number", good + "8 0 sda 1 x 3 4 5 6 7 8 9 10 11\n", 2, "reads merged (field 5) of sda", strconv.ErrSyntax},
		{"negative", "8 0 sda 1 2 3 4 5 6 7 8 -9 10 11\n", 1, "I/Os in progress (field 12) of sda", strconv.ErrSyntax},
		{"beyond 64 bits", "8 0 sda 1 2 18446744073709551616 4 5 6 7 8 9 10 11\n", 1, "sectors read (field 6)", strconv.ErrRange},
		{"major beyond 32 bits", "4294967296 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", 1, "major number of sda", strconv.ErrRange},
		{"minor not a number", "8 x sda 1 2 3 4 5 6 7 8 9 10 11\n", 1, "minor number of sda", strconv.ErrSyntax},
		{"bad flush field", "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 1.5\n", 1, "ms flushing (field 20)", strconv.ErrSyntax},
		{"line longer than the scanner's buffer", good + strings.Repeat("1 ", 40000) + "\n", 2, "token too long", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stats, err := ParseDiskstats(strings.NewReader(tt.in))
			var de *DiskstatsError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, %v; want a *DiskstatsError", stats, err)
			}
			if de.Line != tt.line || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), fmt.Sprintf("line %d:", tt.line)) {
				t.Errorf("error %q (line %d), want line %d and %q", err, de.Line, tt.line, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not wrap %v", err, tt.wantErr)
			}
			if stats != nil {
				t.Errorf("stats %v returned with the error", stats)
			}
		})
	}
}

// diskstatsLine prints s the way the kernel does (diskstats_show).
func diskstatsLine(s DiskStat) string {
	v := []uint64{s.ReadsCompleted, s.ReadsMerged, s.SectorsRead, s.MsReading,
		s.WritesCompleted, s.WritesMerged, s.SectorsWritten, s.MsWriting,
		s.InFlight, s.MsIO, s.WeightedMsIO,
		s.DiscardsCompleted, s.DiscardsMerged, s.SectorsDiscarded, s.MsDiscarding,
		s.FlushesCompleted, s.MsFlushing}
	var b strings.Builder
	fmt.Fprintf(&b, "%4d %7d %s", s.Major, s.Minor, s.Name)
	for _, x := range v[:min(s.Fields, 20)-3] {
		fmt.Fprintf(&b, " %d", x)
	}
	return b.String()
}

func FuzzParseDiskstats(f *testing.F) {
	for _, p := range []string{"xen-14", "ubuntu-5.4-18", "host-6.18", "vm-lvm"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "iostat", p, "proc", "diskstats")); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n\n8 0 sdb x\n")
	f.Fuzz(func(t *testing.T, in string) {
		stats, err := ParseDiskstats(strings.NewReader(in))
		if err != nil {
			var de *DiskstatsError
			if !errors.As(err, &de) || de.Line < 1 {
				t.Fatalf("error %v is not a *DiskstatsError with a line", err)
			}
			return
		}
		var lines []string
		for _, s := range stats {
			if s.Name == "" || strings.ContainsAny(s.Name, " \t\n") || (s.Fields != 14 && s.Fields != 18 && s.Fields < 20) {
				t.Fatalf("accepted %+v", s)
			}
			if s.Fields == 14 && s.DiscardsCompleted+s.DiscardsMerged+s.SectorsDiscarded+s.MsDiscarding+s.FlushesCompleted+s.MsFlushing != 0 {
				t.Fatalf("14-field line with later fields: %+v", s)
			}
			lines = append(lines, diskstatsLine(s))
		}
		back, err := ParseDiskstats(strings.NewReader(strings.Join(lines, "\n")))
		for i := range min(len(back), len(stats)) {
			back[i].Fields = stats[i].Fields // lines beyond 20 fields print 20
		}
		if err != nil || !cmp.Equal(back, stats) {
			t.Fatalf("%q parses as %+v, printed back as %q, which parses as %+v, %v", in, stats, lines, back, err)
		}
	})
}
