package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// progress counts copied bytes and shows them: a bar redrawn on a
// terminal, a log line every logEvery otherwise. It also watches the
// rate: below minRate MB/s for rateWindow it warns once, or cancels the
// run when failBelow.
type progress struct {
	n      atomic.Int64
	total  atomic.Int64
	w      io.Writer
	log    *slog.Logger
	label  string
	tty    bool
	start  time.Time
	done   chan struct{}
	wg     sync.WaitGroup
	min    float64
	fail   bool
	cancel func(error)
	// every and window are logEvery/drawEvery and rateWindow; tests
	// shorten them.
	every, window time.Duration
}

const (
	drawEvery  = 250 * time.Millisecond
	logEvery   = 10 * time.Second
	rateWindow = 30 * time.Second
)

func newProgress(w io.Writer, log *slog.Logger, label string, minRate float64, failBelow bool, cancel func(error)) *progress {
	p := newIdleProgress(w, log, label, minRate, failBelow, cancel)
	p.begin()
	return p
}

// newIdleProgress is newProgress, not started yet.
func newIdleProgress(w io.Writer, log *slog.Logger, label string, minRate float64, failBelow bool, cancel func(error)) *progress {
	p := &progress{w: w, log: log, label: label, start: time.Now(), done: make(chan struct{}), min: minRate, fail: failBelow, cancel: cancel,
		every: logEvery, window: rateWindow}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		p.every = drawEvery
	}
	return p
}

// begin starts watching (tests shorten the periods before).
func (p *progress) begin() {
	p.wg.Add(1)
	go p.loop()
}

// Add implements lvm.Counter.
func (p *progress) Add(n int64) { p.n.Add(n) }

// SetTotal gives the size, for the percentage and ETA.
func (p *progress) SetTotal(n int64) { p.total.Store(n) }

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (p *progress) loop() {
	defer p.wg.Done()
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	type sample struct {
		t time.Time
		n int64
	}
	var window []sample
	warned := false
	lastLog := time.Now()
	for {
		select {
		case <-p.done:
			return
		case now := <-tick.C:
			n := p.n.Load()
			window = append(window, sample{now, n})
			for len(window) > 1 && now.Sub(window[0].t) > p.window {
				window = window[1:]
			}
			if p.tty {
				p.draw(now, n)
			} else if now.Sub(lastLog) >= p.every {
				p.log.Info("copying", "what", p.label, "copied", human(n), "rate", human(int64(rate(n, now.Sub(p.start))))+"/s")
				lastLog = now
			}
			if p.min > 0 && now.Sub(p.start) >= p.window && len(window) > 1 {
				r := float64(window[len(window)-1].n-window[0].n) / window[len(window)-1].t.Sub(window[0].t).Seconds() / 1e6
				if r < p.min {
					msg := fmt.Sprintf("the rate stayed at %.1f MB/s for %s, below the minimum of %.1f MB/s", r, p.window, p.min)
					if p.fail {
						p.cancel(fmt.Errorf("aborted: %s (--min-rate-fail)", msg))
						return
					}
					if !warned {
						p.log.Warn(msg, "what", p.label)
						warned = true
					}
				}
			}
		}
	}
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func (p *progress) draw(now time.Time, n int64) {
	total := p.total.Load()
	r := rate(n, now.Sub(p.start))
	line := fmt.Sprintf("%s %s %s/s", p.label, human(n), human(int64(r)))
	if total > 0 {
		frac := float64(n) / float64(total)
		const width = 30
		filled := int(frac * width)
		if filled > width {
			filled = width
		}
		eta := "?"
		if r > 0 {
			eta = time.Duration(float64(total-n) / r * float64(time.Second)).Round(time.Second).String()
		}
		line = fmt.Sprintf("[%s%s] %3.0f%% %s of %s %s/s ETA %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			frac*100, human(n), human(total), human(int64(r)), eta)
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
}
