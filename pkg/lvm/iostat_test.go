package lvm

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var updateIostat = flag.Bool("update-iostat", false, "rewrite testdata/iostat/*/{table,dump}.golden")

// vmLVMDisplay is what SysfsNamer says for the vm-lvm capture's dm devices.
var vmLVMDisplay = map[string]string{
	"dm-0": "vg-a/lv-b",      // vg--a-lv--b
	"dm-1": "vg-a/data",      // vg--a-data, the snapshot origin
	"dm-2": "vg-a/x-",        // vg--a-x--
	"dm-3": "vg-a/data:real", // vg--a-data-real, the origin's data
	"dm-4": "vg-a/snap:cow",  // vg--a-snap-cow, the exception store
	"dm-5": "vg-a/snap",      // vg--a-snap
	"dm-6": "crypt-like-0",   // no LVM- uuid: the dm name as it is
}

func TestSysfsNamerCapture(t *testing.T) {
	name := SysfsNamer(filepath.Join("testdata", "iostat", "vm-lvm"))
	for _, s := range readDiskstats(t, "vm-lvm", "proc", "diskstats") {
		want, ok := vmLVMDisplay[s.Name]
		if !ok {
			want = s.Name // vda, loop0: no dm directory
		}
		if got := name(s.Name); got != want {
			t.Errorf("%s: %q, want %q", s.Name, got, want)
		}
	}
}

func TestSysfsNamer(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"dm-1/dm/name":       "vg-lv", // no newline
		"dm-1/dm/uuid":       "LVM-abc",
		"dm-2/dm/name":       "luks-1234-abcd\n",
		"dm-2/dm/uuid":       "CRYPT-LUKS2-1234abcd-luks-1234-abcd\n",
		"dm-3/dm/name":       "mpath-a\n", // no uuid file
		"dm-4/dm/name":       "",
		"dm-4/dm/uuid":       "LVM-abc\n",
		"dm-5/dm/name":       "vg-lv-\n", // not a name LVM builds
		"dm-5/dm/uuid":       "LVM-abc\n",
		"cciss!c0d0/dm/name": "vg--x-y\n", // only checks the "/" → "!" spelling
		"cciss!c0d0/dm/uuid": "LVM-abc\n",
	}
	for p, data := range files {
		p = filepath.Join(root, "sys", "block", p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ kernel, want string }{
		{"dm-1", "vg/lv"},
		{"dm-2", "luks-1234-abcd"},
		{"dm-3", "mpath-a"},
		{"dm-4", "dm-4"},
		{"dm-5", "vg-lv-"},
		{"cciss/c0d0", "vg-x/y"},
		{"dm-9", "dm-9"},
		{"sda", "sda"},
		{"..", ".."},
		{".", "."},
		{"", ""},
	}
	name := SysfsNamer(root)
	missing := SysfsNamer(filepath.Join(root, "nowhere"))
	for _, tt := range tests {
		if got := name(tt.kernel); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.kernel, got, tt.want)
		}
		if got := missing(tt.kernel); got != tt.kernel {
			t.Errorf("%q without sysfs: %q, want the kernel name", tt.kernel, got)
		}
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct{ dm, want string }{
		{"vg_raidweb_0-lv_1", "vg_raidweb_0/lv_1"}, // the original's example
		{"vg--a-lv--b", "vg-a/lv-b"},
		{"vg-lv", "vg/lv"},
		{"vg---lv", "vg-/lv"},
		{"vg--a-x--", "vg-a/x-"},
		{"vg--a-x---real", "vg-a/x-:real"},
		{"vgt-lv0-real", "vgt/lv0:real"},
		{"vgt-snap0-cow", "vgt/snap0:cow"},
		{"vg-pool-tpool", "vg/pool:tpool"},
		{"vg-lv_rimage_0", "vg/lv_rimage_0"},
		{"a--b-c--d-e--f", "a-b/c-d:e-f"},
		// Not built by LVM: unchanged.
		{"mpatha", "mpatha"},
		{"vg--lv", "vg--lv"},
		{"vg-", "vg-"},
		{"-lv", "-lv"},
		{"vg-lv-", "vg-lv-"},
		{"a-b-c-d", "a-b-c-d"},
		{"a--b--c", "a--b--c"},
		{"", ""},
		{"-", "-"},
	}
	for _, tt := range tests {
		if got := DisplayName(tt.dm); got != tt.want {
			t.Errorf("DisplayName(%q) = %q, want %q", tt.dm, got, tt.want)
		}
	}
}

