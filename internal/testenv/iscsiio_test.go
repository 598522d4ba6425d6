package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Stdouts of iscsi-io loop, captured: a loop that ran its course, and one
// whose target was killed mid-loop (its last read stalled).
const (
	loopOutput        = "session open\nreads=189 errors=0 max_latency=10.951891ms\n"
	loopStalledOutput = "session open\nreads=21 errors=1 max_latency=6.988036065s\n"
)

func TestParseLoopSummary(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    LoopResult
		wantErr bool
	}{
		{"ran its course", loopOutput, LoopResult{Reads: 189, MaxLatency: 10951891 * time.Nanosecond}, false},
		{"stalled", loopStalledOutput, LoopResult{Reads: 21, Errors: 1, MaxLatency: 6988036065 * time.Nanosecond}, false},
		{"no reads", "session open\nreads=0 errors=0 max_latency=0s\n", LoopResult{}, false},
		{"last summary wins", "reads=1 errors=1 max_latency=1s\nreads=2 errors=0 max_latency=2s\n", LoopResult{Reads: 2, MaxLatency: 2 * time.Second}, false},
		{"no summary", "session open\n", LoopResult{}, true},
		{"missing field", "reads=3 errors=0\n", LoopResult{}, true},
		{"bad latency", "reads=3 errors=0 max_latency=soon\n", LoopResult{}, true},
		{"negative", "reads=-3 errors=0 max_latency=1s\n", LoopResult{}, true},
		{"repeated field", "reads=3 reads=4 errors=0 max_latency=1s\n", LoopResult{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLoopSummary(tt.out)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseLoopSummary = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzParseLoopSummary(f *testing.F) {
	f.Add(loopOutput)
	f.Add(loopStalledOutput)
	f.Fuzz(func(t *testing.T, out string) {
		r, err := parseLoopSummary(out)
		if err == nil && (r.Reads < 0 || r.Errors < 0 || r.MaxLatency < 0) {
			t.Fatalf("parseLoopSummary(%q) = %+v", out, r)
		}
	})
}

func TestBuildIscsiIOSkipsWithoutGo(t *testing.T) {
	skipped := false
	t.Run("no go in PATH", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		t.Setenv(DisallowSkipEnv, "")
		t.Cleanup(func() { skipped = t.Skipped() })
		BuildIscsiIO(t)
		t.Error("BuildIscsiIO returned")
	})
	if !skipped {
		t.Error("BuildIscsiIO without go did not skip")
	}
}

func TestIscsiIONotBuilt(t *testing.T) {
	in := &Initiator{NS: nil, Name: host0IQN}
	if err := in.Write(context.Background(), "iscsi://198.51.100.1/iqn.x:t/1", 0, nil); err == nil || !strings.Contains(err.Error(), "WithIscsiIO") {
		t.Errorf("Write without iscsi-io: %v", err)
	}
}

func testWriteRead(t *testing.T, f *liveFixture) {
	tg := f.newTarget(t, lunSize)
	ctx := testContext(t)
	in := f.initiator(t, 0)
	url := f.url(tg, 1)
	const lba, n = 2048, 1 << 20
	data := make([]byte, n)
	rand.Read(data)
	if err := in.Write(ctx, url, lba, data); err != nil {
		t.Fatal(err)
	}
	got, err := in.Read(ctx, url, lba, n/512)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes that differ from the %d written", len(got), len(data))
	}
	// The data went through tgtd to the backing file.
	file, err := os.ReadFile(tg.file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file[lba*512:lba*512+n], data) {
		t.Error("the backing file does not hold the data written")
	}

	// iscsi-io refuses partial blocks and ranges past the end, and writes
	// nothing then.
	if err := in.Write(ctx, url, 0, make([]byte, 1000)); err == nil || !strings.Contains(err.Error(), "not a multiple of the block size") {
		t.Errorf("Write of 1000 bytes: %v", err)
	}
	if _, err := in.Read(ctx, url, lunSize/512-1, 2); err == nil || IsLoginRefused(err) {
		t.Errorf("Read past the end: %v", err)
	}
	var ce *CommandError
	if err := in.Write(ctx, url, lunSize/512, make([]byte, 512)); !errors.As(err, &ce) || ce.ExitCode != 1 {
		t.Errorf("Write past the end: %v; want exit status 1", err)
	}
	if file2, err := os.ReadFile(tg.file); err != nil || !bytes.Equal(file, file2) {
		t.Errorf("refused writes changed the backing file (%v)", err)
	}
}

func testLoop(t *testing.T, f *liveFixture) {
	tg := f.newTarget(t, lunSize)
	ctx := testContext(t)
	in := f.initiator(t, 0)
	l, err := in.StartLoop(ctx, f.url(tg, 1), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Wait()
	if err != nil || r.Reads == 0 || r.Errors != 0 || r.MaxLatency <= 0 {
		t.Errorf("loop of 2s = %+v, %v; want reads and no errors", r, err)
	}

	// Stopped early, a loop still reports.
	l, err = in.StartLoop(ctx, f.url(tg, 1), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	r, err = l.Stop()
	if err != nil || r.Reads == 0 || r.Errors != 0 {
		t.Errorf("stopped loop = %+v, %v; want reads and no errors", r, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the loop took %s to stop", d)
	}
}

func testLoopOnDeletedLUN(t *testing.T, f *liveFixture) {
	tg := f.newTarget(t, lunSize)
	ctx := testContext(t)
	in := f.initiator(t, 0)
	l, err := in.StartLoop(ctx, f.url(tg, 1), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	// tgtd refuses to delete a LU with a command in flight ("still
	// active"); the loop reads without pause, so try again until a gap.
	deadline := time.Now().Add(1500 * time.Millisecond)
	for {
		_, err := f.tgtd.Tgtadm(ctx, "--op", "delete", "--mode", "logicalunit", "--tid", fmt.Sprint(tg.tid), "--lun", "1")
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "still active") || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r, err := l.Wait()
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 1 {
		t.Errorf("loop on a deleted lun: %v; want exit status 1", err)
	}
	if r.Errors == 0 || r.Reads <= r.Errors || !strings.Contains(r.Stderr, "LOGICAL_UNIT_NOT_SUPPORTED") {
		t.Errorf("loop on a deleted lun = %+v; want reads, then errors with their sense", r)
	}
}

func testHold(t *testing.T, f *liveFixture) {
	tg := f.newTarget(t, lunSize)
	ctx := testContext(t)
	in := f.initiator(t, 0)
	if n := f.nexuses(t, tg); n != 0 {
		t.Fatalf("%d I_T nexuses before Hold", n)
	}
	stop, err := in.Hold(ctx, f.url(tg, 1), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // past a TEST UNIT READY
	if n := f.nexuses(t, tg); n != 1 {
		t.Errorf("%d I_T nexuses while holding, want 1", n)
	}
	stop()
	deadline := time.Now().Add(10 * time.Second)
	for f.nexuses(t, tg) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the I_T nexus outlived the hold")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nexuses counts the I_T nexuses tgtd shows for tg.
func (f *liveFixture) nexuses(t *testing.T, tg liveTarget) int {
	t.Helper()
	out := f.tgtadm(t, "--op", "show", "--mode", "target")
	header := fmt.Sprintf("Target %d: %s", tg.tid, tg.iqn)
	in, n := false, 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Target ") {
			in = line == header
		}
		if in && strings.HasPrefix(strings.TrimSpace(line), "I_T nexus: ") {
			n++
		}
	}
	return n
}
