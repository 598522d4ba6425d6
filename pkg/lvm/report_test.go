package lvm

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLVs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "lvs-snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseLVs(data)
	if err != nil {
		t.Fatal(err)
	}
	// A real report (lvm 2.03.16 in the VM tier, TestVMReportFixtures): an
	// origin with two snapshots, a plain LV, a snapshot half full and one
	// that overflowed. lvs sorts by VG and LV name.
	want := []LVInfo{
		{Name: "lv0", VG: "vgt", Path: "/dev/vgt/lv0", Size: 67108864, Attr: "owi-a-s---", Roles: []string{"public", "origin", "thickorigin", "multithickorigin"}, DataPercent: -1, Active: true},
		{Name: "plain", VG: "vgt", Path: "/dev/vgt/plain", Size: 33554432, Attr: "-wi-a-----", Roles: []string{"public"}, DataPercent: -1, Active: true},
		{Name: "snap0", VG: "vgt", Path: "/dev/vgt/snap0", Size: 16777216, Attr: "swi-a-s---", Origin: "lv0", Roles: []string{"public", "snapshot", "thicksnapshot"}, DataPercent: 50.24, Active: true},
		{Name: "snap1", VG: "vgt", Path: "/dev/vgt/snap1", Size: 4194304, Attr: "swi-I-s---", Origin: "lv0", Roles: []string{"public", "snapshot", "thicksnapshot"}, DataPercent: 100, Active: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !got[0].IsOrigin() || got[0].IsSnapshot() || got[1].IsSnapshot() || got[1].IsOrigin() || !got[2].IsSnapshot() || got[2].Invalid() || !got[3].IsSnapshot() || !got[3].Invalid() {
		t.Error("attr predicates wrong")
	}
}

// The other captures: one LV each, and an origin and snapshot deactivated.
func TestParseLVsCaptures(t *testing.T) {
	tests := []struct {
		file                      string
		name                      string
		origin, snapshot, invalid bool
		active                    bool
		dataPercent               float64
	}{
		{"lvs-origin.json", "lv0", true, false, false, true, -1},
		{"lvs-plain.json", "plain", false, false, false, true, -1},
		{"lvs-active-snapshot.json", "snap0", false, true, false, true, 50.24},
		{"lvs-invalid-snapshot.json", "snap1", false, true, true, true, 100},
		{"lvs-inactive.json", "lv0", true, false, false, false, -1},
		{"lvs-inactive.json", "snap0", false, true, false, false, -1},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		lvs, err := ParseLVs(data)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		i := slices.IndexFunc(lvs, func(l LVInfo) bool { return l.Name == tt.name })
		if i < 0 {
			t.Errorf("%s: no %s in %+v", tt.file, tt.name, lvs)
			continue
		}
		l := lvs[i]
		if l.IsOrigin() != tt.origin || l.IsSnapshot() != tt.snapshot || l.Invalid() != tt.invalid || l.Active != tt.active || l.DataPercent != tt.dataPercent {
			t.Errorf("%s: %+v: origin %v snapshot %v invalid %v active %v data%% %v", tt.file, l, l.IsOrigin(), l.IsSnapshot(), l.Invalid(), l.Active, l.DataPercent)
		}
	}
}

func TestParseLVsErrors(t *testing.T) {
	for _, in := range []string{
		`{"report":[{"lv":[{"lv_name":"a","vg_name":"v","lv_size":"3,00g"}]}]}`,
		`{"report":[{"lv":[{"vg_name":"v","lv_size":"1"}]}]}`,
		`{"report":[{"lv":[{"lv_name":"a","vg_name":"v","lv_size":"1","data_percent":"x"}]}]}`,
		`not json`,
	} {
		if _, err := ParseLVs([]byte(in)); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
	// lvm 2.03.26+ adds a "log" array; it is ignored.
	got, err := ParseLVs([]byte(`{"report":[{"lv":[]}],"log":[{"log_seq_num":"1","log_type":"status"}]}`))
	if err != nil || len(got) != 0 {
		t.Errorf("%v %v", got, err)
	}
}

func FuzzParseLVs(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "lvs-snapshot.json")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lvs, err := ParseLVs(data)
		if err != nil {
			return
		}
		for _, l := range lvs {
			if l.Name == "" || l.VG == "" || l.Size < 0 {
				t.Fatalf("invalid row accepted: %+v", l)
			}
		}
	})
}
