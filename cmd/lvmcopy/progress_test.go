package main

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMinRate: a copy that stays below the minimum rate for the window
// warns once, or is cancelled with the reason when it must fail.
func TestMinRate(t *testing.T) {
	for _, fail := range []bool{false, true} {
		var logs syncBuffer
		cause := make(chan error, 1)
		p := newIdleProgress(io.Discard, slog.New(slog.NewTextHandler(&logs, nil)), "src", 5, fail, func(err error) { cause <- err })
		p.every, p.window = 10*time.Millisecond, 100*time.Millisecond
		p.begin()
		p.Add(1 << 10) // 1 KiB: far below 5 MB/s
		var got error
		select {
		case got = <-cause:
		case <-time.After(2 * time.Second):
		}
		p.stop()
		if fail {
			if got == nil || !strings.Contains(got.Error(), "below the minimum of 5.0 MB/s (--min-rate-fail)") {
				t.Errorf("fail: cancelled with %v", got)
			}
			continue
		}
		if got != nil {
			t.Errorf("warn only, yet cancelled: %v", got)
		}
		if n := strings.Count(logs.String(), "below the minimum of 5.0 MB/s"); n != 1 {
			t.Errorf("want one warning, got %d:\n%s", n, logs.String())
		}
	}
}

// TestNoMinRate: a fast copy neither warns nor fails.
func TestNoMinRate(t *testing.T) {
	var logs syncBuffer
	p := newIdleProgress(io.Discard, slog.New(slog.NewTextHandler(&logs, nil)), "src", 5, true, func(err error) { t.Errorf("cancelled: %v", err) })
	p.every, p.window = 10*time.Millisecond, 50*time.Millisecond
	p.begin()
	stop := time.After(300 * time.Millisecond)
	for done := false; !done; {
		select {
		case <-stop:
			done = true
		case <-time.After(5 * time.Millisecond):
			p.Add(1 << 20) // ~200 MB/s
		}
	}
	p.stop()
	if strings.Contains(logs.String(), "below") {
		t.Errorf("warned: %s", logs.String())
	}
}
