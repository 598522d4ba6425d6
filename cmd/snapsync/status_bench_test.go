package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStatus is issue 6's benchmark: "snapsync status" of a service
// of 4 resources (one per array family) × 64 pairs, against the vendor
// CLI simulators. The target is under 1 s of snapsync's own work: the CPU
// time of this process (RUSAGE_SELF: the parsing, the decisions, starting
// the vendor commands), not the simulators' (their processes are
// children, counted apart). Wall time, which includes the 68 vendor
// commands' own run time, is reported too.
//
//	bench/snapsync-status.sh   # = go test -run '^$' -bench BenchmarkStatus -benchtime 20x ./cmd/snapsync/
func BenchmarkStatus(b *testing.B) {
	requireSims(b)
	a := newArrays(b, 64, "")
	var own, wall []time.Duration
	for i := 0; i < b.N; i++ {
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		start := time.Now()
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"snapsync", "--config", a.conf, "--state-dir", a.recDir, "--path", a.bin, "--log-level", "warn", "status"},
			&out, &errOut, time.Now)
		wall = append(wall, time.Since(start))
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		own = append(own, cpu(after)-cpu(before))
		if code != 0 || strings.Count(out.String(), "\n") != 5 {
			b.Fatalf("status: exit %d\n%s\n%s", code, out.String(), errOut.String())
		}
	}
	med := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[(len(d)-1)/2].Microseconds()) / 1000
	}
	b.ReportMetric(med(own), "own-cpu-ms")
	b.ReportMetric(float64(slices.Max(own).Microseconds())/1000, "max-own-cpu-ms")
	b.ReportMetric(med(wall), "wall-ms")
	b.ReportMetric(0, "ns/op")
}

func cpu(r syscall.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
