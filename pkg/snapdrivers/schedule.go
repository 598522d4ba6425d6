package snapdrivers

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of the schedule keywords, in minutes as the original's.
const (
	DefaultMinDelay = 30 * time.Minute
	DefaultMaxDelay = 1440 * time.Minute
)

// skew is how far the array's clock and this host's may disagree before
// the array's time of a copy counts as older than the resync recorded
// here.
const skew = 5 * time.Minute

// Record is what is kept of a resource's last successful resync or
// update, written only after every vendor command succeeded.
type Record struct {
	Action   Action    `json:"action"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
}

// ErrTooSoon is a resync refused by sync_min_delay.
var ErrTooSoon = errors.New("too soon")

// LastSync is the time a copy dates from: the array's when the family
// reports one, else the time of the last success recorded here.
func LastSync(arr *ArrayStatus, rec *Record) (time.Time, string) {
	if arr != nil && arr.HasTime && !arr.LastSync.IsZero() {
		return arr.LastSync, "array"
	}
	if rec != nil && !rec.Finished.IsZero() {
		return rec.Finished, "record"
	}
	return time.Time{}, ""
}

// Newest is the most recent of the array's time and the record's: what
// sync_min_delay is measured from, so that neither a resync by hand on
// the array nor a run recorded here is repeated too soon.
func Newest(arr *ArrayStatus, rec *Record) time.Time {
	var t time.Time
	if arr != nil && arr.HasTime {
		t = arr.LastSync
	}
	if rec != nil && rec.Finished.After(t) {
		t = rec.Finished
	}
	return t
}

// CheckMinDelay refuses a resync or update when the copy is younger than
// min, unless force.
func CheckMinDelay(now, last time.Time, min time.Duration, force bool) error {
	if force || last.IsZero() || min <= 0 {
		return nil
	}
	if age := now.Sub(last); age < min {
		return fmt.Errorf("%w: the copy dates from %s, %s ago, less than sync_min_delay (%s); --force overrides",
			ErrTooSoon, last.Format("2006-01-02 15:04:05 MST"), roundAge(age), min)
	}
	return nil
}

// ResourceStatus is one resource's status, and why.
type ResourceStatus struct {
	RID      string       `json:"rid"`
	Kind     string       `json:"type"`
	State    State        `json:"state"`
	Reasons  []string     `json:"reasons,omitempty"`
	LastSync time.Time    `json:"last_sync,omitzero"`
	Source   string       `json:"last_sync_source,omitempty"` // "array" or "record"
	Record   *Record      `json:"record,omitempty"`
	Pairs    []PairStatus `json:"pairs,omitempty"`
}

// Decide computes a resource's status: the array's problems first (their
// state, warn or down as the family reports them); then n/a when the
// copy was never synced; warn when it is older than maxDelay or older
// than the resync recorded here; else up. queryErr is a failed status
// query, which counts as failState.
func Decide(now time.Time, arr *ArrayStatus, queryErr error, failState State, rec *Record, maxDelay time.Duration) ResourceStatus {
	st := ResourceStatus{State: Up, Record: rec}
	worst := func(s State, reason string) {
		st.Reasons = append(st.Reasons, reason)
		if rank(s) > rank(st.State) {
			st.State = s
		}
	}
	if queryErr != nil {
		worst(failState, fmt.Sprintf("cannot read the array: %v", queryErr))
	}
	if arr != nil {
		st.Pairs = arr.Pairs
		for _, p := range arr.Problems {
			ps := arr.ProblemState
			if ps == "" {
				ps = Warn
			}
			worst(ps, p)
		}
	}
	st.LastSync, st.Source = LastSync(arr, rec)
	if st.LastSync.IsZero() {
		if st.State == Up {
			st.State = NA
			st.Reasons = append(st.Reasons, "never synced")
		}
		return st
	}
	age := now.Sub(st.LastSync)
	if age > maxDelay {
		worst(Warn, fmt.Sprintf("last sync %s, %s ago, older than sync_max_delay (%s)", st.LastSync.Format("2006-01-02 15:04:05 MST"), roundAge(age), maxDelay))
	}
	if st.Source == "array" && rec != nil && !rec.Started.IsZero() && st.LastSync.Before(rec.Started.Add(-skew)) {
		worst(Warn, fmt.Sprintf("the array dates the copies %s, before the last resync recorded here (started %s)",
			st.LastSync.Format("2006-01-02 15:04:05 MST"), rec.Started.Format("2006-01-02 15:04:05 MST")))
	}
	if st.State == Up {
		st.Reasons = append(st.Reasons, fmt.Sprintf("last sync %s, %s ago (%s)", st.LastSync.Format("2006-01-02 15:04:05 MST"), roundAge(age), st.Source))
	}
	return st
}

func rank(s State) int {
	switch s {
	case Warn:
		return 2
	case Down:
		return 3
	case NA:
		return 1
	}
	return 0
}

func roundAge(d time.Duration) time.Duration {
	if d > time.Hour {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}
