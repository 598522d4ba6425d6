package necism

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Resync implements snapdrivers.Driver: all unlinks, then all creates,
// then all links, so that the SVs are taken as close together as the
// array allows and no host sees a half-refreshed set (seed 000 shows the
// same order).
func (d *Driver) Resync(ctx context.Context) error {
	details := make(map[string]BVDetail, len(d.bvs))
	for _, bv := range d.bvs {
		det, err := d.query(ctx, linkStateStep(bv))
		if err != nil {
			return fmt.Errorf("resync: read the links of BV %s: %w", bv, err)
		}
		details[bv] = det
	}
	// Better to do nothing than to refresh part of the set.
	var missing []error
	for _, p := range d.pairs {
		if _, ok := details[p.BV].SV(p.SV); !ok {
			missing = append(missing, fmt.Errorf("SV:%s not found on BV:%s", p.SV, p.BV))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("resync: %w, nothing changed: %w", ErrNotFound, errors.Join(missing...))
	}
	for _, p := range d.pairs {
		if details[p.BV].LinkedSV(p.LV) == "" {
			d.env.Exec.Log.Info(fmt.Sprintf("SV:%s is already unlinked from LD:%s", p.SV, p.LV))
			continue
		}
		if err := d.change(ctx, unlinkStep(p), okUnlink); err != nil {
			return fmt.Errorf("resync: unlink LV %s: %w", p.LV, err)
		}
	}
	for _, p := range d.pairs {
		if err := d.waitSettled(ctx, p); err != nil {
			return fmt.Errorf("resync: create SV %s of BV %s: %w", p.SV, p.BV, err)
		}
		if err := d.change(ctx, createStep(p), okCreate); err != nil {
			return fmt.Errorf("resync: create SV %s of BV %s: %w", p.SV, p.BV, err)
		}
	}
	for _, p := range d.pairs {
		if err := d.change(ctx, linkStep(p), okLink); err != nil {
			return fmt.Errorf("resync: link LV %s to SV %s: %w", p.LV, p.SV, err)
		}
	}
	return nil
}

// Update implements snapdrivers.Driver: the same as Resync, as in the
// cluster agent (facts 1.3).
func (d *Driver) Update(ctx context.Context) error { return d.Resync(ctx) }

// Break implements snapdrivers.Driver: NEC has none.
func (d *Driver) Break(context.Context) error { return errBreak }

// change runs a command that changes the array and checks for its "has
// normally terminated" message.
func (d *Driver) change(ctx context.Context, step snapdrivers.Step, ok string) error {
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		if s := classify(out.Combined()); s != nil {
			return fmt.Errorf("%w: %w", s, err)
		}
		return err
	}
	if !terminated(out.Stdout, ok) {
		return d.env.Exec.Fail(step, out, fmt.Sprintf("no %s message (has normally terminated)", ok))
	}
	return nil
}

// query runs iSMsc_query -bv and parses it; output that does not parse
// is a failure of the command.
func (d *Driver) query(ctx context.Context, step snapdrivers.Step) (BVDetail, error) {
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		return BVDetail{}, err
	}
	det, perr := ParseBVDetail(out.Stdout)
	if perr == nil && det.BV != step.Argv[2] {
		perr = fmt.Errorf("it lists BV %s", det.BV)
	}
	if perr != nil {
		return BVDetail{}, d.env.Exec.Fail(step, out, "unexpected output: "+perr.Error())
	}
	return det, nil
}

// waitSettled waits while an SV of p.BV is in a transient state, as the
// cluster agent does before each create; unlike it, it gives up with
// ErrChanging after create_wait instead of creating anyway. The bound is
// a number of polls, so that it holds whatever the clock does.
func (d *Driver) waitSettled(ctx context.Context, p Pair) error {
	polls := int((d.createWait + d.createPoll - 1) / d.createPoll)
	for i := 0; ; i++ {
		det, err := d.query(ctx, settleStep(p.BV, d.createPoll, d.createWait))
		if err != nil {
			return err
		}
		var changing []string
		for _, sv := range det.SVs {
			if strings.HasSuffix(sv.SnapState, "ing") {
				changing = append(changing, sv.Name+":"+sv.SnapState)
			}
		}
		if len(changing) == 0 {
			return nil
		}
		if i >= polls {
			return fmt.Errorf("%w after %s: %s", ErrChanging, d.createWait, strings.Join(changing, ", "))
		}
		d.env.Exec.Log.Info(fmt.Sprintf("SV are changing states : %s. Wait %dsec before retry",
			strings.Join(changing, ", "), int(d.createPoll.Seconds())))
		if err := d.env.Sleep(ctx, d.createPoll); err != nil {
			return fmt.Errorf("wait for the SVs of BV %s: %w", p.BV, err)
		}
	}
}
