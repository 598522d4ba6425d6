package ietsim

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantLUN checks LUN 0 of target 1, ignoring its path.
func wantLUN(want LUN) func(t *testing.T, s *Sim) {
	return func(t *testing.T, s *Sim) {
		t.Helper()
		luns := target(t, s, 1).LUNs
		if len(luns) != 1 {
			t.Fatalf("LUNs = %+v, want one", luns)
		}
		got := luns[0]
		got.Path = ""
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LUN (-want +got):\n%s", diff)
		}
	}
}

func wantNoLUN(t *testing.T, s *Sim) {
	t.Helper()
	if luns := target(t, s, 1).LUNs; len(luns) != 0 {
		t.Errorf("LUNs = %+v, want none", luns)
	}
}

func TestLUNNew(t *testing.T) {
	const size = 10 << 20 // 20480 blocks of 512
	// One backing file serves every case: adding a LUN only reads it.
	file := backingFile(t, size)
	setup := withTarget
	newLUN := func(params string) []string {
		return []string{"--op", "new", "--tid=1", "--lun=0", "--params", strings.ReplaceAll(params, "FILE", file)}
	}
	runOpCases(t, []opCase{
		{
			name: "fileio defaults", setup: setup, args: newLUN("Path=FILE"),
			check: wantLUN(LUN{IOType: "fileio", IOMode: "wt", BlockSize: 512, Blocks: 20480}),
		},
		{
			name: "all keys", setup: setup,
			args: newLUN("Path=FILE,Type=fileio,ScsiId=AMHDSK-061207-02,ScsiSN=SN0123456789,IOMode=wb,BlockSize=4096"),
			check: wantLUN(LUN{IOType: "fileio", IOMode: "wb", BlockSize: 4096, Blocks: 2560,
				ScsiID: "AMHDSK-061207-02", ScsiSN: "SN0123456789"}),
		},
		{
			name: "1.4.20 keys are case-insensitive", setup: setup, args: newLUN("path=FILE,TYPE=fileio,iomode=ro"),
			check: wantLUN(LUN{IOType: "fileio", IOMode: "ro", BlockSize: 512, Blocks: 20480}),
		},
		{name: "1.4.19 keys are case-sensitive", version: "1.4.19", setup: setup, args: newLUN("path=FILE"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "values are case-sensitive", setup: setup, args: newLUN("Path=FILE,Type=FileIO"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "unknown key", setup: setup, args: newLUN("Path=FILE,Foo=1"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "no Path", setup: setup, args: newLUN("Type=fileio"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "no params", setup: setup, args: []string{"--op", "new", "--tid=1", "--lun=0"}, exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "nullio is not simulated", setup: setup, args: newLUN("Type=nullio,Blocks=100"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "BlockSize not a power of two", setup: setup, args: newLUN("Path=FILE,BlockSize=1000"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "BlockSize above 4096", setup: setup, args: newLUN("Path=FILE,BlockSize=8192"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "BlockSize before 1.4.20", version: "1.4.19", setup: setup, args: newLUN("Path=FILE,BlockSize=4096"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "bad IOMode", setup: setup, args: newLUN("Path=FILE,IOMode=WB"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "IOMode before 0.4.14", version: "0.4.12", setup: setup, args: newLUN("Path=FILE,IOMode=wb"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "blockio before 0.4.15", version: "0.4.12", setup: setup, args: newLUN("Path=FILE,Type=blockio"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "ScsiId of 16 (1.4.20)", setup: setup, args: newLUN("Path=FILE,ScsiId=" + strings.Repeat("i", 16)),
			check: wantLUN(LUN{IOType: "fileio", IOMode: "wt", BlockSize: 512, Blocks: 20480, ScsiID: strings.Repeat("i", 16)})},
		{name: "ScsiId of 17 (1.4.20)", setup: setup, args: newLUN("Path=FILE,ScsiId=" + strings.Repeat("i", 17)), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "ScsiSN of 33 (1.4.20)", setup: setup, args: newLUN("Path=FILE,ScsiSN=" + strings.Repeat("s", 33)), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "ScsiId of 24 (1.4.19)", version: "1.4.19", setup: setup, args: newLUN("Path=FILE,ScsiId=" + strings.Repeat("i", 24)),
			check: wantLUN(LUN{IOType: "fileio", IOMode: "wt", BlockSize: 512, Blocks: 20480, ScsiID: strings.Repeat("i", 24)})},
		{name: "ScsiSN of 17 (1.4.19)", version: "1.4.19", setup: setup, args: newLUN("Path=FILE,ScsiSN=" + strings.Repeat("s", 17)), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "ScsiSN not printable", setup: setup, args: newLUN("Path=FILE,ScsiSN=a\tb"), exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{name: "missing path", setup: setup, args: newLUN("Path=/nonexistent/disk.img"), exit: 254, stderr: errENOENT, check: wantNoLUN},
		{name: "directory", setup: setup, args: newLUN("Path=/"), exit: 235, stderr: "Is a directory\n", check: wantNoLUN},
		{name: "blockio on a regular file", setup: setup, args: newLUN("Path=FILE,Type=blockio"), exit: 241, stderr: errENOTBLK, check: wantNoLUN},
		{name: "unknown target", setup: setup, args: []string{"--op", "new", "--tid=2", "--lun=0", "--params", "Path=" + file}, exit: 254, stderr: errENOENT},
		{
			name: "LUN 16383 is the last", setup: setup,
			args: []string{"--op", "new", "--tid=1", "--lun=16383", "--params", "Path=" + file},
			check: func(t *testing.T, s *Sim) {
				if luns := target(t, s, 1).LUNs; len(luns) != 1 || luns[0].LUN != 16383 {
					t.Errorf("LUNs = %+v", luns)
				}
			},
		},
		{name: "LUN 16384", setup: setup, args: []string{"--op", "new", "--tid=1", "--lun=16384", "--params", "Path=" + file}, exit: 234, stderr: errEINVAL, check: wantNoLUN},
		{
			name: "LUN exists",
			setup: func(t *testing.T, s *Sim) {
				setup(t, s)
				mustRun(t, s, newLUN("Path=FILE")...)
			},
			args: newLUN("Path=FILE,BlockSize=4096"), exit: 239, stderr: errEEXIST,
			check: wantLUN(LUN{IOType: "fileio", IOMode: "wt", BlockSize: 512, Blocks: 20480}),
		},
		{name: "update is unsupported", setup: setup, args: []string{"--op", "update", "--tid=1", "--lun=0", "--params", "Path=" + file},
			exit: 234, stderr: "Unsupported.\n" + errEINVAL},
		{name: "a LUN needs --tid", setup: setup, args: []string{"--op", "new", "--lun=0", "--params", "Path=" + file}, exit: 234, stderr: errEINVAL},
	})
}

func TestLUNDelete(t *testing.T) {
	withLUN := func(t *testing.T, s *Sim) {
		withSession(t, s)
		mustRun(t, s, "--op", "new", "--tid=1", "--lun=0", "--params", "Path="+backingFile(t, 1<<20))
	}
	runOpCases(t, []opCase{
		{name: "succeeds while sessions exist", setup: withLUN, args: []string{"--op", "delete", "--tid=1", "--lun=0"}, check: wantNoLUN},
		{name: "missing LUN", setup: withLUN, args: []string{"--op", "delete", "--tid=1", "--lun=1"}, exit: 254, stderr: errENOENT},
		{name: "missing target", setup: withLUN, args: []string{"--op", "delete", "--tid=2", "--lun=0"}, exit: 254, stderr: errENOENT},
		{name: "show an existing LUN prints nothing", setup: withLUN, args: []string{"--op", "show", "--tid=1", "--lun=0"}},
	})
}

// TestLUNSizeReadOnce grows the backing file of a LUN: /proc keeps the
// size read when the LUN was added until it is deleted and added again.
func TestLUNSizeReadOnce(t *testing.T) {
	s := newSim(t, "1.4.20")
	withTarget(t, s)
	file := backingFile(t, 1<<20)
	add := []string{"--op", "new", "--tid=1", "--lun=0", "--params", "Path=" + file + ",BlockSize=4096"}
	mustRun(t, s, add...)
	const before = "tid:1 name:iqn.2001-04.com.example:t1\n" +
		"\tlun:0 state:0 iotype:fileio iomode:wt blocks:256 blocksize:4096 path:"
	if got, want := readProc(t, s, "volume"), before+file+"\n"; got != want {
		t.Fatalf("volume = %q, want %q", got, want)
	}

	if err := os.Truncate(file, 3<<20); err != nil {
		t.Fatal(err)
	}
	mustRun(t, s, "--op", "update", "--tid=1", "--params", "Wthreads=4") // any change re-renders
	if got, want := readProc(t, s, "volume"), before+file+"\n"; got != want {
		t.Errorf("after growing the file: volume = %q, want the old size %q", got, want)
	}

	mustRun(t, s, "--op", "delete", "--tid=1", "--lun=0")
	mustRun(t, s, add...)
	want := strings.Replace(before, "blocks:256", "blocks:768", 1) + file + "\n"
	if got := readProc(t, s, "volume"); got != want {
		t.Errorf("after delete and add: volume = %q, want %q", got, want)
	}
}
