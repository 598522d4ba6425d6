package lvm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SnapshotName names the snapshot of lv taken with suffix: LV_SUFFIX,
// as lvm_snap_create named them.
func SnapshotName(lv, suffix string) string { return lv + "_" + suffix }

// TakeSnapshot snapshots origin (an LV endpoint) as SnapshotName(origin,
// suffix), size bytes big, or the size lvm_tools.conf's policy gives for
// the origin when size is 0. It returns the snapshot as an endpoint.
func (m *LVM) TakeSnapshot(ctx context.Context, origin Endpoint, suffix string, size int64, conf *ToolsConf) (Endpoint, LVInfo, error) {
	if origin.Kind != LV {
		return Endpoint{}, LVInfo{}, fmt.Errorf("snapshot of %s: only logical volumes (lvm:) have snapshots", origin)
	}
	o, err := m.LV(ctx, origin.VG, origin.LV)
	if err != nil {
		return Endpoint{}, LVInfo{}, fmt.Errorf("snapshot of %s: %w", origin, err)
	}
	if o.IsSnapshot() {
		return Endpoint{}, LVInfo{}, fmt.Errorf("snapshot of %s: it is a snapshot itself", origin)
	}
	if size == 0 {
		size = conf.SnapSize(o.Size)
	}
	name := SnapshotName(origin.LV, suffix)
	info, err := m.CreateSnapshot(ctx, origin.VG, origin.LV, name, size)
	if err != nil {
		return Endpoint{}, LVInfo{}, fmt.Errorf("snapshot of %s: %w", origin, err)
	}
	snap := origin
	snap.LV = name
	snap.Path = "/dev/" + origin.VG + "/" + name
	return snap, info, nil
}

// ErrSnapshotInvalid is a snapshot that overflowed while it was copied:
// what was read of it is not the origin as it was.
var ErrSnapshotInvalid = errors.New("the snapshot overflowed (its copy-on-write space filled up) while it was copied: the copy is not consistent; take a larger snapshot (-n)")

// SnapCopy copies a snapshot of job.Src (an LV) to job.Dst: it takes the
// snapshot, copies it, checks it did not overflow meanwhile, and removes
// it on every way out, cancellation included.
func SnapCopy(ctx context.Context, m *LVM, job CopyJob, suffix string, size int64, conf *ToolsConf) (CopyReport, error) {
	origin := job.Src
	snap, _, err := m.TakeSnapshot(ctx, origin, suffix, size, conf)
	if err != nil {
		return CopyReport{}, err
	}
	defer func() {
		// Removed with a context of its own: a cancelled copy must not
		// leave the snapshot behind (it slows every write to the origin).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if err := m.RemoveSnapshot(rctx, snap.VG, snap.LV); err != nil {
			m.logger().Error("remove snapshot: remove it by hand with lvremove", "snapshot", snap.String(), "err", err)
		}
	}()
	job.Src = snap
	rep, copyErr := job.Run(ctx)
	rep.Src = origin.String() + " (snapshot " + snap.LV + ")"
	if copyErr != nil && ctx.Err() != nil {
		return rep, copyErr
	}
	// An overflowed snapshot fails reads with I/O errors, or, read before
	// it overflowed, yields a copy that is not consistent: either way the
	// snapshot's state says what happened.
	info, err := m.LV(ctx, snap.VG, snap.LV)
	switch {
	case err == nil && info.Invalid():
		if copyErr != nil {
			return rep, fmt.Errorf("copy to %s: %w (%v)", job.Dst, ErrSnapshotInvalid, copyErr)
		}
		return rep, fmt.Errorf("copy to %s: %w", job.Dst, ErrSnapshotInvalid)
	case copyErr != nil:
		return rep, copyErr
	case err != nil:
		return rep, fmt.Errorf("check snapshot %s after the copy: %w", snap, err)
	}
	return rep, nil
}
