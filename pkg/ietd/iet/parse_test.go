package iet

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

var stateCmp = []cmp.Option{cmpopts.EquateComparable(netip.Addr{}), cmpopts.EquateEmpty()}

func fixtureDir(version string) string {
	return filepath.Join("..", "..", "..", "testdata", "iet", "proc", version)
}

func loadFixture(t testing.TB, version string) *ietd.State {
	t.Helper()
	dir := fixtureDir(version)
	vf, err := os.Open(filepath.Join(dir, "volume"))
	if err != nil {
		t.Fatal(err)
	}
	defer vf.Close()
	vol, err := ParseVolume(vf, "volume")
	if err != nil {
		t.Fatal(err)
	}
	sf, err := os.Open(filepath.Join(dir, "session"))
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	sess, err := ParseSession(sf, "session")
	if err != nil {
		t.Fatal(err)
	}
	return Merge(vol, sess)
}

// sessions are the same in every fixture: the format never changed.
func fixtureSessions() map[int][]ietd.Session {
	return map[int][]ietd.Session{
		1: {
			{SID: 281474997486080, Initiator: "iqn.1993-08.org.debian:01:node-a", Conns: []ietd.Conn{
				{CID: 0, IP: netip.MustParseAddr("198.51.100.10"), State: "active", HeaderDigest: "none", DataDigest: "none"},
				{CID: 1, IP: netip.MustParseAddr("198.51.100.11"), State: "active", HeaderDigest: "none", DataDigest: "none"},
			}},
			{SID: 562949970198016, Initiator: "iqn.1993-08.org.debian:01:node-b"},
		},
		5: {
			{SID: 844424947908608, Initiator: "iqn.1991-05.com.microsoft:win-host", Conns: []ietd.Conn{
				{CID: 0, IP: netip.MustParseAddr("2001:db8::10"), State: "active", HeaderDigest: "crc32c", DataDigest: "none"},
			}},
		},
	}
}

