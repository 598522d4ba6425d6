package snapdrivers

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const sampleService = `# oradb
[DEFAULT]
timezone = Europe/Paris

[sync#1]
type = necism
pairs = SOURCE_0001:SOURCE_0001_SV006D:SOURCE_0001_LV00A6
        SOURCE_0002:SOURCE_0002_SV0055:SOURCE_0002_LV009E
sync_min_delay = 30
sync_max_delay = 1d
; a comment
[Sync#2]
TYPE = symclone
sync_max_delay = 90m
`

func TestParseServiceFile(t *testing.T) {
	sf, err := ParseServiceFile(strings.NewReader(sampleService), "oradb.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(sf.Sections) != 2 || sf.Sections[0].Name != "sync#1" || sf.Sections[1].Name != "Sync#2" {
		t.Fatalf("sections %+v", sf.Sections)
	}
	s1 := sf.Sections[0]
	if diff := cmp.Diff([]string{"SOURCE_0001:SOURCE_0001_SV006D:SOURCE_0001_LV00A6", "SOURCE_0002:SOURCE_0002_SV0055:SOURCE_0002_LV009E"}, s1.Fields("pairs")); diff != "" {
		t.Errorf("continued pairs (-want +got):\n%s", diff)
	}
	if tz := s1.Get("timezone"); tz != "Europe/Paris" {
		t.Errorf("timezone from DEFAULT = %q", tz)
	}
	if d, err := s1.Minutes("sync_min_delay", 0); err != nil || d != 30*time.Minute {
		t.Errorf("sync_min_delay = %v, %v", d, err)
	}
	if _, err := s1.Minutes("sync_max_delay", 0); err == nil || !strings.Contains(err.Error(), "oradb.conf:10: [sync#1] sync_max_delay") {
		t.Errorf("1d: err = %v, want one naming oradb.conf:10", err)
	}
	if d, err := sf.Sections[1].Minutes("sync_max_delay", 0); err != nil || d != 90*time.Minute {
		t.Errorf("90m = %v, %v", d, err)
	}
	if sf.Sections[1].Get("type") != "symclone" {
		t.Error("keys are not case-insensitive")
	}
	s1.Get("type")
	if errs := s1.Unused(); len(errs) != 0 {
		t.Errorf("unused after reading everything: %v", errs)
	}
	sf.Sections[1].Get("type")
	sf.Sections[1].Get("sync_max_delay")
	if errs := sf.Defaults.Unused(); len(errs) != 0 {
		t.Errorf("DEFAULT unused: %v", errs)
	}
	unread := NewSection("x", map[string]string{"paris": "1"})
	if errs := unread.Unused(); len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown keyword "paris"`) {
		t.Errorf("Unused = %v", errs)
	}
}

func TestParseServiceFileErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"key outside", "type = necism\n", "s.conf:1: key outside a section"},
		{"no =", "[sync#1]\ntype necism\n", `s.conf:2: "type necism": want key = value`},
		{"dup key", "[sync#1]\ntype = a\ntype = b\n", "s.conf:3: [sync#1] type is already set at line 2"},
		{"dup section", "[sync#1]\ntype = a\n[SYNC#1]\n", "s.conf:3: section [SYNC#1] again (first at line 1)"},
		{"bad header", "[sync#1\n", "lacks its closing ]"},
		{"bad name", "[sync 1]\n", "section name"},
		{"stray continuation", "[sync#1]\n  x\n", "s.conf:2: continuation line with no key"},
		{"empty", "# nothing\n", "no sync resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseServiceFile(strings.NewReader(tt.in), "s.conf")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzParseServiceFile(f *testing.F) {
	f.Add(sampleService)
	f.Add("[sync#1]\n a\n")
	f.Fuzz(func(t *testing.T, s string) {
		sf, err := ParseServiceFile(strings.NewReader(s), "fuzz.conf")
		if err != nil {
			return
		}
		if len(sf.Sections) == 0 {
			t.Fatal("accepted a file without sections")
		}
		for _, sec := range sf.Sections {
			if !sectionNameRE.MatchString(sec.Name) {
				t.Fatalf("accepted section name %q", sec.Name)
			}
			for _, k := range sec.order {
				if k == "" || strings.ContainsAny(k, " \t=") {
					t.Fatalf("accepted key %q", k)
				}
			}
		}
	})
}

func TestExampleServiceFile(t *testing.T) {
	f, err := os.Open("../../etc/examples/snapsync/oradb.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sf, err := ParseServiceFile(f, "oradb.conf")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range sf.Sections {
		kinds = append(kinds, s.Get("type"))
	}
	if diff := cmp.Diff([]string{"necism", "ibmdsflash", "symclone", "gdsproxy"}, kinds); diff != "" {
		t.Errorf("example's resources (-want +got):\n%s", diff)
	}
}
