package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// stallLimit is how long a read of loop may go unanswered before it is
// abandoned and counted as failed.
const stallLimit = 5 * time.Second

// readyLine is what loop and hold print on stdout once logged in.
const readyLine = "session open"

// loopStats is the summary of a loop: reads counts every read that ended,
// errors those that failed.
type loopStats struct {
	reads, errors int
	// unitAttentions counts UNIT ATTENTIONs, after which the read was
	// sent again, as initiators do; they are not errors.
	unitAttentions int
	maxLatency     time.Duration
}

func (st loopStats) String() string {
	return fmt.Sprintf("reads=%d errors=%d unit_attentions=%d max_latency=%s", st.reads, st.errors, st.unitAttentions, st.maxLatency)
}

// loopPlan is what a loop reads: blocks blocks at a time, from LBA 0 on,
// wrapping before the end of a LUN of capacity blocks.
type loopPlan struct {
	blocks, capacity uint64
}

// next returns the LBA to read after lba.
func (p loopPlan) next(lba uint64) uint64 {
	lba += p.blocks
	if lba > p.capacity || p.blocks > p.capacity-lba {
		return 0
	}
	return lba
}

func runLoop(ctx context.Context, e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("loop", flag.ContinueOnError)
	every := fs.Duration("every", 10*time.Millisecond, "pause between the starts of two reads")
	blocks := fs.Uint64("blocks", 8, "blocks per read")
	pos, err := parseArgs(fs, args, "URL", "DURATION")
	if err != nil {
		return 0, err
	}
	d, err := parsePositiveDuration("DURATION", pos[1])
	if err != nil {
		return 0, err
	}
	if *every < 0 {
		return 0, usagef("-every: negative interval %s", *every)
	}
	if *blocks == 0 {
		return 0, usagef("-blocks: must be at least 1")
	}
	s, err := dial(ctx, e.initiator, pos[0])
	if err != nil {
		return 0, err
	}
	defer s.close()
	capacity, blockSize, err := s.readCapacity(ctx)
	if err != nil {
		return 0, err
	}
	if *blocks > capacity || *blocks > maxChunk/blockSize {
		return 0, fmt.Errorf("cannot read %d blocks at a time: the lun has %d blocks of %d bytes, and a read carries at most %d bytes", *blocks, capacity, blockSize, maxChunk)
	}
	fmt.Fprintln(e.stdout, readyLine)
	st := readLoop(ctx, s, e.stderr, loopPlan{*blocks, capacity}, blockSize, *every, time.Now().Add(d))
	fmt.Fprintln(e.stdout, st)
	if st.errors > 0 {
		return exitFailure, nil
	}
	return exitOK, nil
}

// readLoop reads by plan every interval until end, or until ctx ends, and
// reports each failed read on stderr. A read still running when ctx ends
// is not counted, unless it has stalled for stallLimit.
func readLoop(ctx context.Context, s *session, stderr io.Writer, plan loopPlan, blockSize uint64, every time.Duration, end time.Time) loopStats {
	var st loopStats
	buf := make([]byte, plan.blocks*blockSize)
	lba := uint64(0)
	next := time.Now()
	for {
		now := time.Now()
		if !now.Before(end) || ctx.Err() != nil {
			return st
		}
		if now.Before(next) {
			sleepUntil(ctx, earliest(next, end))
			continue
		}
		next = now.Add(every)
		rctx, cancel := context.WithDeadline(ctx, end.Add(stallLimit))
		err := s.read16(rctx, lba, buf, blockSize)
		if isUnitAttention(err) {
			st.unitAttentions++
			fmt.Fprintf(stderr, "iscsi-io loop: %v (noted; read sent again)\n", err)
			err = s.read16(rctx, lba, buf, blockSize)
		}
		latency := time.Since(now)
		stalled := rctx.Err() == context.DeadlineExceeded
		cancel()
		if err != nil && ctx.Err() != nil && latency < stallLimit {
			return st // stopped by a signal; this read never ended
		}
		st.reads++
		st.maxLatency = max(st.maxLatency, latency)
		if err != nil {
			st.errors++
			if stalled {
				err = fmt.Errorf("read %d bytes at lba %d: no answer within %s", len(buf), lba, latency.Round(time.Millisecond))
			}
			fmt.Fprintf(stderr, "iscsi-io loop: %v\n", err)
		}
		lba = plan.next(lba)
	}
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sleepUntil sleeps until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

func runHold(ctx context.Context, e *env, args []string) (int, error) {
	pos, err := parseArgs(flag.NewFlagSet("hold", flag.ContinueOnError), args, "URL", "DURATION")
	if err != nil {
		return 0, err
	}
	d, err := parsePositiveDuration("DURATION", pos[1])
	if err != nil {
		return 0, err
	}
	s, err := dial(ctx, e.initiator, pos[0])
	if err != nil {
		return 0, err
	}
	defer s.close()
	fmt.Fprintln(e.stdout, readyLine)
	start := time.Now()
	hctx, cancel := context.WithDeadline(ctx, start.Add(d))
	defer cancel()
	turs, errs := 0, 0
	for {
		sleepUntil(hctx, time.Now().Add(time.Second))
		if hctx.Err() != nil {
			break
		}
		err := s.testUnitReady(hctx)
		var ab *abandonedError
		if errors.As(err, &ab) && hctx.Err() != nil {
			break // the hold ended while the command ran
		}
		turs++
		if err != nil {
			errs++
			fmt.Fprintf(e.stderr, "iscsi-io hold: %v\n", err)
		}
	}
	fmt.Fprintf(e.stdout, "held=%s test_unit_ready=%d errors=%d\n", time.Since(start).Round(time.Millisecond), turs, errs)
	return exitOK, nil
}
