package gds

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

// fixture is a published output under testdata/.
var fixture = snaptest.Fixture

// simVolumes is the simulator's rendering (constructed, not published):
// the columns seed 004 elides filled in, names overflowing their
// columns, a master, a parted proxy and the "*" areas.
const simVolumes = `OBJ    NAME    TYPE   CLASS   GROUP   DISK   MASTER PROXY SKIP JRM   1STBLK  LASTBLK   BLOCKS STATUS   PJRM
------ ------- ------ ------- ------- ------ ------ ----- ---- --- -------- -------- -------- -------- ----
volume *       mirror Class1  Group1  *      *      *     *    *          0    65535    65536 PRIVATE  *
volume Volume1 mirror Class1  Group1  *      *      *     off  on     65536  1114111  1048576 ACTIVE   *
volume *       mirror Class1  Group1  *      *      *     *    *    1114112  2162687  1048576 FREE     *
volume *       mirror Class1  Group2  *      *      *     *    *          0    65535    65536 PRIVATE  *
volume Volume10 mirror Class1  Group2  *      Volume9 Part  off  on     65536  1114111  1048576 ACTIVE   off
volume *       mirror Class1  Group2  *      *      *     *    *    1114112  2162687  1048576 FREE     *
`

func TestParseVolumes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Volume
		wantErr string
	}{
		{name: "seed 004 step 3-1", in: fixture(t, "seed004-sdxinfo-V-long.txt"),
			want: []Volume{{Name: "Volume2", Class: "Class1", Group: "Group2", Master: "Volume1", Proxy: "Join"}}},
		{name: "further columns and overflowing names", in: simVolumes,
			want: []Volume{
				{Name: "Volume1", Class: "Class1", Group: "Group1", Master: "*", Proxy: "*"},
				{Name: "Volume10", Class: "Class1", Group: "Group2", Master: "Volume9", Proxy: "Part"},
			}},
		{name: "columns in another order (constructed)", in: "OBJ NAME PROXY MASTER GROUP CLASS\n--- ---- ----- ------ ----- -----\nvolume V2 Part V1 G2 C1\n",
			want: []Volume{{Name: "V2", Class: "C1", Group: "G2", Master: "V1", Proxy: "Part"}}},
		{name: "a slice table too (sdxinfo -VS)", in: simVolumes + "\n" + fixture(t, "seed004-sdxinfo-S.txt"),
			want: []Volume{
				{Name: "Volume1", Class: "Class1", Group: "Group1", Master: "*", Proxy: "*"},
				{Name: "Volume10", Class: "Class1", Group: "Group2", Master: "Volume9", Proxy: "Part"},
			}},
		{name: "no volume", in: ""},
		{name: "header only", in: "OBJ    NAME    TYPE   CLASS   GROUP   DISK   MASTER PROXY\n------ ------- ------ ------- ------- ------ ------ -----\n"},
		{name: "without -e long (facts 2.4 layout)",
			in:      "OBJ    NAME    CLASS   GROUP   SKIP JRM 1STBLK   LASTBLK  BLOCKS   STATUS\n------ ------- ------- ------- ---- --- -------- -------- -------- --------\nvolume Volume2 Class1  Group2  off  on     65536  1114111  1048576 STOP\n",
			wantErr: "line 1: the volume header has no MASTER, PROXY column (the MASTER and PROXY columns need sdxinfo -e long)"},
		{name: "row before any header", in: "volume Volume2 mirror Class1\n", wantErr: `line 1: "volume Volume2 mirror Class1" before any OBJ header`},
		{name: "short row", in: "OBJ NAME TYPE CLASS GROUP DISK MASTER PROXY\nvolume Volume2 mirror Class1 Group2 *\n",
			wantErr: "line 2: 6 fields, short of the header's column 7"},
		{name: "another object in the table", in: "OBJ NAME CLASS GROUP MASTER PROXY\nvolume V2 C1 G2 V1 Join\nslice V2 C1 G2 V1 Join\n",
			wantErr: `line 3: a "slice" row in the table of "volume" rows started at line 1`},
		{name: "stray dashes", in: "------ -------\n", wantErr: "line 1: a line of dashes not under an OBJ header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVolumes(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrUnexpectedOutput) {
					t.Fatalf("err = %v, want ErrUnexpectedOutput with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseVolumes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSlices(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Slice
		wantErr string
	}{
		{name: "seed 004 steps 3-1 and 8-2", in: fixture(t, "seed004-sdxinfo-S.txt"),
			want: []Slice{{Class: "Class1", Group: "Group2", Disk: "Disk3", Volume: "Volume2", Status: "STOP"}}},
		{name: "mirror in copy (constructed)", in: `OBJ    CLASS   GROUP   DISK    VOLUME  STATUS
------ ------- ------- ------- ------- --------
slice  Class1  Group1  Disk1   Volume1 ACTIVE
slice  Class1  Group2  Disk3   Volume2 COPY
slice  Class1  Group2  Disk4   Volume2 INVALID
`, want: []Slice{
			{Class: "Class1", Group: "Group1", Disk: "Disk1", Volume: "Volume1", Status: "ACTIVE"},
			{Class: "Class1", Group: "Group2", Disk: "Disk3", Volume: "Volume2", Status: "COPY"},
			{Class: "Class1", Group: "Group2", Disk: "Disk4", Volume: "Volume2", Status: "INVALID"},
		}},
		{name: "more columns (constructed -e long)", in: "OBJ    NAME          CLASS   GROUP   DISK    VOLUME  STATUS   COPY\n" +
			"------ ------------- ------- ------- ------- ------- -------- ----\n" +
			"slice  Disk3.Volume2 Class1  Group2  Disk3   Volume2 COPY     42%\n",
			want: []Slice{{Class: "Class1", Group: "Group2", Disk: "Disk3", Volume: "Volume2", Status: "COPY"}}},
		{name: "a volume table too", in: simVolumes + fixture(t, "seed004-sdxinfo-S.txt"),
			want: []Slice{{Class: "Class1", Group: "Group2", Disk: "Disk3", Volume: "Volume2", Status: "STOP"}}},
		{name: "empty", in: "\n\n"},
		{name: "no STATUS", in: "OBJ CLASS GROUP DISK VOLUME\nslice C1 G2 D3 V2\n", wantErr: "the slice header has no STATUS column"},
		{name: "short row", in: "OBJ CLASS GROUP DISK VOLUME STATUS\nslice C1 G2 D3 V2\n", wantErr: "line 2: 5 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSlices(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrUnexpectedOutput) {
					t.Fatalf("err = %v, want ErrUnexpectedOutput with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseSlices (-want +got):\n%s", diff)
			}
		})
	}
}

