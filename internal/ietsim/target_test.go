package ietsim

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func wantTIDs(want ...uint32) func(t *testing.T, s *Sim) {
	return func(t *testing.T, s *Sim) {
		t.Helper()
		if diff := cmp.Diff(want, tids(s)); diff != "" {
			t.Errorf("tids (-want +got):\n%s", diff)
		}
	}
}

func withTarget(t *testing.T, s *Sim) { addTarget(t, s, "1", "iqn.2001-04.com.example:t1") }

func withSession(t *testing.T, s *Sim) {
	withTarget(t, s)
	if err := s.AddSession(1, 100, "iqn.1993-08.org.debian:01:a",
		Conn{CID: 0, IP: netip.MustParseAddr("198.51.100.1")},
		Conn{CID: 1, IP: netip.MustParseAddr("198.51.100.2")}); err != nil {
		t.Fatal(err)
	}
}

func TestTargetNewDelete(t *testing.T) {
	runOpCases(t, []opCase{
		{
			name:  "tid 0 allocates the first id",
			args:  []string{"--op", "new", "--tid=0", "--params", "Name=iqn.2001-04.com.example:a"},
			check: wantTIDs(1),
		},
		{
			name: "allocation is monotonic, skips used ids and does not reuse deleted ones",
			setup: func(t *testing.T, s *Sim) {
				mustRun(t, s, "--op", "new", "--tid=0", "--params", "Name=iqn.x:a") // 1
				mustRun(t, s, "--op", "new", "--tid=3", "--params", "Name=iqn.x:c") // explicit
				mustRun(t, s, "--op", "new", "--tid=0", "--params", "Name=iqn.x:b") // 2
				mustRun(t, s, "--op", "new", "--tid=0", "--params", "Name=iqn.x:d") // 4, skipping 3
				mustRun(t, s, "--op", "delete", "--tid=4")
				mustRun(t, s, "--op", "delete", "--tid=1")
			},
			args:  []string{"--op", "new", "--tid", "0", "--params", "Name=iqn.x:e"},
			check: wantTIDs(2, 3, 5),
		},
		{
			name:  "explicit tid",
			args:  []string{"--op", "new", "--tid=42", "--params=Name=iqn.x:a"},
			check: wantTIDs(42),
		},
		{
			name:   "explicit tid in use",
			setup:  withTarget,
			args:   []string{"--op", "new", "--tid=1", "--params", "Name=iqn.x:other"},
			exit:   239,
			stderr: errEEXIST,
			check:  wantTIDs(1),
		},
		{
			name:   "duplicate name is ietd's EINVAL",
			setup:  withTarget,
			args:   []string{"--op", "new", "--tid=0", "--params", "Name=iqn.2001-04.com.example:t1"},
			exit:   234,
			stderr: errEINVAL,
			check:  wantTIDs(1),
		},
		{
			name:   "only Name, spelled exactly",
			args:   []string{"--op", "new", "--tid=0", "--params", "name=iqn.x:a"},
			exit:   234,
			stderr: errEINVAL,
			check:  wantTIDs(),
		},
		{
			name:   "no params",
			args:   []string{"--op", "new", "--tid=0"},
			exit:   234,
			stderr: errEINVAL,
		},
		{
			name: "the name is the rest of the params, commas included",
			args: []string{"--op", "new", "--tid=0", "--params", "Name=iqn.x:a,Wthreads=4"},
			check: func(t *testing.T, s *Sim) {
				if got := target(t, s, 1).Name; got != "iqn.x:a,Wthreads=4" {
					t.Errorf("name = %q", got)
				}
			},
		},
		{
			name:   "delete unknown target",
			args:   []string{"--op", "delete", "--tid=9"},
			exit:   254,
			stderr: errENOENT,
		},
		{
			name:   "delete refused while sessions exist",
			setup:  withSession,
			args:   []string{"--op", "delete", "--tid=1"},
			exit:   240,
			stderr: errEBUSY,
			check:  wantTIDs(1),
		},
		{
			name: "delete takes the LUNs and accounts with it",
			setup: func(t *testing.T, s *Sim) {
				withTarget(t, s)
				mustRun(t, s, "--op", "new", "--tid=1", "--lun=0", "--params", "Path="+backingFile(t, 1<<20))
				mustRun(t, s, "--op", "new", "--tid=1", "--user", "--params", "IncomingUser=u,Password=p")
				mustRun(t, s, "--op", "delete", "--tid=1")
			},
			args: []string{"--op", "new", "--tid=1", "--params", "Name=iqn.2001-04.com.example:t1"},
			check: func(t *testing.T, s *Sim) {
				tg := target(t, s, 1)
				if len(tg.LUNs) != 0 || len(tg.Accounts.Incoming) != 0 {
					t.Errorf("re-created target has LUNs %v, accounts %v", tg.LUNs, tg.Accounts)
				}
				if got := readProc(t, s, "volume"); got != "tid:1 name:iqn.2001-04.com.example:t1\n" {
					t.Errorf("volume = %q", got)
				}
			},
		},
	})
}

// wantParam checks one stored parameter of target 1.
func wantParam(key string, want uint32) func(t *testing.T, s *Sim) {
	return func(t *testing.T, s *Sim) {
		t.Helper()
		tg := target(t, s, 1)
		got, ok := tg.Params[key]
		if !ok {
			got, ok = tg.SessionParams[key]
		}
		if !ok || got != want {
			t.Errorf("%s = %d (present %v), want %d", key, got, ok, want)
		}
	}
}

