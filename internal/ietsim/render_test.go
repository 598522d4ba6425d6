package ietsim

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixtureTargets is the state the fixtures under testdata/iet/proc show,
// without their nullio LUNs (not simulated).
func fixtureTargets(version string) []Target {
	lvm := []LUN{
		{LUN: 0, Path: "/dev/vg0/lv_disk1_0", IOType: "blockio", IOMode: "wt", BlockSize: 512, Blocks: 20971520},
		{LUN: 1, Path: "/dev/vg0/lv_disk1_1", IOType: "blockio", IOMode: "ro", BlockSize: 4096, Blocks: 262144},
	}
	if version == "0.4.12" {
		// No blockio before 0.4.15: the volume is exported through fileio.
		lvm = []LUN{{LUN: 0, Path: "/dev/vg0/lv_disk1_0", IOType: "fileio", IOMode: "wt", BlockSize: 512, Blocks: 20971520}}
	}
	return []Target{
		{
			TID: 1, Name: "iqn.2001-04.com.example:storage.lvm",
			LUNs: lvm,
			Sessions: []Session{
				{SID: 281474997486080, Initiator: "iqn.1993-08.org.debian:01:node-a", Conns: []Conn{
					{CID: 0, IP: netip.MustParseAddr("198.51.100.10"), State: "active", HD: "none", DD: "none"},
					{CID: 1, IP: netip.MustParseAddr("198.51.100.11"), State: "active", HD: "none", DD: "none"},
				}},
				{SID: 562949970198016, Initiator: "iqn.1993-08.org.debian:01:node-b"},
			},
		},
		{TID: 2, Name: "iqn.2001-04.com.example:storage.empty"},
		{
			TID: 5, Name: "iqn.2001-04.com.example:storage.files",
			LUNs: []LUN{
				{LUN: 0, Path: "/srv/iscsi/files0.img", IOType: "fileio", IOMode: "wb", BlockSize: 512, Blocks: 2097152},
				{LUN: 7, Path: "/srv/iscsi/files7.img", IOType: "fileio", IOMode: "wt", BlockSize: 512, Blocks: 409600, State: 1},
			},
			Sessions: []Session{
				{SID: 844424947908608, Initiator: "iqn.1991-05.com.microsoft:win-host", Conns: []Conn{
					{CID: 0, IP: netip.MustParseAddr("2001:db8::10"), State: "active", HD: "crc32c", DD: "none"},
				}},
			},
		},
	}
}

// fixtureLines reads a fixture and drops its nullio lines.
func fixtureLines(t *testing.T, version, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "iet", "proc", version, name))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range lines(string(data)) {
		if !strings.Contains(l, "iotype:nullio") {
			kept = append(kept, l)
		}
	}
	return kept
}

// lines splits s after each newline; a last line without one is kept, so
// a missing final newline shows in a diff.
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

func TestRenderMatchesFixtures(t *testing.T) {
	for _, version := range []string{"0.4.12", "0.4.15", "1.4.19", "1.4.20"} {
		t.Run(version, func(t *testing.T) {
			volume, session, err := RenderProc(fixtureTargets(version), version)
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string][]byte{"volume": volume, "session": session} {
				if diff := cmp.Diff(fixtureLines(t, version, name), lines(string(got))); diff != "" {
					t.Errorf("%s (-fixture +rendered):\n%s", name, diff)
				}
			}
		})
	}
}

// TestSimWritesRenderedFiles checks that the files a Sim leaves under its
// root are RenderProc's output, and that every target shows in both.
func TestSimWritesRenderedFiles(t *testing.T) {
	for _, version := range []string{"0.4.12", "0.4.15", "1.4.19", "1.4.20"} {
		t.Run(version, func(t *testing.T) {
			s := newSim(t, version)
			addTarget(t, s, "1", "iqn.2001-04.com.example:a")
			addTarget(t, s, "3", "iqn.2001-04.com.example:b")
			mustRun(t, s, "--op", "new", "--tid=1", "--lun=0", "--params", "Path="+backingFile(t, 1<<20))
			if err := s.AddSession(3, 7, "iqn.1993-08.org.debian:01:x",
				Conn{CID: 0, IP: netip.MustParseAddr("fe80::1")}); err != nil {
				t.Fatal(err)
			}
			volume, session, err := RenderProc(s.Targets(), version)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(volume), readProc(t, s, "volume")); diff != "" {
				t.Errorf("volume (-RenderProc +file):\n%s", diff)
			}
			if diff := cmp.Diff(string(session), readProc(t, s, "session")); diff != "" {
				t.Errorf("session (-RenderProc +file):\n%s", diff)
			}
			wantSession := "tid:1 name:iqn.2001-04.com.example:a\n" +
				"tid:3 name:iqn.2001-04.com.example:b\n" +
				"\tsid:7 initiator:iqn.1993-08.org.debian:01:x\n" +
				"\t\tcid:0 ip:[fe80:0000:0000:0000:0000:0000:0000:0001] state:active hd:none dd:none\n"
			if diff := cmp.Diff(wantSession, string(session)); diff != "" {
				t.Errorf("session (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProcIP(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":        "192.0.2.1",
		"::1":              "[0000:0000:0000:0000:0000:0000:0000:0001]",
		"2001:db8:a::b:c":  "[2001:0db8:000a:0000:0000:0000:000b:000c]",
		"::ffff:192.0.2.1": "[0000:0000:0000:0000:0000:ffff:c000:0201]",
	} {
		if got := procIP(netip.MustParseAddr(in)); got != want {
			t.Errorf("procIP(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestRenderProcRejectsUnknownVersion(t *testing.T) {
	for _, v := range []string{"", "1.4", "0.4.11", "x.y.z"} {
		if _, _, err := RenderProc(nil, v); err == nil {
			t.Errorf("RenderProc(version %q) succeeded", v)
		}
	}
}
