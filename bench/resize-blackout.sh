#!/usr/bin/env bash
# Issue 3's benchmark: 20 live resizes of a LUN on a real tgtd with two
# initiators connected, by iet-update online and, in the same run, by the
# shell procedure of the original update.sh (bench/shell-resize.sh).
# Reports median and max blackout, the initiators' longest stalled read,
# and iet-update's whole run time. Needs root, tgt, libiscsi-bin,
# libiscsi-dev, iptables.
set -euo pipefail
cd "$(dirname "$0")/.."
IETKIT_BENCH_RESIZE=1 go test -run '^$' -bench 'BenchmarkResizeBlackout' -benchtime "${RESIZES:-20}x" -count 1 -timeout 30m ./cmd/iet-update/
