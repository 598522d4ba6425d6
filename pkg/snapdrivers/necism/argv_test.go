package necism

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

func TestPlan(t *testing.T) {
	d, err := New(section(t, "pairs = A:A_SV1:A_LV1 A:A_SV2:A_LV2 B:B_SV:B_LV\ncreate_wait = 60\n"), snapdrivers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	qA := []string{"iSMsc_query", "-bv", "A", "-bvflg", "ld", "-detail"}
	qB := []string{"iSMsc_query", "-bv", "B", "-bvflg", "ld", "-detail"}
	resync := [][]string{
		qA, qB,
		{"iSMsc_unlink", "-lv", "A_LV1", "-lvflg", "ld"},
		{"iSMsc_unlink", "-lv", "A_LV2", "-lvflg", "ld"},
		{"iSMsc_unlink", "-lv", "B_LV", "-lvflg", "ld"},
		qA, {"iSMsc_create", "-bv", "A", "-sv", "A_SV1", "-bvflg", "ld", "-svflg", "ld"},
		qA, {"iSMsc_create", "-bv", "A", "-sv", "A_SV2", "-bvflg", "ld", "-svflg", "ld"},
		qB, {"iSMsc_create", "-bv", "B", "-sv", "B_SV", "-bvflg", "ld", "-svflg", "ld"},
		{"iSMsc_link", "-lv", "A_LV1", "-sv", "A_SV1", "-lvflg", "ld", "-svflg", "ld"},
		{"iSMsc_link", "-lv", "A_LV2", "-sv", "A_SV2", "-lvflg", "ld", "-svflg", "ld"},
		{"iSMsc_link", "-lv", "B_LV", "-sv", "B_SV", "-lvflg", "ld", "-svflg", "ld"},
	}
	tests := []struct {
		action    snapdrivers.Action
		want      [][]string
		wantCheck int
	}{
		{snapdrivers.ActionResync, resync, 5},
		{snapdrivers.ActionUpdate, resync, 5},
		{snapdrivers.ActionStatus, [][]string{qA, qB}, 2},
	}
	for _, tt := range tests {
		t.Run(string(tt.action), func(t *testing.T) {
			steps, err := d.Plan(tt.action)
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			checks := 0
			for _, s := range steps {
				got = append(got, s.Argv)
				if s.Check {
					checks++
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan(%s) (-want +got):\n%s", tt.action, diff)
			}
			if checks != tt.wantCheck {
				t.Errorf("Plan(%s) has %d check steps, want %d", tt.action, checks, tt.wantCheck)
			}
		})
	}
	if _, err := d.Plan(snapdrivers.ActionBreak); !errors.Is(err, snapdrivers.ErrNotSupported) {
		t.Errorf("Plan(break) = %v, want ErrNotSupported", err)
	}
	steps, _ := d.Plan(snapdrivers.ActionResync)
	if want := `(check) iSMsc_query -bv A -bvflg ld -detail    # again every 30s while an SV of A is in a state ending in "ing", at most 1m0s`; steps[5].String() != want {
		t.Errorf("wait step prints as\n%s\nwant\n%s", steps[5], want)
	}
}
