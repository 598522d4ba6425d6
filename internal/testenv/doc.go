// Package testenv provides helpers that give tests real environments to run
// against: root-only skips, network namespaces and a small bridged network
// of namespaces, all created per test and removed in t.Cleanup.
//
// Vocabulary:
//
//   - A NetNS is a named Linux network namespace ("ietk-" and random hex)
//     with only lo, brought up. NetNS.Do runs code inside it on a locked OS
//     thread; sockets created there and child processes started there (such
//     as iptables) belong to the namespace.
//   - A Network is one "server" namespace holding a bridge, plus Hosts, each
//     in its own namespace and wired to the bridge by a veth pair. It stands
//     in for a storage node and its initiators. Nothing is ever created in
//     the namespace the test runs in.
//   - A skip is a missing prerequisite (root, a tool). It skips the test
//     with the reason, unless IETKIT_TEST_DISALLOW_SKIP=1 (set by CI), where
//     it fails the test instead, so that CI never passes by skipping.
//
// Addresses of a Network come from the documentation ranges: the server has
// 198.51.100.1/24 and 2001:db8:100::1/64 on its bridge; host i (0-based) has
// 198.51.100.(10+i)/24 and 2001:db8:100::(10+i)/64, where the last IPv6
// group spells the same decimal digits as the IPv4 octet (host 0 is
// 198.51.100.10 and 2001:db8:100::10, that is hex 0x10).
package testenv
