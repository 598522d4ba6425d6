// Package ietsim simulates the iSCSI Enterprise Target (IET) as ietkit sees
// it: the answers of ietadm and the files /proc/net/iet/volume and
// /proc/net/iet/session. The kernel module iscsi_trgt cannot load on a test
// machine, so tests run ietkit against this simulator instead. Every format
// and quirk reproduced here comes from facts/iet-cluster.md section 1 and is
// checked against the hand-written fixtures in testdata/iet/proc.
//
// Vocabulary:
//
//   - State is what ietd and the kernel module hold: targets, the discovery
//     accounts, the next target id to allocate, the IET version simulated
//     and whether ietd is running. It lives in a state directory as
//     state.json and is rendered into ROOT/proc/net/iet after every change.
//   - Target is one iSCSI target (tid, name, target and session parameters,
//     CHAP accounts, LUNs, sessions). LUN is one logical unit; its block
//     count is computed once, when it is added, as the kernel does. Session
//     and Conn are an initiator's login and its TCP connections; only tests
//     create them (Sim.AddSession), as initiators would.
//   - Account is a CHAP user: a target (or discovery, tid 0) has many
//     incoming users and at most one outgoing user.
//   - An invocation is one run of the fake ietadm (Exec, or the
//     fake-ietadm command). Its options are parsed like ietadm's
//     getopt_long; the client-side checks ietadm makes before talking to
//     ietd happen first, then the request is performed on the State under
//     an flock. Each invocation is appended to calls.log as a Call.
//   - An op name (target-new, lun-delete, ...) names a request that test
//     hooks can act on: IETSIM_FAIL makes it fail, IETSIM_HOOK_<OP> runs a
//     program just before it.
//   - Sim is the Go handle tests hold on a state directory. Each of its
//     methods loads the state under the lock, changes it, saves it and
//     re-renders /proc, so it interleaves safely with fake-ietadm
//     processes.
//
// The state directory holds state.json, lock (the flock), calls.log (one
// JSON Call per invocation), ietd.log (why ietd refused a request, which
// ietadm does not print), hooks.log (hook output) and fail.json (how often
// each IETSIM_FAIL item has fired).
//
// Parameter values are stored as ietd stores them: numbers as they are,
// booleans as 1 (Yes) or 0 (No), digests as a bit set (1 None, 2 CRC32C).
// Not simulated: nullio LUNs, --redirect, negotiated per-session
// parameters, ietd.conf (a restarted ietd keeps the state).
package ietsim
