// Package ietd keeps a running iSCSI target in line with a target.conf.
//
// Vocabulary:
//
//   - State: what the target daemon serves right now: targets by tid, their
//     LUNs with the size they serve, open sessions with their connections,
//     and (where the daemon can show them) target options and CHAP users.
//   - Backend: one target daemon behind one interface (IET through
//     /proc/net/iet and ietadm in ietd/iet).
//   - Records: what ietkit itself did, kept in a state file: the size a LUN
//     was added with (for daemons that do not show it), the options and a
//     fingerprint of the CHAP secrets it set.
//   - Plan: an ordered list of typed Actions computed by a pure function of
//     the desired Config, the State, the device sizes and the Records.
//     Apply runs it in order, stops at the first failure and reports what
//     was done and what was not.
//   - Re-add: ietd reads a LUN's size only when the LUN is added, so a LUN
//     whose device grew (ResizeLUN) or whose parameters changed
//     (ReplaceLUN) is deleted and added again. Meanwhile its initiators are
//     blocked with iptables (DROP, so they stall and retry rather than fail)
//     and their sessions closed; the block is lifted on every path out.
//     The time between block and unblock is the blackout.
package ietd
