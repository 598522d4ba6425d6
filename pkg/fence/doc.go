// Package fence models fencing a storage node by cutting its power: the
// APC PDU outlets that feed it (SNMP, pdu.go), the proxy host's policy of
// which caller may power off which node (config.go, policy.go), the
// strictly parsed request a caller sends through an ssh forced command
// (request.go), the power actions confirmed by reading the outlets back
// (power.go), and the client that asks the proxy (client.go).
//
// A node is off only when every outlet that feeds it reports off: a node
// with redundant power supplies has outlets on two PDUs. Anything short of
// that (an unreachable PDU, an SNMP error, a read-back that never
// confirms) is a failure, never reported as success.
package fence
