#!/usr/bin/env bash
# Issue 6's benchmark: "snapsync status" of a service of 4 resources (NEC,
# IBM, Symmetrix, GDS) x 64 pairs against the vendor CLI simulators, 20
# times. Reports the median and max CPU time of snapsync itself (target:
# under 1 s) and the median wall time, which includes the simulators'.
# Needs root (the IBM credentials files must be root's) and Go.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench 'BenchmarkStatus$' -benchtime "${RUNS:-20}x" -count 1 -timeout 10m ./cmd/snapsync/
