package necism

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The layout of facts/snapdrivers-lvm.md section 1.3 (the cluster agent's
// docstring sample, de-indented).
const factsBVDetail = `BV Information
    LD Name      : xxxxxxxxxxx_00CC
    Type         : LX
    Special File : /dev/sdaq
    State        : normal
    Reserve Area : -

Pair Information
    SV:LD Name              : xxxxxxxxxxx_00cc_SV00ce
       Type                 : LX
       Generation(Attribute): -1(normal)
       Snap State           : snap/active        [2014/09/09 17:27:45]
       Create   Start Time  : 2014/09/09 17:27:45
       Processing Data Size : -
       Snapshot Data Size   : 47.4GB
       SV Guard             : off
       LV Link Status       : link
    LV:LD Name              : xxxxxxxxxxx_00cc_LV00cf
       Type                 : LX
       Special File         : /dev/sdar
       LV Access            : rw
    SV:LD Name              : xxxxxxxxxxx_00cc_SV00cd
       Type                 : LX
       Generation(Attribute): -2(normal)
       Snap State           : snap/active        [2014/09/09 17:19:12]
       Create   Start Time  : 2014/09/09 17:19:12
       Processing Data Size : -
       Snapshot Data Size   : 11.6GB
       SV Guard             : off
       LV Link Status       : link
    LV:LD Name              : xxxxxxxxxxx_00cc_LV00d0
       Type                 : LX
       LV Access            : rw
`

// The create output of the real log in seed 000.
const seedCreate = `iSMsc_create:Info: iSM19010: iSMsc_create has normally terminated.
   BV:SOURCE_0001         LX
      Special File : -
   SV:SOURCE_0001_SV006D  LX
      Generation : -1
      Status     : snap/active [2014/09/18 05:15:04]
`

func TestRenderAsPublished(t *testing.T) {
	loc := time.FixedZone("JST", 9*3600)
	s := &State{
		BVs: []*BV{{Name: "xxxxxxxxxxx_00CC", Type: "LX", Special: "/dev/sdaq", SVs: []*SV{
			{Name: "xxxxxxxxxxx_00cc_SV00ce", Type: "LX", Generation: -1, State: SnapActive,
				Time: time.Date(2014, 9, 9, 17, 27, 45, 0, loc), Size: "47.4GB"},
			{Name: "xxxxxxxxxxx_00cc_SV00cd", Type: "LX", Generation: -2, State: SnapActive,
				Time: time.Date(2014, 9, 9, 17, 19, 12, 0, loc), Size: "11.6GB"},
		}}},
		LVs: []*LV{
			{Name: "xxxxxxxxxxx_00cc_LV00cf", Type: "LX", Special: "/dev/sdar", Access: "rw", SV: "xxxxxxxxxxx_00cc_SV00ce"},
			{Name: "xxxxxxxxxxx_00cc_LV00d0", Type: "LX", Access: "rw", SV: "xxxxxxxxxxx_00cc_SV00cd"},
		},
	}
	if diff := cmp.Diff(factsBVDetail, renderBVDetail(s, s.BVs[0], loc)); diff != "" {
		t.Errorf("iSMsc_query -detail (-facts +sim):\n%s", diff)
	}
	// The SV line of iSMsc_query -sv, facts 1.3.
	s2 := &State{BVs: []*BV{{Name: "test_src_0000", Type: "LX", Special: "/dev/sdc", SVs: []*SV{{Name: "test_src_0000_SV0014",
		Type: "LX", Generation: -1, State: SnapActive, Time: time.Date(2014, 3, 24, 11, 16, 16, 0, loc)}}}},
		LVs: []*LV{{Name: "test_src_0000_LV0064", SV: "test_src_0000_SV0014"}}}
	want := "  LX:test_src_0000_SV0014    ( -1) snap/active   [2014/03/24 11:16:16] link\n"
	if got := renderSVQuery(s2, s2.BVs[0], s2.BVs[0].SVs[0], loc); !strings.HasSuffix(got, "\nSV Information\n"+want) {
		t.Errorf("iSMsc_query -sv:\n%s\nwant it to end with\n%s", got, want)
	}
	bv := &BV{Name: "SOURCE_0001", Type: "LX", Special: "-"}
	sv := &SV{Name: "SOURCE_0001_SV006D", Type: "LX", Generation: -1, State: SnapActive, Time: time.Date(2014, 9, 18, 5, 15, 4, 0, loc)}
	if diff := cmp.Diff(seedCreate, renderCreate(bv, sv, loc)); diff != "" {
		t.Errorf("iSMsc_create (-seed +sim):\n%s", diff)
	}
}

type result struct {
	Code           int
	Stdout, Stderr string
}

func run(t *testing.T, sim Sim, line string) result {
	t.Helper()
	var out, errb bytes.Buffer
	f := strings.Fields(line)
	code := sim.Run(f[0], f[1:], &out, &errb)
	return result{code, out.String(), errb.String()}
}

func newSim(t *testing.T) Sim {
	t.Helper()
	sim := Sim{Dir: t.TempDir(), Loc: time.UTC, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	pairs := []Pair{{"SRC", "SRC_SV1", "SRC_LV1"}, {"SRC", "SRC_SV2", "SRC_LV2"}}
	if err := Seed(sim.Dir, pairs, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return sim
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string) error
		lines []string
		want  result // of the last line
	}{
		{"create while linked", nil,
			[]string{"iSMsc_create -bv SRC -sv SRC_SV1 -bvflg ld -svflg ld"},
			result{1, "", "iSMsc_create:Error: iSM19103: Specified SV is linked to an LV (SRC_SV1 SRC_LV1)\n"}},
		{"create while another SV changes", func(dir string) error { return SetSVState(dir, "SRC_SV2", "snap/deleting", 0) },
			[]string{"iSMsc_unlink -lv SRC_LV1 -lvflg ld", "iSMsc_create -bv SRC -sv SRC_SV1 -bvflg ld -svflg ld"},
			result{1, "", "iSMsc_create:Error: iSM19411: Snapshot operation of the BV is in progress (SRC_SV2 snap/deleting)\n"}},
		{"unlink, create, link", nil,
			[]string{"iSMsc_unlink -lv SRC_LV2 -lvflg ld", "iSMsc_create -bv SRC -sv SRC_SV2 -bvflg ld -svflg ld",
				"iSMsc_link -lv SRC_LV2 -sv SRC_SV2 -lvflg ld -svflg ld", "iSMsc_query -sv SRC_SV2 -svflg ld"},
			result{0, "BV Information\n    LD Name      : SRC\n    Type         : LX\n    Special File : -\n    State        : normal\n    Reserve Area : -\n\nSV Information\n" +
				"  LX:SRC_SV2                 ( -1) snap/active   [2026/01/02 03:04:05] link\n", ""}},
		{"unlink twice", nil,
			[]string{"iSMsc_unlink -lv SRC_LV1 -lvflg ld", "iSMsc_unlink -lv SRC_LV1 -lvflg ld"},
			result{1, "", "iSMsc_unlink:Error: iSM20203: Specified LV is not linked (SRC_LV1)\n"}},
		{"link when linked", nil,
			[]string{"iSMsc_link -lv SRC_LV1 -sv SRC_SV2 -lvflg ld -svflg ld"},
			result{1, "", "iSMsc_link:Error: iSM20103: Specified LV is already linked (SRC_LV1 SRC_SV1)\n"}},
		{"unknown BV", nil,
			[]string{"iSMsc_query -bv NOPE -bvflg ld -detail"},
			result{1, "", "iSMsc_query:Error: iSM21102: Specified BV does not exist (NOPE)\n"}},
		{"bad option", nil,
			[]string{"iSMsc_unlink -lv SRC_LV1 -lvflg sfn"},
			result{1, "", "iSMsc_unlink:Error: iSM20201: Invalid volume type (-lvflg sfn)\n"}},
		{"failure once", func(dir string) error {
			return FailOn(dir, Failure{Command: "iSMsc_unlink", Arg: "SRC_LV1", Code: 4, Times: 1})
		},
			[]string{"iSMsc_unlink -lv SRC_LV1 -lvflg ld", "iSMsc_unlink -lv SRC_LV1 -lvflg ld"},
			result{0, "iSMsc_unlink:Info: iSM20030: iSMsc_unlink has normally terminated.\n", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim(t)
			if tt.setup != nil {
				if err := tt.setup(sim.Dir); err != nil {
					t.Fatal(err)
				}
			}
			var got result
			for _, l := range tt.lines {
				got = run(t, sim, l)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("last command (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFailureAndLog(t *testing.T) {
	sim := newSim(t)
	if err := FailOn(sim.Dir, Failure{Command: "iSMsc_query", Arg: "SRC", Code: 2}); err != nil {
		t.Fatal(err)
	}
	got := run(t, sim, "iSMsc_query -bv SRC -bvflg ld -detail")
	if want := (result{2, "", "iSMsc_query:Error: iSM90001: Communication with the disk array failed\n"}); got != want {
		t.Errorf("failure on demand: %+v, want %+v", got, want)
	}
	if got := run(t, sim, "iSMsc_query -sv SRC_SV1 -svflg ld"); got.Code != 0 {
		t.Errorf("a failure for another argument hit: %+v", got)
	}
	s, err := Read(sim.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Failures) != 1 {
		t.Errorf("a permanent failure was dropped: %+v", s.Failures)
	}
}

func TestSettle(t *testing.T) {
	sim := newSim(t)
	if err := SetSVState(sim.Dir, "SRC_SV2", "snap/deleting", 2); err != nil {
		t.Fatal(err)
	}
	var changing []bool
	for range 3 {
		out := run(t, sim, "iSMsc_query -bv SRC -bvflg ld -detail").Stdout
		changing = append(changing, strings.Contains(out, "snap/deleting"))
	}
	if diff := cmp.Diff([]bool{true, true, false}, changing); diff != "" {
		t.Errorf("snap/deleting shown (-want +got):\n%s", diff)
	}
	log, err := os.ReadFile(filepath.Join(sim.Dir, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("iSMsc_query -bv SRC -bvflg ld -detail\n", 3); string(log) != want {
		t.Errorf("commands.log:\n%s\nwant:\n%s", log, want)
	}
}
