package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRunUsageErrors(t *testing.T) {
	const url = "iscsi://alice%topsecret@198.51.100.1:3260/iqn.2001-04.com.example:t1/1"
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no command", nil, "usage: iscsi-io"},
		{"unknown command", []string{"dd", url}, `unknown command "dd"`},
		{"bad global flag", []string{"-x", "capacity", url}, "flag provided but not defined: -x"},
		{"capacity without url", []string{"capacity"}, "want 1 arguments"},
		{"write without lba", []string{"write", url}, "want 2 arguments"},
		{"write bad lba", []string{"write", url, "1x"}, `LBA: "1x" is not a number`},
		{"write negative lba", []string{"write", url, "-1"}, "flag provided but not defined: -1"},
		{"read extra argument", []string{"read", url, "0", "8", "9"}, "want 3 arguments"},
		{"loop bad duration", []string{"loop", url, "soon"}, `DURATION: "soon" is not a positive duration`},
		{"loop zero duration", []string{"loop", url, "0s"}, "not a positive duration"},
		{"loop bad every", []string{"loop", url, "1s", "-every", "x"}, `invalid value "x" for flag -every`},
		{"loop negative every", []string{"loop", url, "1s", "-every", "-1s"}, "negative interval"},
		{"loop zero blocks", []string{"loop", "-blocks", "0", url, "1s"}, "-blocks: must be at least 1"},
		{"hold without duration", []string{"-i", "iqn.x:h", "hold", url}, "want 2 arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitUsage, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr does not hold %q:\n%s", tt.wantErr, &stderr)
			}
			if strings.Contains(stderr.String(), "topsecret") {
				t.Errorf("stderr shows the password:\n%s", &stderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q, want nothing", &stdout)
			}
		})
	}
}

// TestRunRedactsLibiscsiErrors runs a URL libiscsi cannot parse: its
// message quotes the URL, password and all.
func TestRunRedactsLibiscsiErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"capacity", "iscsi://alice%topsecret@198.51.100.1:3260"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitFailure {
		t.Errorf("exit status %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr.String(), "Invalid URL iscsi://alice%xxxxx@198.51.100.1:3260") || strings.Contains(stderr.String(), "topsecret") {
		t.Errorf("stderr:\n%s", &stderr)
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args      []string
		wantPos   []string
		wantEvery time.Duration
		wantErr   bool
	}{
		{[]string{"u", "2s"}, []string{"u", "2s"}, 10 * time.Millisecond, false},
		{[]string{"u", "2s", "-every", "1ms"}, []string{"u", "2s"}, time.Millisecond, false},
		{[]string{"-every", "1ms", "u", "2s"}, []string{"u", "2s"}, time.Millisecond, false},
		{[]string{"u", "-every=3ms", "2s"}, []string{"u", "2s"}, 3 * time.Millisecond, false},
		{[]string{"u"}, nil, 0, true},
		{[]string{"u", "2s", "3s"}, nil, 0, true},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("loop", flag.ContinueOnError)
		every := fs.Duration("every", 10*time.Millisecond, "")
		pos, err := parseArgs(fs, tt.args, "URL", "DURATION")
		if (err != nil) != tt.wantErr {
			t.Errorf("parseArgs(%q): %v, want error %v", tt.args, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(tt.wantPos, pos); diff != "" || *every != tt.wantEvery {
			t.Errorf("parseArgs(%q): every %s (want %s), positional (-want +got):\n%s", tt.args, *every, tt.wantEvery, diff)
		}
	}
}

func TestLoopPlanWraps(t *testing.T) {
	tests := []struct {
		plan loopPlan
		want []uint64
	}{
		{loopPlan{blocks: 8, capacity: 32}, []uint64{0, 8, 16, 24, 0, 8}},
		{loopPlan{blocks: 8, capacity: 30}, []uint64{0, 8, 16, 0, 8, 16}},
		{loopPlan{blocks: 8, capacity: 8}, []uint64{0, 0, 0}},
		{loopPlan{blocks: 1, capacity: 2}, []uint64{0, 1, 0, 1}},
	}
	for _, tt := range tests {
		var got []uint64
		lba := uint64(0)
		for range tt.want {
			got = append(got, lba)
			lba = tt.plan.next(lba)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tt.plan, diff)
		}
	}
}

func TestChunksAndRanges(t *testing.T) {
	for _, tt := range []struct{ blockSize, want uint64 }{{512, 512}, {4096, 64}, {1 << 20, 1}} {
		if got := chunkBlocks(tt.blockSize); got != tt.want {
			t.Errorf("chunkBlocks(%d) = %d, want %d", tt.blockSize, got, tt.want)
		}
	}
	for _, tt := range []struct {
		lba, n, capacity uint64
		ok               bool
	}{
		{0, 10, 10, true}, {9, 1, 10, true}, {10, 0, 10, true},
		{9, 2, 10, false}, {11, 0, 10, false}, {1, ^uint64(0), 10, false},
	} {
		if err := checkRange(tt.lba, tt.n, tt.capacity); (err == nil) != tt.ok {
			t.Errorf("checkRange(%d, %d, %d) = %v, want ok %v", tt.lba, tt.n, tt.capacity, err, tt.ok)
		}
	}
}

func TestLoopSummaryFormat(t *testing.T) {
	got := loopStats{reads: 189, errors: 2, unitAttentions: 1, maxLatency: 10951891 * time.Nanosecond}.String()
	if want := "reads=189 errors=2 unit_attentions=1 max_latency=10.951891ms"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
