// Package gds drives Fujitsu PRIMECLUSTER GDS Snapshot proxy volumes
// (type gdsproxy): each pair is a master volume and its proxy volume in
// one GDS class. A joined proxy is kept in sync with its master by GDS;
// parting it freezes it as a snapshot of the master at that moment,
// usable as a separate volume; rejoining it copies the master over it
// again. No cluster agent drove GDS (facts 2.4), so the driver follows
// the backup procedure of the GDS guide (seed 004, 6.6.3.7): check,
// part, use the copy, rejoin, watch the copy end.
//
// # Keywords
//
//	class          required  the GDS class (sdxproxy -c, sdxinfo -c)
//	pairs          required  MASTER:PROXY volume names, blank- or comma-
//	                         separated: Volume1:Volume2 Volume3:Volume4
//	copy_timeout   3600      seconds (or a duration) to wait for the copy
//	                         after a rejoin to end
//	poll_interval  30        seconds between two sdxinfo -S while waiting;
//	                         the GDS guide warns against running sdxinfo
//	                         continuously (facts 2.4)
//	pjrm           no        JRM for proxies on the parted proxies
//	                         (sdxproxy Part -a pjrm=on|off); seed 004
//	                         step 3-3 says why it must be off when the
//	                         parted copy is written to from another host
//
// A master may have several proxies; a proxy belongs to one pair.
//
// # Commands
//
// Every action starts with two class-wide listings, whatever the number
// of pairs:
//
//	sdxinfo -V -c CLASS -e long    MASTER and PROXY fields of each volume
//	sdxinfo -S -c CLASS            STATUS of each slice
//
// Seed 004 queries one proxy at a time (-o PROXY); -o takes one object,
// so that would be two commands per pair, and the guide warns against
// running sdxinfo repeatedly. The rows of other volumes are ignored.
//
// break (seed 004 steps 3-1 and 3-3): every proxy must exist, have the
// configured master in its MASTER field, show Join in its PROXY field,
// and have all its slices STOP; otherwise nothing is parted and the
// error names each volume or slice and what sdxinfo showed. Then
//
//	sdxproxy Part -c CLASS -p PROXY1,PROXY2,... -a pjrm=off
//
// in one call, so that the copies are one consistent snapshot. A proxy
// already parted is refused (ErrNotJoined), not skipped: breaking again
// would not take a new snapshot.
//
// resync and update (the same; seed 004 steps 8-1 and 8-2): every proxy
// must exist and be related to its master. A parted proxy must have all
// its slices STOP: ACTIVE means it was started after the part and is in
// use (ErrProxyStarted: stop it with sdxvolume -F when nothing uses it);
// a joined proxy is not rejoined, and may be STOP or still COPY. Then
//
//	sdxproxy Rejoin -c CLASS -p PARTED1,PARTED2,...
//
// for the parted ones in one call, and sdxinfo -S -c CLASS every
// poll_interval until every slice of every proxy is STOP, logging
// "waiting for the copy to the proxy volumes to end, slices COPY then
// STOP (max N secs)". A slice still COPY after copy_timeout fails with
// ErrCopyTimeout naming it; a slice going INVALID, NOUSE or anything
// but COPY or STOP fails with ErrCopyFailed.
//
// sdx commands print nothing when they succeed; one that exits 0 but
// prints an "ERROR:" line fails as a *snapdrivers.CommandError too
// (errors.go). A failing command stops the action.
//
// # Status
//
// HasTime is false: GDS keeps no time of the last part or rejoin, so the
// parent's own record of the last success dates the copies. Each pair
// is reported with the state "PROXY/slice statuses" (Join/STOP,
// Part/ACTIVE, Join/COPY). Expected, no problem: Join with all slices
// STOP (after a resync) and Part with slices STOP or ACTIVE (after a
// break: a parted proxy is the snapshot in use, not a fault).
// Problems, ProblemState Down:
//   - a proxy or master volume missing from the class;
//   - a proxy whose MASTER is not the configured master, or that is no
//     proxy, or whose PROXY is neither Join nor Part;
//   - a proxy with no slice, or a slice INVALID or NOUSE (the guide's
//     slice status abnormality), ACTIVE while joined, or in a state not
//     named here.
//
// Problems, ProblemState Warn when nothing is Down:
//   - a slice COPY: a copy is still running, the proxy is not yet a
//     full copy;
//   - some proxies joined and others parted: the copies are not one
//     snapshot.
//
// ProblemState is Down when there is no problem.
package gds
