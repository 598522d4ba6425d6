package fence

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// fakePDU is an in-memory Outlets for the logic's unit tests; the real
// SNMP path is tested against snmpd.
type fakePDU struct {
	mu       sync.Mutex
	name     string
	state    map[int]PowerState
	stuck    map[int]bool // takes a set, keeps its state
	setErr   error
	stateErr error
	lag      int // reads that still show the old state after a set
	pending  map[int]int
	sets     []string
	closed   bool
}

func newFakePDU(name string, outlets ...int) *fakePDU {
	f := &fakePDU{name: name, state: map[int]PowerState{}, stuck: map[int]bool{}, pending: map[int]int{}}
	for _, o := range outlets {
		f.state[o] = StateOn
	}
	return f
}

func (f *fakePDU) Set(ctx context.Context, outlet int, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.setErr != nil {
		return f.setErr
	}
	if _, ok := f.state[outlet]; !ok {
		return fmt.Errorf("%s: no outlet %d", f.name, outlet)
	}
	f.sets = append(f.sets, fmt.Sprintf("%d=%v", outlet, on))
	if f.stuck[outlet] {
		return nil
	}
	f.pending[outlet] = f.lag
	if on {
		f.state[outlet] = StateOn
	} else {
		f.state[outlet] = StateOff
	}
	return nil
}

func (f *fakePDU) State(ctx context.Context, outlet int) (PowerState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return StateUnknown, err
	}
	if f.stateErr != nil {
		return StateUnknown, f.stateErr
	}
	st, ok := f.state[outlet]
	if !ok {
		return StateUnknown, fmt.Errorf("%s: no outlet %d", f.name, outlet)
	}
	if f.pending[outlet] > 0 {
		f.pending[outlet]--
		if st == StateOn {
			return StateOff, nil
		}
		return StateOn, nil
	}
	return st, nil
}

func (f *fakePDU) Close() error { f.closed = true; return nil }

func (f *fakePDU) setCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sets...)
}

var errFakeTimeout = errors.New("request timeout (after 2 retries)")
