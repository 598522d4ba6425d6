package hostlock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAcquireExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "ietkit.lock")
	ctx := context.Background()
	l1, err := Acquire(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(ctx, path, false)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire: %v, want LockedError", err)
	}
	if le.PID != os.Getpid() {
		t.Errorf("holder pid %d, want %d", le.PID, os.Getpid())
	}

	// A waiting Acquire gets the lock once it is released.
	got := make(chan error, 1)
	go func() {
		l, err := Acquire(ctx, path, true)
		if err == nil {
			l.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("waiting Acquire returned while held: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	l1.Release()
	if err := <-got; err != nil {
		t.Fatalf("waiting Acquire: %v", err)
	}
}

func TestAcquireWaitCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Acquire(ctx, path, true)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v", err)
	}
}
