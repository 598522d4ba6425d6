package lvm

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// seedConf is lvm_tools.conf as the original lvm-tools documentation shows it.
const seedConf = `# default snap name suffix
DEFAULT_SNAP_SUFFIX=snap
# in percent (SM < 100GB, XL >= 100GB)
DEFAULT_SNAP_SPACE_SM=20
DEFAULT_SNAP_SPACE_XL=15
# enable md5 checks when doing remote or locally targeted snapshots
ENABLE_MD5=0
#
# enable raw devices on local copy sources (/dev/raw/rawN) (CentOS4 tested)
# this feature is incompatible with TOOL_PV and compression of LVs
#
ENABLE_RAW=1
#
# Expected minimum transfer rate (MB/s)
#
MIN_TRANSFER_RATE=4
`

func TestParseToolsConf(t *testing.T) {
	tests := []struct {
		name, in string
		want     *ToolsConf
	}{
		{"documented file", seedConf, &ToolsConf{SnapSuffix: "snap", SnapSpaceSM: 20, SnapSpaceXL: 15, Direct: true, MinRate: 4}},
		{"empty", "", DefaultToolsConf()},
		{"quotes, export, comments", "export DEFAULT_SNAP_SUFFIX=\"bk\"\nENABLE_MD5='1' # verify\nSSH_USER=backup\nSSH_PORT=2222 # alt port\nSSH_IDENTITY=/root/.ssh/id_backup\n",
			&ToolsConf{SnapSuffix: "bk", SnapSpaceSM: 20, SnapSpaceXL: 15, Verify: true, SSHUser: "backup", SSHPort: 2222, SSHIdentity: "/root/.ssh/id_backup"}},
	}
	for _, tt := range tests {
		got, err := ParseToolsConf(strings.NewReader(tt.in), "lvm_tools.conf")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(ToolsConf{}, "Warnings")); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestParseToolsConfWarnings(t *testing.T) {
	got, err := ParseToolsConf(strings.NewReader("TOOL_PV=1\nENABLE_MD5=1\nENABLE_MD5=0\n"), "f")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"f:1: unknown key TOOL_PV ignored", "f:3: ENABLE_MD5 set again (first at line 2); the last one counts"}
	if diff := cmp.Diff(want, got.Warnings); diff != "" || got.Verify {
		t.Errorf("warnings (-want +got):\n%s (verify %v)", diff, got.Verify)
	}
}

func TestParseToolsConfErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ENABLE_MD5=yes", "f:1: ENABLE_MD5=yes: want 0 or 1"},
		{"\nDEFAULT_SNAP_SPACE_SM=120", "f:2: DEFAULT_SNAP_SPACE_SM=120: want a percentage from 1 to 100"},
		{"MIN_TRANSFER_RATE=fast", "f:1: MIN_TRANSFER_RATE=fast: want a rate in MB/s"},
		{"ENABLE_RAW = 1", "f:1: no blanks around '='"},
		{"just words", `f:1: expected KEY=VALUE, got "just words"`},
		{"DEFAULT_SNAP_SUFFIX=\"snap", "f:1: DEFAULT_SNAP_SUFFIX: unterminated quote"},
		{"DEFAULT_SNAP_SUFFIX=$(hostname)", "is not a plain value"},
		{"DEFAULT_SNAP_SUFFIX=\"$HOST\"", "shell expansions"},
		{"DEFAULT_SNAP_SUFFIX=a/b", "want an LVM name suffix"},
		{"SSH_PORT=0", "want a port from 1 to 65535"},
		{"SSH_IDENTITY=id_rsa", "want an absolute path"},
	}
	for _, tt := range tests {
		c, err := ParseToolsConf(strings.NewReader(tt.in), "f")
		if err == nil || c != nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestSnapSize(t *testing.T) {
	c := DefaultToolsConf()
	const gib = 1 << 30
	for _, tt := range []struct{ origin, want int64 }{
		{10 * gib, 2 * gib}, // 20% below 100 GB
		{99_999_999_999, (19_999_999_999/(1<<20) + 1) << 20}, // rounded up to MiB
		{100_000_000_000, 15_000_000_000/(1<<20)*(1<<20) + 1<<20},
		{1, 1 << 20},
	} {
		if got := c.SnapSize(tt.origin); got != tt.want {
			t.Errorf("SnapSize(%d) = %d, want %d", tt.origin, got, tt.want)
		}
	}
}

func FuzzParseToolsConf(f *testing.F) {
	f.Add(seedConf)
	f.Add("export SSH_PORT='22' # x\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseToolsConf(strings.NewReader(in), "f")
		if err != nil {
			return
		}
		if c.SnapSpaceSM < 1 || c.SnapSpaceSM > 100 || c.SnapSpaceXL < 1 || c.SnapSpaceXL > 100 || c.MinRate < 0 || !lvName.MatchString(c.SnapSuffix) {
			t.Fatalf("accepted an invalid conf: %+v", c)
		}
	})
}
