#!/usr/bin/env bash
# Issue 5's benchmark: 20 fences of node1 on loopback, end to end (client
# ssh connection, forced command, SNMP sets on two PDUs, read-back until
# both report off, exit code), by stonith-proxy and, in the same run, by
# the original procedure (OpenSSH's client and a forced stonith.sh running
# snmpset per PDU, confirming nothing). Reports median and max. Needs root,
# openssh-server, openssh-client, snmpd and snmp.
set -euo pipefail
cd "$(dirname "$0")/.."
IETKIT_BENCH_FENCE=1 go test -run '^$' -bench 'BenchmarkFenceRoundTrip' -benchtime "${RUNS:-20}x" -count 1 -timeout 10m ./cmd/stonith-proxy/
