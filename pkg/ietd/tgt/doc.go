// Package tgt is the ietd backend for tgt, the Linux SCSI target
// framework: it reads the running state with tgtadm --op show and changes
// it with tgtadm, talking to the tgtd on one control port (tgtadm -C).
// Facts below were measured on tgt 1.0.85 (Debian 12) by this package's
// live tests.
//
// Vocabulary and how tgt differs from IET:
//
//   - Controller LU: tgtd gives every target a LUN 0 of type controller
//     that cannot be deleted. Config LUN n is therefore tgt LUN n+1: State
//     hides tgt LUN 0 and reports tgt LUN m as m-1; AddLUN and DeleteLUN
//     add 1. Config LUNs 0 to MaxLUN can be served.
//   - Rough sizes: tgtadm shows a LUN's block-aligned size rounded to
//     decimal megabytes only, kept as LUN.Approx ± ApproxTolerance.
//   - I/O modes: IET's Type and IOMode become backing store flags: blockio
//     is O_DIRECT ("direct"), IOMode wt (IET's default) is O_SYNC ("sync"),
//     wb neither, ro the LU's readonly parameter.
//   - I_T nexus: tgt's session; its number is the session id (SID).
//     tgtd refuses to delete a target with one, and a LUN while commands
//     to it are in flight (ErrBusy).
//   - Accounts: CHAP accounts are global, one password per name, bound to
//     targets incoming or outgoing (Caps().GlobalAccounts). tgtd shows no
//     passwords and cannot change one, so AddUser recreates an account
//     and binds it again. There are no discovery accounts. tgtd keeps a
//     target's incoming accounts in a way that breaks when one but the
//     last is unbound; see unbind.go for how this backend copes.
//   - ACL: tgtd lets an initiator log in when an entry of the target
//     matches its address or its name (an address, a network, an
//     initiator name, or ALL); a target without entries admits nobody
//     (Caps().LiveACL). tgtd compares entries as written, so they are
//     bound in one spelling.
//   - Names: tgtd compares target names case-sensitively (IET does not).
//
// Errors: tgtadm exits 22 for everything tgtd refuses, so errors.go
// classifies its messages in one table.
package tgt
