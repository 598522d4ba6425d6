package necism

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

func section(t *testing.T, body string) *snapdrivers.Section {
	t.Helper()
	sf, err := snapdrivers.ParseServiceFile(strings.NewReader("[sync#1]\ntype = necism\n"+body), "svc.conf")
	if err != nil {
		t.Fatal(err)
	}
	return sf.Sections[0]
}

func TestNew(t *testing.T) {
	d, err := New(section(t, "pairs = A:A_SV1:A_LV1, A:A_SV2:A_LV2\n  B:B_SV:B_LV\n"), snapdrivers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		pairs:      []Pair{{"A", "A_SV1", "A_LV1"}, {"A", "A_SV2", "A_LV2"}, {"B", "B_SV", "B_LV"}},
		bvs:        []string{"A", "B"},
		createWait: 1200 * time.Second,
		createPoll: 30 * time.Second,
	}
	if diff := cmp.Diff(want, d.config, cmp.AllowUnexported(config{})); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // each must appear in the error
	}{
		{"no pairs", "create_wait = 60\n", []string{"svc.conf:1: [sync#1] pairs is required"}},
		{"empty pairs", "pairs =\n", []string{"svc.conf:1: [sync#1] pairs is required"}},
		{"two fields", "pairs = A:A_SV\n", []string{`svc.conf:3: [sync#1] pairs: "A:A_SV": want BV:SV:LV`}},
		{"four fields", "create_wait = 60\npairs = A:B:C:D\n", []string{`svc.conf:4: [sync#1] pairs: "A:B:C:D": want BV:SV:LV`}},
		{"empty name", "pairs = A::L\n", []string{`"A::L": an empty volume name`}},
		{"option-like", "pairs = A:-x:L\n", []string{`volume name "-x" starts with '-'`}},
		{"duplicate SV", "pairs = A:S:L1 B:S:L2\n", []string{"svc.conf:3: [sync#1] pairs: SV S appears twice"}},
		{"duplicate LV", "pairs = A:S1:L\n  B:S2:L\n", []string{"svc.conf:3: [sync#1] pairs: LV L appears twice"}},
		{"SV as LV", "pairs = A:S1:L1 A:S2:S1\n", []string{"S1 is used both as SV and as LV"}},
		{"BV as SV", "pairs = A:S1:L1 B:A:L2\n", []string{"A is used both as BV and as SV"}},
		{"bad create_wait", "pairs = A:S:L\ncreate_wait = soon\n", []string{`svc.conf:4: [sync#1] create_wait: "soon"`}},
		{"zero create_poll", "pairs = A:S:L\ncreate_poll = 0\n", []string{"svc.conf:4: [sync#1] create_poll: 0s: want at least 1 second"}},
		{"all reported", "pairs = A:S:L A:S:L2\ncreate_poll = -1\n", []string{"SV S appears twice", "create_poll"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(section(t, tt.body), snapdrivers.Env{})
			if err == nil {
				t.Fatal("New accepted it")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestNewReadsItsKeywords(t *testing.T) {
	sec := section(t, "pairs = A:S:L\ncreate_wait = 10m\ncreate_poll = 15\ncreat_wait = 5\n")
	sec.Get("type") // the parent's
	if _, err := New(sec, snapdrivers.Env{}); err != nil {
		t.Fatal(err)
	}
	unused := sec.Unused()
	if len(unused) != 1 || !strings.Contains(unused[0].Error(), `svc.conf:6: [sync#1] unknown keyword "creat_wait"`) {
		t.Errorf("Unused = %v, want only creat_wait", unused)
	}
}
