// Package symclone drives EMC Symmetrix TimeFinder/Clone pairs through
// symcli, as a sync resource of type symclone.
//
// # What it models
//
// A resource is one Symmetrix device group (symdg) holding source
// logical devices and their clone targets, named by logical device (LD)
// name: DEV001:CLONE001. The targets serve a service of their own
// (pre-production, tests, backups): on that service's start the clones
// are activated — they become a read-write point-in-time copy of their
// sources — and a resync recreates them, so that the next activate
// copies only what changed. The clone sessions are created once by hand
// (seed 002):
//
//	symdg create -type REGULAR DGCVI
//	symld -g DGCVI add dev 1234 DEV001
//	symld -g DGCVI add dev 4321 CLONE001
//	symclone -g DGCVI create -diff -precopy DEV001 sym ld CLONE001
//
// # Keywords
//
//	dg                the device group (required)
//	pairs             SOURCE:TARGET LD names, blank, comma or newline
//	                  separated (required). A source may have several
//	                  targets; a device is a target once, and never both a
//	                  source and a target.
//	precopy           yes: recreate with -precopy, so that the array copies
//	                  changed tracks before the next activate (default yes)
//	consistent        yes: activate with -consistent, writes to the
//	                  sources held while all pairs are activated at one
//	                  instant (default no, the command of seed 002)
//	activate_timeout  how long break waits for every pair to be Copied,
//	                  seconds or a duration (default 300)
//	poll_interval     how often it looks, seconds or a duration (default 20)
//
// # Commands
//
// Every command names the group; pairs are passed as "DEV001 sym ld
// CLONE001 ...", all in one command (seed 002). -i 20 -c 30 make symcli
// retry its locks rather than fail when another symcli holds them.
//
// resync and update (the same; the agent's update also activated):
//
//	symclone -g DG query
//	symclone -g DG -noprompt recreate -precopy -i 20 -c 30 DEV001 sym ld CLONE001 ...
//
// Pairs already Precopy or Recreated are left out of the recreate (with a
// log line each): they are waiting for an activate, and the precopy keeps
// them current; when all are, nothing runs ("symclone target devices are
// already recreated"). Pairs Created, CopyInProg, Copied or CopyOnAccess
// are recreated; any other state, a pair missing from the query, or no
// session at all stops the action before any change: better nothing than
// part of a set.
//
// break (what the service start does):
//
//	symclone -g DG query
//	symclone -g DG -noprompt activate -i 20 -c 30 DEV001 sym ld CLONE001 ...
//	symclone -g DG query      every poll_interval, until every pair is Copied
//
// When every pair is already Copied or CopyInProg, it logs "symclone
// target devices are already active" and does nothing, as the agent did:
// their targets are read-write already. Otherwise the pairs Created,
// Precopy or Recreated are activated, and it logs "waiting for copied
// state (max 300 secs)" (seed 002) and polls; a pair still in CopyInProg
// after activate_timeout is an error naming it and its percentage
// (ErrNotCopied), a pair in another state stops the wait at once.
//
// recreate and activate succeed when symclone exits 0 and prints, for
// each pair, "'Recreate' operation successfully initiated for device
// 'DEV001' in group 'DGCVI' paired with target device 'CLONE001'." (or
// "executed"; seed 002), or one such message for the whole group. symcli
// prints these on stderr: a warning, not an error.
//
// status:
//
//	symclone -g DG query
//	symld -g DG list -v
//
// Two commands whatever the number of pairs.
//
// # Status
//
// The pair states come from the query table (facts 2.1), the time of the
// last clone action from symld's "Time of Last Clone Action" of the
// target device (facts 1.2), in C's ctime format without a zone ("Thu Feb
// 25 10:20:56 2010"), read in the resource's timezone. LastSync is the
// OLDEST time across pairs — the rule; the agent took the newest,
// which calls a set fresh when one pair is. Problems, each making the
// resource down (seed 002: "Device are in a unexpected state or not
// present in the resource symmetrix disk group"):
//
//   - a source or target LD not in the group;
//   - a pair that is not in the query: "the source device and the target
//     device do not form a copy session";
//   - a pair in a state other than Copied, CopyInProg (the copies are in
//     use, after break), Precopy, Recreated (after resync) or Created
//     (after a create without -precopy, before the first break);
//     CopyOnAccess, Split, Restored, Failed and the like are problems;
//   - a pair with no time of last clone action, which also makes
//     LastSync zero.
//
// States are compared without regard to case, as the agent did, since
// only Created, CopyInProg and Copied are spelt in published output.
//
// # Not done
//
// The agent's Linux post-activation step (rescan the target SCSI devices,
// wait for sg_turs, reload multipath) belongs to the service's device
// resources, not here. restore (symclone restore) is not an action of
// snapsync.
package symclone