func TestTargetUpdate(t *testing.T) {
	update := func(params string) []string { return []string{"--op", "update", "--tid=1", "--params", params} }
	runOpCases(t, []opCase{
		{name: "session key", setup: withTarget, args: update("MaxBurstLength=131072"), check: wantParam("MaxBurstLength", 131072)},
		{name: "keys are case-insensitive", setup: withTarget, args: update("maxrecvdatasegmentlength=65536"), check: wantParam("MaxRecvDataSegmentLength", 65536)},
		{name: "target key", setup: withTarget, args: update("Wthreads=16"), check: wantParam("Wthreads", 16)},
		{name: "numbers are strtol base 0", setup: withTarget, args: update("QueuedCommands=0x40"), check: wantParam("QueuedCommands", 64)},
		{name: "boolean", setup: withTarget, args: update("InitialR2T=No"), check: wantParam("InitialR2T", 0)},
		{
			name:  "out of range is silently the minimum: the MaxRecvDataSegmentLength trap",
			setup: withTarget, args: update("MaxRecvDataSegmentLength=1048576"),
			check: wantParam("MaxRecvDataSegmentLength", 512),
		},
		{name: "Wthreads 0 becomes 1", setup: withTarget, args: update("Wthreads=0"), check: wantParam("Wthreads", 1)},
		{name: "DefaultTime2Retain is forced to 0", setup: withTarget, args: update("DefaultTime2Retain=20"), check: wantParam("DefaultTime2Retain", 0)},
		{name: "NOPTimeout 0 follows NOPInterval", setup: withTarget, args: update("NOPInterval=10"), check: wantParam("NOPTimeout", 10)},
		{name: "NOPTimeout below NOPInterval is kept", setup: withTarget, args: update("NOPInterval=10,NOPTimeout=5"), check: wantParam("NOPTimeout", 5)},
		{name: "digest list", setup: withTarget, args: update("HeaderDigest=CRC32C,None"), check: wantParam("HeaderDigest", DigestNone|DigestCRC32C)},
		{name: "items without = are skipped", setup: withTarget, args: update("junk,,ImmediateData=No"), check: wantParam("ImmediateData", 0)},
		{
			name: "unknown key", setup: withTarget, args: update("MaxBurstLength=4096,Foo=1"),
			exit: 234, stderr: "Unknown parameter Foo\n" + errEINVAL,
			check: wantParam("MaxBurstLength", 262144),
		},
		{
			name: "Yes and No are case-sensitive", setup: withTarget, args: update("InitialR2T=no"),
			exit: 234, stderr: errEINVAL, check: wantParam("InitialR2T", 1),
		},
		{name: "unknown target", setup: withTarget, args: []string{"--op", "update", "--tid=2", "--params", "Wthreads=4"}, exit: 254, stderr: errENOENT},
	})
}

const defaultShow = `Wthreads=8
Type=0
QueuedCommands=32
NOPInterval=0
NOPTimeout=0
InitialR2T=Yes
ImmediateData=Yes
MaxConnections=1
MaxRecvDataSegmentLength=8192
MaxXmitDataSegmentLength=8192
MaxBurstLength=262144
FirstBurstLength=65536
DefaultTime2Wait=2
DefaultTime2Retain=0
MaxOutstandingR2T=1
DataPDUInOrder=Yes
DataSequenceInOrder=Yes
ErrorRecoveryLevel=0
HeaderDigest=None
DataDigest=None
OFMarker=No
IFMarker=No
OFMarkInt=2048
IFMarkInt=2048
`

func TestTargetShow(t *testing.T) {
	show := []string{"--op", "show", "--tid=1"}
	runOpCases(t, []opCase{
		{name: "1.4.20 defaults", setup: withTarget, args: show, stdout: defaultShow},
		{
			name: "1.4.20 after update",
			setup: func(t *testing.T, s *Sim) {
				withTarget(t, s)
				mustRun(t, s, "--op", "update", "--tid=1", "--params", "InitialR2T=No,DataDigest=CRC32C,MaxRecvDataSegmentLength=262144")
			},
			args: show,
			stdout: replaceLines(defaultShow, map[string]string{
				"InitialR2T": "No", "DataDigest": "CRC32C", "MaxRecvDataSegmentLength": "262144",
			}),
		},
		{name: "1.4.20 unknown target", args: show, exit: 254, stderr: errENOENT},
		{name: "1.4.19 prints nothing", version: "1.4.19", setup: withTarget, args: show},
		{name: "0.4.12 prints nothing", version: "0.4.12", setup: withTarget, args: show},
		{
			name: "session show with sid 0 prints the session keys", setup: withTarget,
			args:   []string{"--op", "show", "--tid=1", "--sid=0"},
			stdout: defaultShow[len("Wthreads=8\nType=0\nQueuedCommands=32\nNOPInterval=0\nNOPTimeout=0\n"):],
		},
		{name: "session show, unknown sid", setup: withTarget, args: []string{"--op", "show", "--tid=1", "--sid=5"}, exit: 254, stderr: errENOENT},
	})
}

// replaceLines replaces the values of Key=Value lines.
func replaceLines(text string, values map[string]string) string {
	var out string
	for _, l := range lines(text) {
		for k, v := range values {
			if len(l) > len(k) && l[:len(k)+1] == k+"=" {
				l = k + "=" + v + "\n"
			}
		}
		out += l
	}
	return out
}
