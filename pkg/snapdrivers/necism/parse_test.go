package necism

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

// fixture is a published output under testdata/.
var fixture = snaptest.Fixture

func TestParseMessages(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []Message
	}{
		{"create (seed 000)", fixture(t, "create.txt"), []Message{
			{"iSMsc_create", "Info", "iSM19010", "iSMsc_create has normally terminated."}}},
		{"unlink (seed 000)", fixture(t, "unlink.txt"), []Message{
			{"iSMsc_unlink", "Info", "iSM20030", "iSMsc_unlink has normally terminated."}}},
		{"link (seed 000)", fixture(t, "link.txt"), []Message{
			{"iSMsc_link", "Info", "iSM20020", "iSMsc_link has normally terminated."}}},
		{"error and info", "iSMsc_create:Error: iSM19411: busy\n  iSMsc_link:Info: iSM20020: done\n", []Message{
			{"iSMsc_create", "Error", "iSM19411", "busy"}, {"iSMsc_link", "Info", "iSM20020", "done"}}},
		{"no message", fixture(t, "query_bv_detail.txt"), nil},
		{"short id", "iSMsc_link:Info: iSM2002: done", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseMessages(tt.out)); diff != "" {
				t.Errorf("ParseMessages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTerminated(t *testing.T) {
	if !terminated(fixture(t, "create.txt"), okCreate) {
		t.Error("the seed's create output is not recognised as a success")
	}
	if terminated(fixture(t, "create.txt"), okLink) {
		t.Error("a create output is taken for a link's success")
	}
	if terminated("iSMsc_create:Error: iSM19411: busy", okCreate) {
		t.Error("an error is taken for a success")
	}
}

func TestParseBVDetail(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    BVDetail
		wantErr bool
	}{
		{name: "facts 1.3 sample", out: fixture(t, "query_bv_detail.txt"), want: BVDetail{
			BV: "xxxxxxxxxxx_00CC", Type: "LX", State: "normal",
			SVs: []SVDetail{
				{Name: "xxxxxxxxxxx_00cc_SV00ce", Generation: "-1(normal)", SnapState: "snap/active",
					Time: "2014/09/09 17:27:45", LinkStatus: "link", LV: "xxxxxxxxxxx_00cc_LV00cf"},
				{Name: "xxxxxxxxxxx_00cc_SV00cd", Generation: "-2(normal)", SnapState: "snap/active",
					Time: "2014/09/09 17:19:12", LinkStatus: "link", LV: "xxxxxxxxxxx_00cc_LV00d0"},
			}}},
		{name: "unlinked and changing", out: `BV Information
    LD Name      : SRC
    Type         : LX
    State        : normal

Pair Information
    SV:LD Name              : SRC_SV1
       Generation(Attribute): -1(normal)
       Snap State           : snap/deleting
       LV Link Status       : unlink
    SV:LD Name              : SRC_SV2
       Snap State           : snap/nonexistent
       Create   Start Time  : -
`, want: BVDetail{BV: "SRC", Type: "LX", State: "normal", SVs: []SVDetail{
			{Name: "SRC_SV1", Generation: "-1(normal)", SnapState: "snap/deleting", LinkStatus: "unlink"},
			{Name: "SRC_SV2", SnapState: "snap/nonexistent"},
		}}},
		{name: "no pairs", out: "BV Information\n    LD Name      : SRC\n\nPair Information\n", want: BVDetail{BV: "SRC"}},
		{name: "empty", out: "", wantErr: true},
		{name: "LV before SV", out: "BV Information\n LD Name : A\nPair Information\n LV:LD Name : L\n", wantErr: true},
		{name: "SV without name", out: "BV Information\n LD Name : A\nPair Information\n SV:LD Name :\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBVDetail(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseBVDetail: err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseBVDetail (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseTime("2014/09/18 05:15:04", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2014, 9, 17, 20, 15, 4, 0, time.UTC); !got.Equal(want) {
		t.Errorf("ParseTime = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "2014-09-18 05:15:04", "2014/09/18", "2014/13/18 05:15:04"} {
		if _, err := ParseTime(bad, tokyo); err == nil {
			t.Errorf("ParseTime(%q): no error", bad)
		}
	}
}

func FuzzParseMessages(f *testing.F) {
	for _, n := range []string{"create.txt", "unlink.txt", "link.txt", "query_bv_detail.txt"} {
		f.Add(fixture(f, n))
	}
	f.Add("iSMsc_create:Error: iSM19411:")
	f.Fuzz(func(t *testing.T, out string) {
		for _, m := range ParseMessages(out) {
			if m.Command == "" || len(m.ID) != 8 {
				t.Fatalf("message %+v from %q", m, out)
			}
		}
	})
}

func FuzzParseBVDetail(f *testing.F) {
	f.Add(fixture(f, "query_bv_detail.txt"))
	f.Add("BV Information\n LD Name : A\nPair Information\n SV:LD Name : S\n Snap State : snap/active [x\n")
	f.Fuzz(func(t *testing.T, out string) {
		d, err := ParseBVDetail(out)
		if err != nil {
			return
		}
		if d.BV == "" {
			t.Fatalf("no BV and no error for %q", out)
		}
		for _, sv := range d.SVs {
			if sv.Name == "" {
				t.Fatalf("an SV without a name and no error for %q", out)
			}
		}
	})
}
