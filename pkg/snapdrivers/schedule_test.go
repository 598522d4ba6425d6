package snapdrivers

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	rec := func(d time.Duration) *Record {
		return &Record{Action: ActionResync, Started: ago(d + time.Minute), Finished: ago(d)}
	}
	arr := func(d time.Duration, problems ...string) *ArrayStatus {
		a := &ArrayStatus{HasTime: true, ProblemState: Warn, Problems: problems}
		if d >= 0 {
			a.LastSync = ago(d)
		}
		return a
	}
	noTime := &ArrayStatus{}
	max := 24 * time.Hour
	tests := []struct {
		name       string
		arr        *ArrayStatus
		qerr       error
		fail       State
		rec        *Record
		want       State
		wantSource string
		reason     string
	}{
		{name: "array time, fresh", arr: arr(time.Hour), want: Up, wantSource: "array", reason: "last sync 2026-11-22 11:00:00 UTC, 1h0m0s ago (array)"},
		{name: "array time, stale", arr: arr(25 * time.Hour), want: Warn, wantSource: "array", reason: "older than sync_max_delay (24h0m0s)"},
		{name: "no array time, record fresh", arr: noTime, rec: rec(time.Hour), want: Up, wantSource: "record"},
		{name: "no array time, record stale", arr: noTime, rec: rec(48 * time.Hour), want: Warn, wantSource: "record"},
		{name: "never synced", arr: noTime, want: NA, reason: "never synced"},
		{name: "problem warns", arr: arr(time.Hour, "LD:x is not linked to SV:y"), want: Warn, reason: "LD:x is not linked to SV:y"},
		{name: "problem down", arr: &ArrayStatus{HasTime: true, LastSync: ago(time.Hour), ProblemState: Down, Problems: []string{"DEV001 missing"}}, want: Down},
		{name: "problem beats never synced", arr: &ArrayStatus{ProblemState: Down, Problems: []string{"gone"}}, want: Down},
		{name: "query failed, warn family", qerr: errors.New("dscli: exit 2"), fail: Warn, rec: rec(time.Hour), want: Warn, reason: "cannot read the array: dscli: exit 2"},
		{name: "query failed, down family", qerr: errors.New("symclone: exit 1"), fail: Down, rec: rec(time.Hour), want: Down},
		{name: "array older than the record", arr: arr(5 * time.Hour), rec: rec(time.Hour), want: Warn, reason: "before the last resync recorded here"},
		{name: "array within skew of the record", arr: arr(time.Hour + 2*time.Minute), rec: rec(time.Hour), want: Up},
		{name: "array newer than the record (resync by hand)", arr: arr(time.Hour), rec: rec(30 * time.Hour), want: Up, wantSource: "array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(now, tt.arr, tt.qerr, tt.fail, tt.rec, max)
			if got.State != tt.want {
				t.Errorf("state %s, want %s (reasons %q)", got.State, tt.want, got.Reasons)
			}
			if tt.wantSource != "" && got.Source != tt.wantSource {
				t.Errorf("source %q, want %q", got.Source, tt.wantSource)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(got.Reasons, "; "), tt.reason) {
				t.Errorf("reasons %q lack %q", got.Reasons, tt.reason)
			}
		})
	}
}

func TestCheckMinDelay(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	if err := CheckMinDelay(now, now.Add(-10*time.Minute), 30*time.Minute, false); !errors.Is(err, ErrTooSoon) ||
		!strings.Contains(err.Error(), "10m0s ago, less than sync_min_delay (30m0s)") {
		t.Errorf("10 min after: %v", err)
	}
	if err := CheckMinDelay(now, now.Add(-10*time.Minute), 30*time.Minute, true); err != nil {
		t.Errorf("--force: %v", err)
	}
	if err := CheckMinDelay(now, now.Add(-31*time.Minute), 30*time.Minute, false); err != nil {
		t.Errorf("31 min after: %v", err)
	}
	if err := CheckMinDelay(now, time.Time{}, 30*time.Minute, false); err != nil {
		t.Errorf("never synced: %v", err)
	}
	a := &ArrayStatus{HasTime: true, LastSync: now.Add(-time.Hour)}
	r := &Record{Finished: now.Add(-2 * time.Hour)}
	if got := Newest(a, r); !got.Equal(a.LastSync) {
		t.Errorf("Newest = %v", got)
	}
	r.Finished = now.Add(-time.Minute)
	if got := Newest(a, r); !got.Equal(r.Finished) {
		t.Errorf("Newest = %v", got)
	}
}
