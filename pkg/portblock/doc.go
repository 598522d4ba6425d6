// Package portblock blocks and unblocks initiator traffic to the local
// iSCSI port with iptables, keeping a journal so that a crash never leaves
// an initiator blocked.
//
// It serves the LUN resize on a storage node: block the initiators'
// addresses, close their sessions, delete and re-add the LUN, unblock.
// Blocked packets are dropped, not rejected: an initiator sees a silent
// stall and retries, never a reset.
//
// Vocabulary:
//
//   - A Block is one source prefix whose TCP traffic to Port is dropped. It
//     is a rule "-s PREFIX -m comment --comment ietkit -j DROP" in our own
//     Chain of the filter table, reached from INPUT by the jump
//     "-p tcp --dport PORT -j CHAIN" at position 1. IPv4 prefixes live in
//     iptables, IPv6 prefixes in ip6tables. Several blocks coexist in the
//     chain; the chain and the jump stay in place when the chain is empty,
//     where they match and drop nothing.
//   - The journal is a JSON file listing every Block whose rule may exist.
//     A Block is written (and fsynced) to the journal before its rule is
//     inserted, and removed from the journal only after its rule is gone,
//     so the journal always lists a superset of the blocks in force. Heal
//     replays it: it deletes each listed rule that is still there and drops
//     its entry. Running Heal at start-up thus lifts whatever a crashed or
//     killed run left behind.
//   - A Blocker does the work. Every operation is safe to repeat: blocking
//     a blocked prefix, unblocking one that is not blocked, healing an empty
//     journal. An flock on the journal's ".lock" file serializes processes
//     around each change of the journal and its rules.
package portblock
