package targetconf

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLoadFull(t *testing.T) {
	full := filepath.Join("testdata", "full.conf")
	inc := filepath.Join("testdata", "included.conf")
	c, err := Load(full)
	if err != nil {
		t.Fatal(err)
	}
	common := []Option{
		{"MaxRecvDataSegmentLength", "131072"},
		{"HeaderDigest", "CRC32C,None"},
		{"Wthreads", "16"},
	}
	want := &Config{
		File:              full,
		Prefix:            "iqn.2001-04.com.example:",
		LUNType:           "blockio",
		ISNSServer:        "198.51.100.99",
		ISNSAccessControl: "No",
		DiscoveryUsers: []User{
			{Dir: Incoming, Name: "discuser", Secret: "discoverysecret1", Pos: Pos{full, 4}},
			{Dir: Outgoing, Name: "discout", Secret: "discovery#secret2", Pos: Pos{full, 5}},
		},
		Common: common,
		Targets: []*Target{
			{
				Name: "disk1", IQN: "iqn.2001-04.com.example:disk1",
				Allow: []AllowEntry{
					{Kind: AllowAddr, Prefix: netip.MustParsePrefix("198.51.100.10/32")},
					{Kind: AllowNet, Prefix: netip.MustParsePrefix("198.51.100.0/25")},
					{Kind: AllowAddr, Prefix: netip.MustParsePrefix("2001:db8::5/128")},
					{Kind: AllowNet, Prefix: netip.MustParsePrefix("2001:db8:1::/64")},
				},
				Own: []Option{{"Wthreads", "4"}, {"InitialR2T", "No"}},
				Options: []Option{
					{"MaxRecvDataSegmentLength", "131072"},
					{"HeaderDigest", "CRC32C,None"},
					{"Wthreads", "4"},
					{"InitialR2T", "No"},
				},
				Users: []User{
					{Dir: Incoming, Name: "alice", Secret: "alicesecret-01", Pos: Pos{full, 15}},
					{Dir: Incoming, Name: "bob", Secret: "bobsecret-0002", Pos: Pos{full, 16}},
					{Dir: Outgoing, Name: "tgt", Secret: "targetsecret-01", Pos: Pos{full, 17}},
				},
				LUNs: []LUN{
					{Number: 0, Path: "/dev/vg0/lv_disk1_0", Type: "blockio", ScsiID: "EXDSK-0001", ScsiSN: "EXDSK-0001", Pos: Pos{full, 18}},
					{Number: 1, Path: "/dev/vg0/lv_disk1_1", Type: "fileio", IOMode: "wb", BlockSize: 4096, Pos: Pos{full, 19}},
				},
				Pos: Pos{full, 12},
			},
			{
				Name: "disk2", IQN: "iqn.2001-04.com.example:disk2",
				Own:     []Option{{"Alias", "second-disk"}, {"MaxSessions", "2"}},
				Options: append(append([]Option{}, common...), Option{"Alias", "second-disk"}, Option{"MaxSessions", "2"}),
				LUNs: []LUN{
					{Number: 3, Path: "/srv/iscsi/disk2.img", Type: "fileio", IOMode: "ro", Pos: Pos{full, 24}},
				},
				Pos: Pos{full, 21},
			},
			{
				Name: "disk3", IQN: "iqn.2001-04.com.example:disk3",
				Allow: []AllowEntry{
					{Kind: AllowIQN, Pattern: `iqn\.1993-08\.org\.debian:01:.*`},
					{Kind: AllowAddr, Prefix: netip.MustParsePrefix("198.51.100.20/32")},
				},
				Options: common,
				LUNs:    []LUN{{Number: 0, Path: "/dev/vg1/lv_disk3_0", Type: "blockio", Pos: Pos{inc, 2}}},
				Pos:     Pos{inc, 1},
			},
		},
		Backup: "lvm:/dev/vg_backup/{vg}-{lv}_bk",
		Warnings: []Warning{{File: full, Line: 24,
			Msg: "LUN 3 of disk2 will not be backed up: path /srv/iscsi/disk2.img is not /dev/VG/LV, so {vg} and {lv} cannot be filled in"}},
	}
	if diff := cmp.Diff(want, c, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, c *Config)
	}{
		{
			name: "defaults",
			in:   "prefix iqn.2001-04.com.example:\ntarget t1\nlun 0 /dev/vg/lv",
			check: func(t *testing.T, c *Config) {
				l := c.Targets[0].LUNs[0]
				if l.Type != "fileio" || l.EffectiveIOMode() != "wt" || l.IOMode != "" {
					t.Errorf("defaults not applied: %+v", l)
				}
				if c.Targets[0].Allow != nil {
					t.Errorf("no allow list should mean ALL, got %v", c.Targets[0].Allow)
				}
			},
		},
		{
			name: "explicit ALL is the same as none",
			in:   "target iqn.2001-04.com.example:t1 ALL",
			check: func(t *testing.T, c *Config) {
				if c.Targets[0].Allow != nil {
					t.Errorf("got %v", c.Targets[0].Allow)
				}
			},
		},
		{
			name: "allow list over several words and quoted pattern",
			in:   "target iqn.2001-04.com.example:t1 198.51.100.1, 198.51.100.2 ,\"iqn\\.x:.*\"",
			check: func(t *testing.T, c *Config) {
				got := []string{}
				for _, a := range c.Targets[0].Allow {
					got = append(got, a.String())
				}
				if diff := cmp.Diff([]string{"198.51.100.1", "198.51.100.2", `iqn\.x:.*`}, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "keys are case-insensitive and canonicalised",
			in:   "option maxrecvdatasegmentlength 65536\ntarget iqn.2001-04.com.example:t1\noption initialr2t No",
			check: func(t *testing.T, c *Config) {
				if diff := cmp.Diff([]Option{{"MaxRecvDataSegmentLength", "65536"}, {"InitialR2T", "No"}}, c.Targets[0].Options); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "warnings do not fail",
			in:   "target iqn.2001-04.com.example:t_1\nuser incoming u short",
			check: func(t *testing.T, c *Config) {
				if len(c.Warnings) != 2 {
					t.Fatalf("want 2 warnings, got %v", c.Warnings)
				}
				for _, w := range c.Warnings {
					if strings.Contains(w.Msg, "short") && strings.Contains(w.Msg, "short\"") {
						t.Errorf("warning reveals the secret: %s", w)
					}
				}
			},
		},
		{
			name: "escaped quote and backslash",
			in:   `target iqn.2001-04.com.example:t1` + "\n" + `user incoming u "ab\"cd\\ef-ghij"`,
			check: func(t *testing.T, c *Config) {
				if got := c.Targets[0].Users[0].Secret.Reveal(); got != `ab"cd\ef-ghij` {
					t.Errorf("secret %q", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.in), "t.conf")
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

// TestParseErrors checks that each problem is reported on its line, and
// that no Config comes back.
func TestParseErrors(t *testing.T) {
	const pre = "prefix iqn.2001-04.com.example:\n" // line 1
	tests := []struct {
		name string
		in   string
		want []string // "line: substring"
	}{
		{"unknown verb", "tagret t1", []string{"1: unknown statement \"tagret\""}},
		{"unterminated quote", pre + "target t1 \"iqn.x", []string{"2: column 11: unterminated quote"}},
		{"hash inside word", pre + "target t1\nuser incoming u abc#defghijklm", []string{"3: column 20: '#' inside a word"}},
		{"bad iqn upper case", pre + "target Disk1", []string{"2: target \"Disk1\": name iqn.2001-04.com.example:Disk1 has upper-case letters"}},
		{"bad iqn no prefix", "target disk1", []string{"1: target \"disk1\": name disk1 is not an iSCSI name"}},
		{"bad iqn chars", pre + "target disk/1", []string{"2: target \"disk/1\": name iqn.2001-04.com.example:disk/1 is not a valid IQN"}},
		{"bad iqn date", "target iqn.2001-13.com.example:x", []string{"1: target \"iqn.2001-13.com.example:x\": name iqn.2001-13.com.example:x is not a valid IQN"}},
		{"duplicate target", pre + "target t1\ntarget t1", []string{"3: target iqn.2001-04.com.example:t1 defined twice (first at t.conf:2)"}},
		{"duplicate lun", pre + "target t1\nlun 0 /dev/a/b\nlun 0 /dev/a/c", []string{"4: target t1: LUN 0 defined twice (first at t.conf:3)"}},
		{"same path twice", pre + "target t1\nlun 0 /dev/a/b\ntarget t2\nlun 0 /dev/a//b", []string{"5: /dev/a//b is already exported at t.conf:3"}},
		{"host name", pre + "target t1 initiator1.example.com", []string{"2: target t1: allow list: initiator1.example.com looks like a host name; ietd never matches host names"}},
		{"host bits", pre + "target t1 10.0.1.5/24", []string{"2: target t1: allow list: 10.0.1.5/24 has host bits set, so ietd never matches it: write 10.0.1.0/24"}},
		{"slash 32", pre + "target t1 10.0.1.5/32", []string{"2: target t1: allow list: 10.0.1.5/32: ietd never matches a /32 network; write the bare address 10.0.1.5"}},
		{"slash 128", pre + "target t1 [2001:db8::1]/128", []string{"2: target t1: allow list: [2001:db8::1]/128: ietd never matches a /128 network; write the bare address [2001:db8::1]"}},
		{"v6 host bits", pre + "target t1 2001:db8::1/64", []string{"2: target t1: allow list: 2001:db8::1/64 has host bits set, so ietd never matches it: write [2001:db8::]/64"}},
		{"unquoted iqn", pre + "target t1 iqn.1993-08.org.debian:01:abc", []string{"2: target t1: allow list: initiator name pattern iqn.1993-08.org.debian:01:abc must be quoted"}},
		{"garbage entry", pre + "target t1 10.0.0.300", []string{"2: target t1: allow list: \"10.0.0.300\" is not an address"}},
		{"empty entry", pre + "target t1 10.0.0.1,,10.0.0.2", []string{"2: target t1: allow list: empty entry"}},
		{"ALL with others", pre + "target t1 ALL,10.0.0.1", []string{"2: target t1: ALL lets every initiator in; it cannot be combined"}},
		{"unknown lun param", pre + "target t1\nlun 0 /dev/a/b Foo=1", []string{"3: LUN 0: unknown LUN parameter \"Foo\""}},
		{"bad type", pre + "target t1\nlun 0 /dev/a/b Type=FileIO", []string{"3: LUN 0: Type is fileio or blockio (lower case), not \"FileIO\""}},
		{"bad iomode", pre + "target t1\nlun 0 /dev/a/b IOMode=rw", []string{"3: LUN 0: IOMode is wb, wt or ro, not \"rw\""}},
		{"bad blocksize", pre + "target t1\nlun 0 /dev/a/b BlockSize=8192", []string{"3: LUN 0: BlockSize is 512, 1024, 2048 or 4096, not \"8192\""}},
		{"long scsi id", pre + "target t1\nlun 0 /dev/a/b ScsiId=0123456789abcdefg", []string{"3: LUN 0: ScsiId \"0123456789abcdefg\" is longer than the 16 characters"}},
		{"lun number range", pre + "target t1\nlun 16384 /dev/a/b", []string{"3: LUN number \"16384\": expected 0 to 16383"}},
		{"relative path", pre + "target t1\nlun 0 dev/a/b", []string{"3: LUN 0: path \"dev/a/b\" is not absolute"}},
		{"comma in path", pre + "target t1\nlun 0 \"/dev/a,b\"", []string{"3: LUN 0: path \"/dev/a,b\" contains a comma"}},
		{"path param", pre + "target t1\nlun 0 /dev/a/b Path=/x", []string{"3: LUN 0: the path is the second word of a lun line"}},
		{"unknown option", "option MaxFoo 1", []string{"1: unknown ietd option \"MaxFoo\""}},
		{"option out of range", "option MaxRecvDataSegmentLength 1048576", []string{"1: MaxRecvDataSegmentLength 1048576 is out of range 512-262144: the kernel accepts at most 262144"}},
		{"option bad bool", "option InitialR2T yes", []string{"1: InitialR2T takes Yes or No (case-sensitive), not \"yes\""}},
		{"option restricted", "option ErrorRecoveryLevel 1", []string{"1: ErrorRecoveryLevel must be 0"}},
		{"option bad digest", "option DataDigest crc32c", []string{"1: DataDigest takes None, CRC32C"}},
		{"option twice", "option Wthreads 4\noption Wthreads 5", []string{"2: option Wthreads given twice (first at t.conf:1)"}},
		{"option IncomingUser", pre + "target t1\noption IncomingUser a b", []string{"3: CHAP accounts are written \"user incoming|outgoing NAME SECRET\""}},
		{"burst lengths", pre + "option FirstBurstLength 300000\ntarget t1", []string{"3: target t1: FirstBurstLength 300000 is larger than MaxBurstLength 262144"}},
		{"user outside target", "user incoming a secretsecret1", []string{"1: user must follow a target"}},
		{"secret with blank", pre + "target t1\nuser incoming alice \"a secret\"", []string{"3: target t1: secret of user \"alice\": contains blanks"}},
		{"two outgoing", pre + "target t1\nuser outgoing a secretsecret1\nuser outgoing b secretsecret2", []string{"4: target t1 has a second outgoing user (first at t.conf:3)"}},
		{"prefix after target", "target iqn.2001-04.com.example:t1\nprefix iqn.x:", []string{"2: prefix must come before the first target"}},
		{"lun before target", "lun 0 /dev/a/b", []string{"1: lun must follow a target"}},
		{"backup without placeholder", "backup lvm:/dev/vg/bk", []string{"1: backup: template \"lvm:/dev/vg/bk\" has no placeholder"}},
		{"backup unknown placeholder", "backup lvm:/dev/vg/{name}", []string{"1: backup: unknown placeholder {name}"}},
		{"backup same destination", pre + "target t1\nlun 0 /dev/a/lv\ntarget t2\nlun 0 /dev/b/lv\nbackup lvm:/dev/bk/{lv}", []string{"5: backup template sends LUN 0 of t1 and LUN 0 of t2 to the same destination lvm:/dev/bk/lv"}},
		{"include missing", "include nothere.conf", []string{"1: include nothere.conf:"}},
		{"global unknown", "global Foo bar", []string{"1: unknown global option \"Foo\""}},
		{"global target option", "global Wthreads 4", []string{"1: Wthreads is a target option"}},
		{"control char", "prefix iqn.x:\x01", []string{"1: column 14: control character"}},
		{
			name: "several errors, all reported",
			in:   pre + "target t1 host.example\nlun 0 /dev/a/b Bad=1\nlun x /dev/a/c",
			want: []string{"2: target t1: allow list:", "3: LUN 0: unknown LUN parameter", "4: LUN number \"x\""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.in), "t.conf")
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if c != nil {
				t.Error("a config with errors must yield no Config")
			}
			if !IsConfigError(err) {
				t.Errorf("IsConfigError(%v) = false", err)
			}
			pes := ParseErrors(err)
			if len(pes) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(pes), len(tt.want), err)
			}
			for i, w := range tt.want {
				got := pes[i].Error()
				if !strings.HasPrefix(got, "t.conf:"+w) {
					t.Errorf("error %d:\n got  %s\n want t.conf:%s...", i, got, w)
				}
			}
		})
	}
}

func TestParseIncludeCycle(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "cycle", "a.conf"))
	if err == nil || !strings.Contains(err.Error(), "includes itself") {
		t.Fatalf("want include cycle error, got %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.conf")
	if err == nil || !strings.Contains(err.Error(), "testdata/does-not-exist.conf: cannot read config") {
		t.Fatalf("got %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	u := User{Dir: Incoming, Name: "alice", Secret: "topsecret-value"}
	for _, s := range []string{
		u.Secret.String(),
		strings.Join([]string{fmtSprint(u), fmtSprintV(u), fmtSprintSharpV(u)}, "|"),
	} {
		if strings.Contains(s, "topsecret") {
			t.Errorf("secret printed: %s", s)
		}
	}
}