// validField is what a parsed field must look like: one blank-free,
// non-empty word.
func validField(s string) bool {
	return s != "" && !strings.ContainsFunc(s, unicode.IsSpace)
}

func FuzzParseVolumes(f *testing.F) {
	f.Add(fixture(f, "seed004-sdxinfo-V-long.txt"))
	f.Add(simVolumes)
	f.Add(simVolumes + fixture(f, "seed004-sdxinfo-S.txt"))
	f.Add("OBJ NAME\nvolume\n")
	f.Fuzz(func(t *testing.T, in string) {
		vols, err := ParseVolumes(in)
		if err != nil {
			if !errors.Is(err, ErrUnexpectedOutput) {
				t.Fatalf("error not ErrUnexpectedOutput: %v", err)
			}
			return
		}
		for _, v := range vols {
			if v.Name == fieldNone {
				t.Fatalf("a * area parsed as a volume: %+v", v)
			}
			for _, s := range []string{v.Name, v.Class, v.Group, v.Master, v.Proxy} {
				if !validField(s) {
					t.Fatalf("bad field %q in %+v", s, v)
				}
			}
		}
	})
}

func FuzzParseSlices(f *testing.F) {
	f.Add(fixture(f, "seed004-sdxinfo-S.txt"))
	f.Add(simVolumes + fixture(f, "seed004-sdxinfo-S.txt"))
	f.Add("OBJ CLASS GROUP DISK VOLUME STATUS\nslice C1 G2 D3 V2\n")
	f.Fuzz(func(t *testing.T, in string) {
		sl, err := ParseSlices(in)
		if err != nil {
			if !errors.Is(err, ErrUnexpectedOutput) {
				t.Fatalf("error not ErrUnexpectedOutput: %v", err)
			}
			return
		}
		for _, s := range sl {
			for _, v := range []string{s.Class, s.Group, s.Disk, s.Volume, s.Status} {
				if !validField(v) {
					t.Fatalf("bad field %q in %+v", v, s)
				}
			}
		}
	})
}
