package symclone

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

// fixture is a published output under testdata/.
var fixture = snaptest.Fixture

func TestParseQuery(t *testing.T) {
	clonegp := func(rows ...QueryRow) Query {
		return Query{Group: "clonegp", GroupType: "ANY", SymID: "000xxxxxx316", Rows: rows}
	}
	tests := []struct {
		name    string
		in      string
		want    Query
		wantErr string
	}{
		{
			name: "created (VMAX notes)",
			in:   fixture(t, "query_clonegp_created.txt"),
			want: clonegp(
				QueryRow{Source: "DEV001", SourceSym: "0E28", ProtectedTracks: 330000, Target: "BCV001", TargetSym: "1E37", Flags: "XXX.", State: "Created"},
				QueryRow{Source: "DEV002", SourceSym: "0E29", ProtectedTracks: 330000, Target: "BCV002", TargetSym: "1E38", Flags: "XXX.", State: "Created"}),
		},
		{
			name: "copy in progress (VMAX notes)",
			in:   fixture(t, "query_clonegp_copyinprog.txt"),
			want: clonegp(
				QueryRow{Source: "DEV001", SourceSym: "0E28", ProtectedTracks: 198821, Target: "BCV001", TargetSym: "1E37", Flags: "XXX.", State: "CopyInProg", Percent: 39},
				QueryRow{Source: "DEV002", SourceSym: "0E29", ProtectedTracks: 191705, Target: "BCV002", TargetSym: "1E38", Flags: "XXX.", State: "CopyInProg", Percent: 41}),
		},
		{
			name: "one device, no footer",
			in:   fixture(t, "query_clonepg_dev001.txt"),
			want: Query{Group: "clonepg", GroupType: "REGULAR", SymID: "000xxxxxx815", Rows: []QueryRow{
				{Source: "DEV001", SourceSym: "0120", ProtectedTracks: 33000, Target: "DEV002", TargetSym: "0121", Flags: "XXX.", State: "Created"},
			}},
		},
		{
			name: "no session",
			in:   fixture(t, "query_nosession.txt"),
			want: Query{NoSession: true},
		},
		{
			name: "long logical names shift the columns",
			in: strings.ReplaceAll(strings.ReplaceAll(fixture(t, "query_clonegp_copyinprog.txt"),
				"DEV001    0E28", "ORA_DATA_SOURCE_01 0E28"), "BCV001    1E37", "ORA_DATA_CLONE_01 1E37"),
			want: clonegp(
				QueryRow{Source: "ORA_DATA_SOURCE_01", SourceSym: "0E28", ProtectedTracks: 198821, Target: "ORA_DATA_CLONE_01", TargetSym: "1E37", Flags: "XXX.", State: "CopyInProg", Percent: 39},
				QueryRow{Source: "DEV002", SourceSym: "0E29", ProtectedTracks: 191705, Target: "BCV002", TargetSym: "1E38", Flags: "XXX.", State: "CopyInProg", Percent: 41}),
		},
		{
			name: "no CGDP column",
			in:   strings.ReplaceAll(strings.ReplaceAll(fixture(t, "query_clonegp_created.txt"), " XXX. ", " "), "CGDP ", ""),
			want: clonegp(
				QueryRow{Source: "DEV001", SourceSym: "0E28", ProtectedTracks: 330000, Target: "BCV001", TargetSym: "1E37", State: "Created"},
				QueryRow{Source: "DEV002", SourceSym: "0E29", ProtectedTracks: 330000, Target: "BCV002", TargetSym: "1E38", State: "Created"}),
		},
		{
			name: "empty table",
			in:   strings.Join(strings.Split(fixture(t, "query_clonepg_dev001.txt"), "\n")[:12], "\n"),
			want: Query{Group: "clonepg", GroupType: "REGULAR", SymID: "000xxxxxx815"},
		},
		{
			name:    "row with a column missing",
			in:      strings.Replace(fixture(t, "query_clonegp_created.txt"), "330000        0 BCV001", "330000 BCV001", 1),
			wantErr: "want 10 columns",
		},
		{
			name:    "percentage out of range",
			in:      strings.Replace(fixture(t, "query_clonegp_copyinprog.txt"), "CopyInProg    39", "CopyInProg   139", 1),
			wantErr: "copy percentage",
		},
		{
			name:    "sym not hexadecimal",
			in:      strings.Replace(fixture(t, "query_clonegp_created.txt"), "0E28", "0Z28", 1),
			wantErr: "not hexadecimal",
		},
		{
			name:    "not a query",
			in:      "symclone: command not found\n",
			wantErr: "no pair table",
		},
		{
			name:    "titles without dashes",
			in:      "Logical   Sym  Tracks    Tracks   Logical   Sym  Tracks   CGDP SRC <=> TGT  (%)\nDEV001\n",
			wantErr: "dashes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseQuery (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLDList(t *testing.T) {
	clone := &CloneInfo{SourceSym: "1234", TargetSym: "4321", State: "Copied", LastAction: "Thu Feb 25 10:20:56 2010", SourceChanged: "0", TargetChanged: "0"}
	tests := []struct {
		name    string
		in      string
		want    []LD
		wantErr string
	}{
		{
			name: "constructed listing",
			in:   fixture(t, "symld_list_v_dgcvi.txt"),
			want: []LD{
				{PhysicalName: "Not Visible", Sym: "1234", SymID: "000190101234", Logical: "DEV001", Revision: "5773", Clone: clone},
				{PhysicalName: "/dev/rdsk/c5t0d1", Sym: "4321", SymID: "000190101234", Logical: "CLONE001", Revision: "5773", Clone: clone},
				{PhysicalName: "Not Visible", Sym: "1235", SymID: "000190101234", Logical: "DEV002", Revision: "5773"},
			},
		},
		{
			name: "two-space keys and a bare State of Session, as the agent read them",
			in: "  Device Physical Name : /dev/sdc\n  Device Symmetrix Name : 0E29\n  Device Logical Name : CLONE001\n" +
				"  State of Session : Precopy\n  Time of Last Clone Action : Mon Mar  1 09:05:07 2010\n",
			want: []LD{{PhysicalName: "/dev/sdc", Sym: "0E29", Logical: "CLONE001",
				Clone: &CloneInfo{State: "Precopy", LastAction: "Mon Mar  1 09:05:07 2010"}}},
		},
		{name: "empty group", in: "\n    Device Group (DG) Name: DGCVI\n", want: nil},
		{name: "nothing", in: "", want: nil},
		{name: "not a listing", in: "symld: error: something: else\n", wantErr: "not the output of symld list -v"},
		{name: "device without a logical name", in: "Device Physical Name : /dev/sdc\n", wantErr: "no Device Logical Name"},
		{
			name:    "a logical name twice",
			in:      "Device Physical Name : a\nDevice Logical Name : DEV001\nDevice Physical Name : b\nDevice Logical Name : DEV001\n",
			wantErr: "twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLDList(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseLDList (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseActionTime(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip(err)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "Thu Feb 25 10:20:56 2010", want: time.Date(2010, 2, 25, 10, 20, 56, 0, paris)},
		{in: "Mon Mar  1 09:05:07 2010", want: time.Date(2010, 3, 1, 9, 5, 7, 0, paris)},
		{in: "  Sun Jul 4 23:00:00 2010 ", want: time.Date(2010, 7, 4, 23, 0, 0, 0, paris)},
		{in: "N/A", wantErr: true},
		{in: "Thu Sep 18 23:04:04 CEST 2014", wantErr: true},
		{in: "2010-02-25 10:20:56", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseActionTime(tt.in, paris)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseActionTime(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !got.Equal(tt.want) || (!tt.wantErr && got.Location() != paris) {
			t.Errorf("ParseActionTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseOperation(t *testing.T) {
	pair := []Pair{{"DEV001", "CLONE001"}}
	tests := []struct {
		name        string
		in          string
		op, dg      string
		want        []Pair
		wantMissing []Pair
	}{
		{name: "recreate (seed 002)", in: fixture(t, "recreate_seed002.txt"), op: "Recreate", dg: "DGCVI", want: pair},
		{name: "activate (seed 002)", in: fixture(t, "activate_seed002.txt"), op: "Activate", dg: "DGCVI", want: pair},
		{name: "wrong operation", in: fixture(t, "activate_seed002.txt"), op: "Recreate", dg: "DGCVI", want: pair, wantMissing: pair},
		{name: "wrong group", in: fixture(t, "recreate_seed002.txt"), op: "Recreate", dg: "OTHER", want: pair, wantMissing: pair},
		{name: "in progress only", in: "'Recreate' operation execution is in progress for device 'DEV001'\npaired with target device 'CLONE001' in\ndevice group 'DGCVI'. Please wait...\n",
			op: "Recreate", dg: "DGCVI", want: pair, wantMissing: pair},
		{
			name: "one pair of two",
			in:   fixture(t, "recreate_seed002.txt"),
			op:   "Recreate", dg: "DGCVI",
			want:        []Pair{{"DEV001", "CLONE001"}, {"DEV002", "CLONE002"}},
			wantMissing: []Pair{{"DEV002", "CLONE002"}},
		},
		{
			name: "whole group (VMAX notes)",
			in:   "'Activate' operation execution is in progress for\ndevice group 'clonegp'. Please wait...\n\n'Activate' operation successfully executed for device group\n'clonegp'.\n",
			op:   "Activate", dg: "clonegp",
			want: []Pair{{"DEV001", "BCV001"}, {"DEV002", "BCV002"}},
		},
		{
			name: "device list",
			in:   "'Recreate' operation successfully initiated for the device list in device group 'DGCVI'.\n",
			op:   "Recreate", dg: "DGCVI",
			want: []Pair{{"DEV001", "CLONE001"}, {"DEV002", "CLONE002"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseOperation(tt.in).Missing(tt.op, tt.dg, tt.want)
			if diff := cmp.Diff(tt.wantMissing, got); diff != "" {
				t.Errorf("Missing (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, n := range []string{"query_clonegp_created.txt", "query_clonegp_copyinprog.txt", "query_clonepg_dev001.txt", "query_nosession.txt"} {
		f.Add(fixture(f, n))
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			return
		}
		for _, r := range q.Rows {
			if r.Source == "" || r.Target == "" || r.State == "" || r.Percent < 0 || r.Percent > 100 {
				t.Fatalf("accepted a bad row %+v", r)
			}
		}
	})
}

func FuzzParseLDList(f *testing.F) {
	f.Add(fixture(f, "symld_list_v_dgcvi.txt"))
	f.Add("Device Physical Name : /dev/sdc\nDevice Logical Name : X\nTime of Last Clone Action : N/A\n")
	f.Fuzz(func(t *testing.T, s string) {
		lds, err := ParseLDList(s)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, ld := range lds {
			if ld.Logical == "" || seen[ld.Logical] {
				t.Fatalf("accepted a device with an empty or repeated name: %+v", ld)
			}
			seen[ld.Logical] = true
		}
	})
}

func FuzzParseOperation(f *testing.F) {
	f.Add(fixture(f, "recreate_seed002.txt"))
	f.Add(fixture(f, "activate_seed002.txt"))
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseOperation(s)
		want := []Pair{{"DEV001", "CLONE001"}}
		if len(r.Pairs) == 0 && len(r.Groups) == 0 && len(r.Missing("Recreate", "DGCVI", want)) != 1 {
			t.Fatal("a pair counted as done with no message")
		}
	})
}

func FuzzParseActionTime(f *testing.F) {
	f.Add("Thu Feb 25 10:20:56 2010")
	f.Add("Mon Mar  1 09:05:07 2010")
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseActionTime(s, time.UTC)
		if err == nil && tm.IsZero() {
			t.Fatalf("%q: zero time without an error", s)
		}
	})
}