func TestParseFixtures(t *testing.T) {
	const (
		lvm   = "iqn.2001-04.com.example:storage.lvm"
		empty = "iqn.2001-04.com.example:storage.empty"
		files = "iqn.2001-04.com.example:storage.files"
	)
	s := fixtureSessions()
	tests := map[string][]ietd.Target{
		"1.4.20": {
			{TID: 1, Name: lvm, Sessions: s[1], LUNs: []ietd.LUN{
				{Number: 0, Path: "/dev/vg0/lv_disk1_0", IOType: "blockio", IOMode: "wt", Blocks: 20971520, BlockSize: 512, SizeKnown: true},
				{Number: 1, Path: "/dev/vg0/lv_disk1_1", IOType: "blockio", IOMode: "ro", Blocks: 262144, BlockSize: 4096, SizeKnown: true},
				{Number: 2, IOType: "nullio", IOMode: "wt", Blocks: 1000000, BlockSize: 512, SizeKnown: true},
			}},
			{TID: 2, Name: empty},
			{TID: 5, Name: files, Sessions: s[5], LUNs: []ietd.LUN{
				{Number: 0, Path: "/srv/iscsi/files0.img", IOType: "fileio", IOMode: "wb", Blocks: 2097152, BlockSize: 512, SizeKnown: true},
				{Number: 7, Path: "/srv/iscsi/files7.img", IOType: "fileio", IOMode: "wt", State: 1, Blocks: 409600, BlockSize: 512, SizeKnown: true},
			}},
		},
		"1.4.19": {
			{TID: 1, Name: lvm, Sessions: s[1], LUNs: []ietd.LUN{
				{Number: 0, Path: "/dev/vg0/lv_disk1_0", IOType: "blockio", IOMode: "wt"},
				{Number: 1, Path: "/dev/vg0/lv_disk1_1", IOType: "blockio", IOMode: "ro"},
				{Number: 2, IOType: "nullio", IOMode: "wt"},
			}},
			{TID: 2, Name: empty},
			{TID: 5, Name: files, Sessions: s[5], LUNs: []ietd.LUN{
				{Number: 0, Path: "/srv/iscsi/files0.img", IOType: "fileio", IOMode: "wb"},
				{Number: 7, Path: "/srv/iscsi/files7.img", IOType: "fileio", IOMode: "wt", State: 1},
			}},
		},
		"0.4.12": {
			{TID: 1, Name: lvm, Sessions: s[1], LUNs: []ietd.LUN{
				{Number: 0, Path: "/dev/vg0/lv_disk1_0", IOType: "fileio"},
				{Number: 1, IOType: "nullio"},
			}},
			{TID: 2, Name: empty},
			{TID: 5, Name: files, Sessions: s[5], LUNs: []ietd.LUN{
				{Number: 0, Path: "/srv/iscsi/files0.img", IOType: "fileio"},
				{Number: 7, Path: "/srv/iscsi/files7.img", IOType: "fileio", State: 1},
			}},
		},
	}
	tests["0.4.15"] = tests["1.4.19"]
	for version, want := range tests {
		t.Run(version, func(t *testing.T) {
			got := loadFixture(t, version)
			if diff := cmp.Diff(want, got.Targets, stateCmp...); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		session        bool
	}{
		{name: "lun before target", in: "\tlun:0 state:0 iotype:fileio path:/x\n", want: "volume:1: LUN line before any target line"},
		{name: "bad tid", in: "tid:x name:iqn.a\n", want: "volume:1: target line \"tid:x name:iqn.a\": no valid tid"},
		{name: "no name", in: "tid:1\n", want: "volume:1: target line \"tid:1\": no name"},
		{name: "bad lun", in: "tid:1 name:a\n\tlun:-1 path:/x\n", want: "volume:2: LUN line"},
		{name: "bad state", in: "tid:1 name:a\n\tlun:0 state:zz\n", want: "volume:2: LUN line \"\\tlun:0 state:zz\": state \"zz\" is not hex"},
		{name: "bad blocksize", in: "tid:1 name:a\n\tlun:0 blocks:10 blocksize:500\n", want: "volume:2: LUN line \"\\tlun:0 blocks:10 blocksize:500\": bad blocks/blocksize"},
		{name: "deep indentation", in: "tid:1 name:a\n\t\t\tx:y\n", want: "volume:2: unexpected indentation"},
		{name: "conn before session", in: "tid:1 name:a\n\t\tcid:0 ip:1.2.3.4\n", want: "session:2: connection line before any session line", session: true},
		{name: "bad sid", in: "tid:1 name:a\n\tsid:-4 initiator:x\n", want: "session:2: session line \"\\tsid:-4 initiator:x\": no valid sid", session: true},
		{name: "bad cid", in: "tid:1 name:a\n\tsid:4 initiator:x\n\t\tcid:a ip:1.2.3.4\n", want: "session:3: connection line", session: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.session {
				_, err = ParseSession(strings.NewReader(tt.in), "session")
			} else {
				_, err = ParseVolume(strings.NewReader(tt.in), "volume")
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestParseTolerance(t *testing.T) {
	// Unknown fields (patched kernels), CRLF, blank lines and an IPv4
	// address printed wrongly by old builds on new kernels all parse.
	vol := "tid:1 name:iqn.a:b extra:1\r\n\n\tlun:0 state:0 iotype:fileio iomode:wt vendor:x path:/a\n"
	sess := "tid:1 name:iqn.a:b\n\tsid:1 initiator:iqn.x\n\t\tcid:0 ip:garbage state:active hd:none dd:none\n"
	v, err := ParseVolume(strings.NewReader(vol), "v")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSession(strings.NewReader(sess), "s")
	if err != nil {
		t.Fatal(err)
	}
	st := Merge(v, s)
	if st.Targets[0].LUNs[0].Path != "/a" || st.Targets[0].Sessions[0].Conns[0].IP.IsValid() {
		t.Errorf("%+v", st.Targets[0])
	}
}

func TestParseShow(t *testing.T) {
	out := "Wthreads=8\nType=0\nQueuedCommands=32\nNOPInterval=0\nNOPTimeout=0\nInitialR2T=Yes\nImmediateData=Yes\nMaxRecvDataSegmentLength=131072\nHeaderDigest=CRC32C\n"
	got := ParseShowTarget(out)
	want := map[string]string{"Wthreads": "8", "QueuedCommands": "32", "NOPInterval": "0", "NOPTimeout": "0",
		"InitialR2T": "Yes", "ImmediateData": "Yes", "MaxRecvDataSegmentLength": "131072", "HeaderDigest": "CRC32C"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if ParseShowTarget("") != nil {
		t.Error("empty show output should mean options unknown")
	}
	users, err := ParseShowUsers("IncomingUser alice\nIncomingUser bob\nOutgoingUser tgt\n")
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := []ietd.UserRef{{Dir: targetconf.Incoming, Name: "alice"}, {Dir: targetconf.Incoming, Name: "bob"}, {Dir: targetconf.Outgoing, Name: "tgt"}}
	if diff := cmp.Diff(wantUsers, users); diff != "" {
		t.Error(diff)
	}
	if _, err := ParseShowUsers("Foo bar\n"); err == nil {
		t.Error("unexpected account line accepted")
	}
}

// FuzzParseVolume: no panic; what parses has valid tids and sizes.
func FuzzParseVolume(f *testing.F) {
	for _, v := range []string{"0.4.12", "0.4.15", "1.4.19", "1.4.20"} {
		data, err := os.ReadFile(filepath.Join(fixtureDir(v), "volume"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ParseVolume(bytes.NewReader(data), "volume")
		if err != nil {
			return
		}
		for _, tg := range ts {
			if tg.TID <= 0 || tg.Name == "" {
				t.Fatalf("invalid target %+v", tg)
			}
			for _, l := range tg.LUNs {
				if l.SizeKnown && (l.BlockSize == 0 || l.Size() < 0) {
					t.Fatalf("invalid size %+v", l)
				}
			}
		}
	})
}

// FuzzParseSession: no panic; connections always belong to a session.
func FuzzParseSession(f *testing.F) {
	for _, v := range []string{"0.4.12", "1.4.20"} {
		data, err := os.ReadFile(filepath.Join(fixtureDir(v), "session"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ParseSession(bytes.NewReader(data), "session")
		if err != nil {
			return
		}
		st := Merge(nil, ts)
		for _, tg := range st.Targets {
			if tg.TID <= 0 {
				t.Fatalf("invalid tid %d", tg.TID)
			}
		}
	})
}
