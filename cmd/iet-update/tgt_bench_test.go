package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/testenv"
)

var blackoutLine = regexp.MustCompile(`blackout of \S+ \(lun [0-9,]+\): ([0-9.]+m?s);`)

// BenchmarkResizeBlackout resizes a LUN of a real tgtd b.N times while two
// initiators read from it, by iet-update online and by the shell procedure
// of the original update.sh (bench/shell-resize.sh), and reports the
// median and longest blackout (block to unblock), the initiators' longest
// stalled read (what an application sees: the blackout plus the time its
// initiator takes to reconnect), and the median time of a whole
// iet-update run. Run it with bench/resize-blackout.sh.
func BenchmarkResizeBlackout(b *testing.B) {
	if os.Getenv("IETKIT_BENCH_RESIZE") == "" {
		b.Skip("needs root, tgtd, libiscsi and iptables: run bench/resize-blackout.sh")
	}
	for _, mode := range []string{"iet-update", "shell-procedure"} {
		b.Run(mode, func(b *testing.B) { benchResize(b, mode) })
	}
}

func benchResize(b *testing.B, mode string) {
	e := newTgtEnv(b)
	e.config(strings.Replace(tgtConfig, "target alpha 198.51.100.10", "target alpha 198.51.100.10,198.51.100.11", 1))
	e.mustRun("online")
	ctx := context.Background()
	var loops []*testenv.Loop
	for h := 0; h < 2; h++ {
		l, err := e.ini[h].StartLoop(ctx, e.url("alpha", 0), time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		loops = append(loops, l)
	}
	script, _ := filepath.Abs(filepath.Join("..", "..", "bench", "shell-resize.sh"))
	size := int64(64 * mib)
	var blackouts, runs []time.Duration
	// After each resize the initiators reconnect; their stalled read only
	// counts once it ends, so they get time to settle, off the clock.
	settle := func() {
		b.StopTimer()
		time.Sleep(2500 * time.Millisecond)
		b.StartTimer()
	}
	settle()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		size += mib
		e.lun("a0", size)
		start := time.Now()
		switch mode {
		case "iet-update":
			r := e.mustRun("online")
			runs = append(runs, time.Since(start))
			if i == 0 {
				b.Logf("first run:\n%s", r.stdout)
			}
			m := blackoutLine.FindStringSubmatch(r.stdout)
			if m == nil {
				b.Fatalf("no blackout in:\n%s", r)
			}
			d, err := time.ParseDuration(m[1])
			if err != nil {
				b.Fatal(err)
			}
			blackouts = append(blackouts, d)
		default:
			var out []byte
			err := e.net.Server.Do(func() error {
				var err error
				out, err = exec.Command(script, strconv.Itoa(e.tgtd.ControlPort), "1", "1", filepath.Join(e.dir, "a0"),
					"198.51.100.10", "198.51.100.11").CombinedOutput()
				return err
			})
			if err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			_, ns, _ := strings.Cut(strings.TrimSpace(string(out)), "blackout_ns=")
			n, err := strconv.ParseInt(ns, 10, 64)
			if err != nil {
				b.Fatalf("%q: %v", out, err)
			}
			blackouts = append(blackouts, time.Duration(n))
		}
		settle()
	}
	b.StopTimer()
	var stall time.Duration
	for i, l := range loops {
		res, err := l.Stop()
		b.Logf("initiator %d: %+v %v", i, res, err)
		b.ReportMetric(float64(res.Reads), fmt.Sprintf("reads-host%d", i))
		if res.Reads == 0 {
			b.Errorf("initiator %d: %+v, %v", i, res, err)
		}
		if res.MaxLatency > stall {
			stall = res.MaxLatency
		}
		b.ReportMetric(float64(res.Errors), fmt.Sprintf("read-errors-host%d", i))
	}
	if got := e.capacity(0, "alpha", 0); got != size {
		b.Errorf("capacity %d after the resizes, want %d", got, size)
	}
	med, max := medianMax(blackouts)
	b.ReportMetric(ms(med), "median-blackout-ms")
	b.ReportMetric(ms(max), "max-blackout-ms")
	b.ReportMetric(ms(stall), "max-read-stall-ms")
	if len(runs) > 0 {
		medRun, _ := medianMax(runs)
		b.ReportMetric(ms(medRun), "median-run-ms")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func medianMax(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], s[len(s)-1]
}
