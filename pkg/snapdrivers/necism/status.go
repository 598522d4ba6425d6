package necism

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Status implements snapdrivers.Driver with one iSMsc_query per distinct
// BV, which shows every SV of the BV with its state, time and linked LV.
// A BV that cannot be queried (exit code non-zero: missing, ...) is a
// problem of its pairs; a command that cannot run at all is an error.
func (d *Driver) Status(ctx context.Context) (snapdrivers.ArrayStatus, error) {
	st := snapdrivers.ArrayStatus{HasTime: true, ProblemState: snapdrivers.Warn}
	details := make(map[string]BVDetail, len(d.bvs))
	failed := map[string]string{}
	for _, bv := range d.bvs {
		det, err := d.query(ctx, statusStep(bv))
		var ce *snapdrivers.CommandError
		switch {
		case err == nil:
			details[bv] = det
		case errors.As(err, &ce) && ce.Code != -1:
			failed[bv] = firstLine(ce)
		default:
			return snapdrivers.ArrayStatus{}, fmt.Errorf("status: query BV %s: %w", bv, err)
		}
	}
	var oldest time.Time
	allTimed := len(d.pairs) > 0
	for _, p := range d.pairs {
		ps, problems := d.pairStatus(p, details, failed)
		st.Pairs = append(st.Pairs, ps)
		st.Problems = append(st.Problems, problems...)
		switch {
		case ps.Synced.IsZero():
			allTimed = false
		case oldest.IsZero() || ps.Synced.Before(oldest):
			oldest = ps.Synced
		}
	}
	if allTimed {
		st.LastSync = oldest
	}
	return st, nil
}

// pairStatus is one pair's state and its problems, as full sentences
// naming the volumes (the cluster agent's wording where it has one,
// facts 1.3).
func (d *Driver) pairStatus(p Pair, details map[string]BVDetail, failed map[string]string) (snapdrivers.PairStatus, []string) {
	ps := snapdrivers.PairStatus{Source: p.BV, Target: p.SV + " (LV " + p.LV + ")"}
	if why, ok := failed[p.BV]; ok {
		ps.State = "unknown"
		return ps, []string{fmt.Sprintf("BV:%s could not be queried for SV:%s: %s", p.BV, p.SV, why)}
	}
	sv, ok := details[p.BV].SV(p.SV)
	if !ok {
		ps.State = "missing"
		return ps, []string{fmt.Sprintf("SV:%s not found on BV:%s", p.SV, p.BV)}
	}
	var problems []string
	link := "unlink"
	if sv.LV == p.LV {
		link = "link"
	}
	ps.State = sv.SnapState + " " + link
	if sv.SnapState != "snap/active" {
		problems = append(problems, fmt.Sprintf("SV:%s is %s, not snap/active", p.SV, orNone(sv.SnapState)))
	}
	if sv.Time == "" {
		problems = append(problems, fmt.Sprintf("SV:%s has no snapshot time", p.SV))
	} else if t, err := ParseTime(sv.Time, d.env.Location); err != nil {
		problems = append(problems, fmt.Sprintf("SV:%s: %v", p.SV, err))
	} else {
		ps.Synced = t
	}
	if link != "link" {
		problems = append(problems, fmt.Sprintf("LD:%s is not linked to SV:%s", p.LV, p.SV))
	}
	return ps, problems
}

func orNone(s string) string {
	if s == "" {
		return "in no snap state"
	}
	return s
}

// firstLine is what a failed query said, for a one-line problem.
func firstLine(ce *snapdrivers.CommandError) string {
	msg := ce.Output
	if ce.Reason != "" {
		msg = ce.Reason
	}
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	if msg == "" {
		msg = fmt.Sprintf("exit code %d", ce.Code)
	}
	return msg
}
