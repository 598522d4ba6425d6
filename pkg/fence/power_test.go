package fence

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var twoOutlets = []OutletRef{{"pdu-a", 3}, {"pdu-b", 3}}

func newTestPower(a, b *fakePDU) *Power {
	return &Power{
		PDUs:           map[string]Outlets{"pdu-a": a, "pdu-b": b},
		ConfirmTimeout: 300 * time.Millisecond, ConfirmInterval: 10 * time.Millisecond,
		RebootDelay: 5 * time.Millisecond,
	}
}

func statesOf(ss []OutletState) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.String())
	}
	return out
}

func TestPowerOff(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(a, b *fakePDU)
		wantErr    string
		wantStates []string
		wantSetsB  []string
	}{
		{name: "both off", wantStates: []string{"pdu-a:3: off", "pdu-b:3: off"}, wantSetsB: []string{"3=false"}},
		{name: "slow to report", setup: func(a, b *fakePDU) { b.lag = 3 },
			wantStates: []string{"pdu-a:3: off", "pdu-b:3: off"}, wantSetsB: []string{"3=false"}},
		{name: "stuck outlet", setup: func(a, b *fakePDU) { b.stuck[3] = true },
			wantErr: "not confirmed off: pdu-b:3 still on after 300ms", wantStates: []string{"pdu-a:3: off", "pdu-b:3: on"}, wantSetsB: []string{"3=false"}},
		{name: "set fails on one PDU, the other still switched", setup: func(a, b *fakePDU) { b.setErr = errFakeTimeout },
			wantErr: "switch pdu-b:3 off: request timeout", wantStates: []string{"pdu-a:3: off", "pdu-b:3: on"}},
		{name: "read-back fails", setup: func(a, b *fakePDU) { b.stateErr = errFakeTimeout },
			wantErr: "pdu-b:3 unreadable for 300ms: request timeout", wantSetsB: []string{"3=false"},
			wantStates: []string{"pdu-a:3: off", "pdu-b:3: request timeout (after 2 retries)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newFakePDU("pdu-a", 3, 4), newFakePDU("pdu-b", 3, 4)
			if tt.setup != nil {
				tt.setup(a, b)
			}
			states, err := newTestPower(a, b).Off(context.Background(), twoOutlets)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Off: err = %v, want %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantStates, statesOf(states)); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"3=false"}, a.setCalls()); diff != "" {
				t.Errorf("pdu-a sets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSetsB, b.setCalls()); diff != "" {
				t.Errorf("pdu-b sets (-want +got):\n%s", diff)
			}
			if a.state[4] != StateOn || b.state[4] != StateOn {
				t.Error("another node's outlet changed")
			}
		})
	}
}

func TestPowerOffWithAnUnreachablePDU(t *testing.T) {
	a := newFakePDU("pdu-a", 3)
	p := newTestPower(a, nil)
	delete(p.PDUs, "pdu-b")
	p.Unreachable = map[string]error{"pdu-b": errors.New("pdu-b (198.51.100.22): PDU unreachable")}
	p.ConfirmTimeout = time.Hour // must not be waited for
	start := time.Now()
	states, err := p.Off(context.Background(), twoOutlets)
	if err == nil || !strings.Contains(err.Error(), "PDU unreachable") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > time.Minute {
		t.Fatal("waited for the confirm timeout on a PDU that was never reached")
	}
	if a.state[3] != StateOff {
		t.Error("the reachable PDU's outlet was not switched off")
	}
	if diff := cmp.Diff([]string{"pdu-a:3: off", "pdu-b:3: pdu-b (198.51.100.22): PDU unreachable"}, statesOf(states)); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
}

func TestPowerReboot(t *testing.T) {
	a, b := newFakePDU("pdu-a", 3), newFakePDU("pdu-b", 3)
	res, err := newTestPower(a, b).Reboot(context.Background(), twoOutlets)
	if err != nil || res.OnErr != nil {
		t.Fatalf("Reboot: %v, on: %v", err, res.OnErr)
	}
	if diff := cmp.Diff([]string{"3=false", "3=true"}, b.setCalls()); diff != "" {
		t.Errorf("pdu-b sets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pdu-a:3: on", "pdu-b:3: on"}, statesOf(res.On)); diff != "" {
		t.Errorf("on states (-want +got):\n%s", diff)
	}

	// Off confirmed, on not: fenced all the same.
	a, b = newFakePDU("pdu-a", 3), newFakePDU("pdu-b", 3)
	p := newTestPower(a, b)
	p.RebootDelay = 0
	b.stuck[3] = true
	b.state[3] = StateOff // already off, and stays off
	res, err = p.Reboot(context.Background(), twoOutlets)
	if err != nil {
		t.Fatalf("Reboot with a failing power-on: %v", err)
	}
	if res.OnErr == nil || !strings.Contains(res.OnErr.Error(), "pdu-b:3 still off") {
		t.Errorf("OnErr = %v", res.OnErr)
	}

	// Off not confirmed: no power-on at all.
	a, b = newFakePDU("pdu-a", 3), newFakePDU("pdu-b", 3)
	b.stuck[3] = true
	_, err = newTestPower(a, b).Reboot(context.Background(), twoOutlets)
	if !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("err = %v, want ErrNotConfirmed", err)
	}
	if diff := cmp.Diff([]string{"3=false"}, a.setCalls()); diff != "" {
		t.Errorf("pdu-a was switched back on after a failed off (-want +got):\n%s", diff)
	}
}

func TestSummarize(t *testing.T) {
	on := OutletState{State: StateOn}
	off := OutletState{State: StateOff}
	bad := OutletState{Err: errFakeTimeout}
	tests := []struct {
		in   []OutletState
		want Summary
	}{
		{[]OutletState{on, on}, AllOn},
		{[]OutletState{off, off}, AllOff},
		{[]OutletState{on, off}, Mixed},
		{[]OutletState{off, bad}, Mixed},
		{nil, Mixed},
	}
	for _, tt := range tests {
		if got := Summarize(tt.in); got != tt.want {
			t.Errorf("Summarize(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPlan(t *testing.T) {
	c := mustConfig(t, sampleConfig())
	steps, err := c.Plan("node1", ActionReboot)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, s.String())
	}
	want := []string{
		"set pdu-a 198.51.100.21 outlet 3: .1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.3 = 2 (immediateOff)",
		"set pdu-b 198.51.100.22:1161 outlet 3: .1.3.6.1.4.1.318.1.1.4.4.2.1.3.3 = 2 (" + c.PDUs["pdu-b"].SetOp(3, false).Meaning + ")",
		"read the outlets back until all report off",
		"wait 1s",
		"set pdu-a 198.51.100.21 outlet 3: .1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.3 = 1 (immediateOn)",
		"set pdu-b 198.51.100.22:1161 outlet 3: .1.3.6.1.4.1.318.1.1.4.4.2.1.3.3 = 1 (" + c.PDUs["pdu-b"].SetOp(3, true).Meaning + ")",
		"read the outlets back until all report on",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Plan (-want +got):\n%s", diff)
	}
	if _, err := c.Plan("node9", ActionOff); err == nil {
		t.Error("Plan of an unknown node succeeded")
	}
}