// splitname.txt holds what dmsetup itself (lvm 2.03.16) says for each name:
// where DisplayName splits a name, it must split it as dmsetup does.
func TestDisplayNameDmsetup(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "iostat", "splitname.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// dmsetup splits these too, but LVM cannot have built them.
	unsplit := map[string]bool{"mpatha": true, "vg-": true, "vg--lv": true, "vg-lv-": true, "-lv": true, "a-b-c-d": true, "a--b--c": true}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] == "crypt-like-0" {
			continue
		}
		if len(f) != 4 {
			t.Fatalf("bad line %q", sc.Text())
		}
		n++
		want := f[1] + "/" + f[2]
		if f[3] != "-" {
			want += ":" + f[3]
		}
		if unsplit[f[0]] {
			want = f[0]
		}
		if got := DisplayName(f[0]); got != want {
			t.Errorf("DisplayName(%q) = %q; dmsetup splitname says %v", f[0], got, f[1:])
		}
	}
	if err := sc.Err(); err != nil || n < 15 {
		t.Fatalf("%d names read, %v", n, err)
	}
}

func TestDeltaDefaultFilter(t *testing.T) {
	re := DefaultDeviceFilter()
	for _, name := range []string{"hda", "hdb", "sda", "sdz", "sda1", "sdaa", "dm-0", "dm-12", "vda", "vdb2", "xvda1", "nvme0n1", "nvme1n2p3"} {
		if !re.MatchString(name) {
			t.Errorf("%s not matched", name)
		}
	}
	for _, name := range []string{"loop0", "dm0", "sd", "xsda", "md0", "vg-a/lv-b", "sr0", "nvme0", "vd"} {
		if re.MatchString(name) {
			t.Errorf("%s matched", name)
		}
	}
}

