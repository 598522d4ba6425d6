// Package necism drives NEC iStorage (iSM) snapshot pairs: the necism
// sync resources of snapsync.
//
// Vocabulary (NEC's):
//
//   - BV, base volume: the production logical disk (LD), the source.
//   - SV, snapshot volume: a point-in-time image of its BV, taken by
//     iSMsc_create. Its Snap State is snap/active once taken, with the
//     time it was taken ("snap/active [2014/09/18 05:15:04]"); states
//     ending in "ing" (snap/deleting, ...) are transient.
//   - LV, link volume: the LD the hosts see, linked to one SV.
//   - Pair: one BV:SV:LV triple of the resource. A BV may have several
//     SVs; each SV and each LV appears once.
//
// Keywords:
//
//	pairs        required  BV:SV:LV triples (LD names), separated by blanks,
//	                       commas or newlines; an SV or LV given twice is refused
//	create_wait  1200 s    how long to wait, before each create, while an SV
//	                       of its BV is in a state ending in "ing"
//	create_poll  30 s      how often to look again meanwhile
//
// The common keywords (type, sync_min_delay, sync_max_delay, precheck,
// timezone) are the parent package's. Times are read in the resource's
// time zone: iSM prints none.
//
// Commands, all naming volumes by LD name (-xxflg ld), as in seed 000:
//
// resync and update (the same):
//
//  1. iSMsc_query -bv BV -bvflg ld -detail, once per BV: which LVs are
//     linked. If an SV is not found on its BV, nothing is changed.
//  2. iSMsc_unlink -lv LV -lvflg ld for every pair, skipped with "SV:... is
//     already unlinked from LD:..." when the LV is not linked.
//  3. for every pair: iSMsc_query -bv BV -bvflg ld -detail, repeated every
//     create_poll while an SV of BV changes state ("SV are changing states
//     : ... Wait 30sec before retry"), failing with ErrChanging after
//     create_wait (the cluster agent went ahead instead); then
//     iSMsc_create -bv BV -sv SV -bvflg ld -svflg ld.
//  4. iSMsc_link -lv LV -sv SV -lvflg ld -svflg ld for every pair.
//
// All unlinks come first, then all creates, then all links, so that the
// set of snapshots is taken together. Each changing command must print
// its "has normally terminated" message (iSM20030 unlink, iSM19010
// create, iSM20020 link); without it the command failed. The first
// failure stops the action.
//
// break: not supported (link volumes are always read-write).
//
// status: iSMsc_query -bv BV -bvflg ld -detail once per BV. Each pair is
// well when its SV is on its BV, snap/active with a time, and its LV is
// linked to it. Otherwise the pair is a problem, and problems make the
// resource warn, never down, as NEC sync resources always did: "SV:... not
// found on BV:...", "SV:... is snap/deleting, not snap/active", "SV:...
// has no snapshot time", "LD:... is not linked to SV:...", "BV:... could
// not be queried ...". The copy's age is the oldest SV time (zero when a
// pair has none); comparing it with sync_max_delay is the parent's job.
package necism