// The vm-lvm capture: two samples 10.03 s apart (uptime 7.30..7.32 and
// 17.33..17.35) around 8 MiB written to and 2 MiB read from vg-a/lv-b,
// 1 MiB written to vg-a/data (copied to the snapshot: read from data:real,
// written to snap:cow) and 1 MiB read from crypt-like-0.
func TestDeltaCapture(t *testing.T) {
	const mib = 1 << 20
	root := filepath.Join("testdata", "iostat", "vm-lvm")
	prev := readDiskstats(t, "vm-lvm", "proc", "diskstats.prev")
	cur := readDiskstats(t, "vm-lvm", "proc", "diskstats")
	got := Delta(prev, cur, 10*time.Second, SysfsNamer(root), regexp.MustCompile(`^dm-`))
	want := []IOStatRow{
		{Device: "dm-0", Display: "vg-a/lv-b", ReadBytes: 2 * mib, WrittenBytes: 8 * mib, ReadRate: 2 * mib / 10., WriteRate: 8 * mib / 10., QueueTimeMs: 68},
		{Device: "dm-1", Display: "vg-a/data", WrittenBytes: 1 * mib, WriteRate: mib / 10., QueueTimeMs: 236},
		{Device: "dm-2", Display: "vg-a/x-"},
		{Device: "dm-3", Display: "vg-a/data:real", ReadBytes: 1 * mib, WrittenBytes: 1 * mib, ReadRate: mib / 10., WriteRate: mib / 10., QueueTimeMs: 12},
		// The COW header (8 sectors read, 16 written) predates the first sample.
		{Device: "dm-4", Display: "vg-a/snap:cow", ReadBytes: 4096, WrittenBytes: 2208 * 512, WriteRate: 2192 * 512 / 10., QueueTimeMs: 20},
		{Device: "dm-5", Display: "vg-a/snap"},
		{Device: "dm-6", Display: "crypt-like-0", ReadBytes: 1 * mib, ReadRate: mib / 10.},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCounterDelta(t *testing.T) {
	tests := []struct {
		name            string
		prev, cur, want uint64
	}{
		{"grew", 100, 150, 50},
		{"unchanged", 7, 7, 0},
		{"32-bit wrap", 4294967000, 200, 496},
		{"32-bit wrap from the top", 4294967295, 0, 1},
		{"restart, not a wrap (dm-N reused)", 1000, 10, 10},
		{"64-bit counter went down: restart", 5_000_000_000, 100, 100},
		{"64-bit counter went down below 2^32: restart", 5_000_000_000, 4294967000, 4294967000},
	}
	for _, tt := range tests {
		if got := counterDelta(tt.prev, tt.cur); got != tt.want {
			t.Errorf("%s: counterDelta(%d, %d) = %d, want %d", tt.name, tt.prev, tt.cur, got, tt.want)
		}
	}
}

func TestDeltaDevices(t *testing.T) {
	prev := []DiskStat{
		{Major: 8, Minor: 0, Name: "sda", SectorsRead: 1000, SectorsWritten: 4294967000, WeightedMsIO: 4294967290},
		{Major: 253, Minor: 4, Name: "dm-4", SectorsRead: 5000},
		{Major: 8, Minor: 16, Name: "sdb", SectorsRead: 5000},
	}
	cur := []DiskStat{
		// SectorsWritten and WeightedMsIO wrapped at 2^32; SectorsRead restarted.
		{Major: 8, Minor: 0, Name: "sda", SectorsRead: 10, SectorsWritten: 1000, WeightedMsIO: 10, InFlight: 3},
		// dm-4 is gone; dm-5 appeared during the interval.
		{Major: 253, Minor: 5, Name: "dm-5", SectorsRead: 400, SectorsWritten: 800, WeightedMsIO: 30},
		// The name sdb now has other numbers: another disk.
		{Major: 8, Minor: 32, Name: "sdb", SectorsRead: 100},
	}
	name := func(k string) string { return strings.ToUpper(k) }
	got := Delta(prev, cur, 2*time.Second, name, nil)
	want := []IOStatRow{
		{Device: "sda", Display: "SDA", ReadBytes: 10 * 512, WrittenBytes: 1000 * 512, ReadRate: 10 * 512 / 2., WriteRate: 1296 * 512 / 2., InFlight: 3, QueueTimeMs: 16},
		{Device: "dm-5", Display: "DM-5", ReadBytes: 400 * 512, WrittenBytes: 800 * 512, ReadRate: 400 * 512 / 2., WriteRate: 800 * 512 / 2., QueueTimeMs: 30},
		{Device: "sdb", Display: "SDB", ReadBytes: 100 * 512, ReadRate: 100 * 512 / 2.},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// The first sample has nothing to compare with; neither has a zero interval rates.
	first := Delta(nil, cur, 2*time.Second, nil, nil)
	zero := Delta(prev, cur, 0, nil, nil)
	for i, w := range want {
		w.Display = w.Device
		w0 := w
		w0.ReadRate, w0.WriteRate = 0, 0
		w.ReadRate, w.WriteRate, w.QueueTimeMs = 0, 0, 0
		if diff := cmp.Diff(w, first[i]); diff != "" {
			t.Errorf("first sample (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(w0, zero[i]); diff != "" {
			t.Errorf("zero interval (-want +got):\n%s", diff)
		}
	}
}

// The filter sees kernel and display names.
func TestDeltaFilter(t *testing.T) {
	root := filepath.Join("testdata", "iostat", "vm-lvm")
	prev := readDiskstats(t, "vm-lvm", "proc", "diskstats.prev")
	cur := readDiskstats(t, "vm-lvm", "proc", "diskstats")
	tests := []struct {
		re   string
		want []string
	}{
		{`^vg-a/`, []string{"dm-0", "dm-1", "dm-2", "dm-3", "dm-4", "dm-5"}},
		{`:(real|cow)$`, []string{"dm-3", "dm-4"}},
		{`^(vd|crypt)`, []string{"vda", "dm-6"}},
		{`dm-.*`, []string{"dm-0", "dm-1", "dm-2", "dm-3", "dm-4", "dm-5", "dm-6"}},
		{`loop[0-3]`, []string{"loop0", "loop1", "loop2", "loop3"}},
		{`^nothing$`, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range Delta(prev, cur, time.Second, SysfsNamer(root), regexp.MustCompile(tt.re)) {
			got = append(got, r.Device)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.re, diff)
		}
	}
	if got := Delta(prev, cur, time.Second, nil, nil); len(got) != len(cur) {
		t.Errorf("nil filter: %d rows, want %d", len(got), len(cur))
	}
}

// The original's example view (seeds/003): our table, split into fields,
// is the same but for displayname, which shows vg/lv.
func TestFormatTableOriginalExample(t *testing.T) {
	const original = `device displayname read write read/s write/s #io queue #io qtime[ms]
hda hda 0 0 0 0 0 0 0 0
sda sda 115150848 109M 292581842944 272G 0 0 0 0
sdb sdb 33843712000 31G 1247439607616 1.1T 0 0 0 0
sdc sdc 653681664 623M 8757610496 8.2G 0 0 0 0
dm-8 vg_raidweb_0-lv_1 188416 184k 0 0 0 0 0 0
dm-9 vg_raidweb_0-lv_2 188416 184k 0 0 0 0 0 0
dm-7 vg_raidweb_0-lv_3 188416 184k 0 0 0 0 0 0
`
	rows := []IOStatRow{
		{Device: "hda", Display: "hda"},
		{Device: "sda", Display: "sda", ReadBytes: 115150848, WrittenBytes: 292581842944},
		{Device: "sdb", Display: "sdb", ReadBytes: 33843712000, WrittenBytes: 1247439607616},
		{Device: "sdc", Display: "sdc", ReadBytes: 653681664, WrittenBytes: 8757610496},
		{Device: "dm-8", Display: DisplayName("vg_raidweb_0-lv_1"), ReadBytes: 188416},
		{Device: "dm-9", Display: DisplayName("vg_raidweb_0-lv_2"), ReadBytes: 188416},
		{Device: "dm-7", Display: DisplayName("vg_raidweb_0-lv_3"), ReadBytes: 188416},
	}
	var b bytes.Buffer
	if err := FormatTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(b.String(), "\n")
	for i, line := range strings.Split(original, "\n") {
		want := strings.Fields(line)
		if len(want) > 1 && strings.HasPrefix(want[1], "vg_raidweb_0-") {
			want[1] = strings.Replace(want[1], "-", "/", 1)
		}
		if diff := cmp.Diff(want, strings.Fields(got[i])); diff != "" {
			t.Errorf("line %d (-original +ours):\n%s", i+1, diff)
		}
	}
}

func TestFormatHumanBytes(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "0"}, {1023, "1023"}, {1024, "1.0k"}, {1536, "1.5k"}, {10239, "10.0k"}, {10240, "10k"},
		{1<<20 - 1, "1023k"}, {1 << 20, "1.0M"}, {1 << 40, "1.0T"}, {1 << 50, "1.0P"}, {1<<64 - 1, "15E"},
	}
	for _, tt := range tests {
		if got := humanBytes(tt.n); got != tt.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// Golden table and dump of the captures: vm-lvm with the default filter,
// host-6.18 (this host, two samples 2.01 s apart, no device-mapper) with none.
func TestFormatGolden(t *testing.T) {
	at := time.Unix(1767225600, 0)
	tests := []struct {
		dir      string
		interval time.Duration
		filter   *regexp.Regexp
	}{
		{"vm-lvm", 10 * time.Second, DefaultDeviceFilter()},
		{"host-6.18", 2 * time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			root := filepath.Join("testdata", "iostat", tt.dir)
			prev := readDiskstats(t, tt.dir, "proc", "diskstats.prev")
			cur := readDiskstats(t, tt.dir, "proc", "diskstats")
			rows := Delta(prev, cur, tt.interval, SysfsNamer(root), tt.filter)
			var table, dump bytes.Buffer
			if err := FormatTable(&table, rows); err != nil {
				t.Fatal(err)
			}
			if err := FormatDump(&dump, at, rows); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join(root, "table.golden"), table.Bytes())
			checkGolden(t, filepath.Join(root, "dump.golden"), dump.Bytes())
			for _, line := range strings.Split(strings.TrimSuffix(dump.String(), "\n"), "\n") {
				if f := strings.Split(line, " "); len(f) != 9 || f[0] != "1767225600" {
					t.Errorf("dump line %q: want 9 fields starting with the time", line)
				}
			}
		})
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateIostat {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update-iostat)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got), rerun with -update-iostat if intended:\n%s", path, diff)
	}
}

func TestFormatDumpFields(t *testing.T) {
	rows := []IOStatRow{
		{Device: "dm-1", Display: "vg/lv with blank\tand tab", ReadBytes: 1, WrittenBytes: 2, ReadRate: 2.5, WriteRate: 1e12 / 3, InFlight: 4, QueueTimeMs: 5},
		{Device: "dm-2", Display: ""},
	}
	var b bytes.Buffer
	if err := FormatDump(&b, time.Unix(1204934400, 999), rows); err != nil {
		t.Fatal(err)
	}
	want := "1204934400 dm-1 vg/lv\\x20with\\x20blank\\x09and\\x20tab 1 2 3 333333333333 4 5\n" +
		"1204934400 dm-2 - 0 0 0 0 0 0\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestFormatWriteErrors(t *testing.T) {
	rows := []IOStatRow{{Device: "sda", Display: "sda"}}
	if err := FormatTable(failWriter{}, rows); !errors.Is(err, errWrite) {
		t.Errorf("FormatTable: %v", err)
	}
	if err := FormatDump(failWriter{}, time.Now(), rows); !errors.Is(err, errWrite) {
		t.Errorf("FormatDump: %v", err)
	}
}
