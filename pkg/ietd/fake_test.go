package ietd

import (
	"context"
	"fmt"
	"io/fs"
	"net/netip"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// fakeBackend records calls as short strings and fails those named in fail.
type fakeBackend struct {
	calls []string
	state *State
	// fail maps a call (or its prefix up to the first space) to errors
	// returned in turn; the last one repeats.
	fail map[string][]error
	// onCall runs on every call, after it is recorded.
	onCall func(call string)
	caps   Capabilities
}

func (f *fakeBackend) record(format string, args ...any) error {
	c := fmt.Sprintf(format, args...)
	f.calls = append(f.calls, c)
	if f.onCall != nil {
		f.onCall(c)
	}
	for _, key := range []string{c, strings.SplitN(c, " ", 2)[0]} {
		if errs := f.fail[key]; len(errs) > 0 {
			err := errs[0]
			if len(errs) > 1 {
				f.fail[key] = errs[1:]
			}
			return err
		}
	}
	return nil
}

func (f *fakeBackend) Name() string       { return "fake" }
func (f *fakeBackend) Caps() Capabilities { return f.caps }
func (f *fakeBackend) BindInitiators(ctx context.Context, tid int, entries []string) error {
	return f.record("bind %d %s", tid, strings.Join(entries, ","))
}
func (f *fakeBackend) UnbindInitiators(ctx context.Context, tid int, entries []string) error {
	return f.record("unbind %d %s", tid, strings.Join(entries, ","))
}
func (f *fakeBackend) State(ctx context.Context) (*State, error) {
	if err := f.record("state"); err != nil {
		return nil, err
	}
	if f.state == nil {
		return &State{}, nil
	}
	return f.state, nil
}
func (f *fakeBackend) Details(ctx context.Context, s *State, tid int) error {
	return f.record("details %d", tid)
}
func (f *fakeBackend) AddTarget(ctx context.Context, tid int, iqn string) error {
	return f.record("add-target %d %s", tid, iqn)
}
func (f *fakeBackend) DeleteTarget(ctx context.Context, tid int) error {
	return f.record("delete-target %d", tid)
}
func (f *fakeBackend) SetOptions(ctx context.Context, tid int, opts []targetconf.Option) error {
	var kv []string
	for _, o := range opts {
		kv = append(kv, o.Key+"="+o.Value)
	}
	return f.record("set-options %d %s", tid, strings.Join(kv, ","))
}
func (f *fakeBackend) AddUser(ctx context.Context, tid int, u targetconf.User) error {
	return f.record("add-user %d %s %s", tid, u.Dir, u.Name)
}
func (f *fakeBackend) DeleteUser(ctx context.Context, tid int, dir targetconf.Direction, name string) error {
	return f.record("delete-user %d %s %s", tid, dir, name)
}
func (f *fakeBackend) AddLUN(ctx context.Context, tid int, l targetconf.LUN) error {
	return f.record("add-lun %d %d %s", tid, l.Number, l.Params())
}
func (f *fakeBackend) DeleteLUN(ctx context.Context, tid int, lun int) error {
	return f.record("delete-lun %d %d", tid, lun)
}
func (f *fakeBackend) CloseConnection(ctx context.Context, tid int, sid uint64, cid uint32) error {
	return f.record("close %d %d %d", tid, sid, cid)
}

// fakeBlocker logs into the backend's call list, so that the order of
// blocking and daemon calls can be checked in one list.
type fakeBlocker struct {
	b        *fakeBackend
	blockErr error
	// unblockCtxErr records ctx.Err() seen by Unblock.
	unblockCtxErr []error
}

func (f *fakeBlocker) Block(ctx context.Context, reason string, ps []netip.Prefix) error {
	f.b.calls = append(f.b.calls, "block "+joinPrefixes(ps))
	return f.blockErr
}

func (f *fakeBlocker) Unblock(ctx context.Context, ps []netip.Prefix) error {
	f.b.calls = append(f.b.calls, "unblock "+joinPrefixes(ps))
	f.unblockCtxErr = append(f.unblockCtxErr, ctx.Err())
	return nil
}

type fakeFiles struct{ written map[string]string }

func (f *fakeFiles) WriteFile(path string, data []byte, mode fs.FileMode) error {
	if f.written == nil {
		f.written = map[string]string{}
	}
	f.written[path] = fmt.Sprintf("%04o %s", mode, data)
	return nil
}

type fakeReporter struct {
	steps     []string
	blackouts []Blackout
}

func (r *fakeReporter) Step(a Action, err error) {
	s := "ok " + a.Kind()
	if err != nil {
		s = "FAILED " + a.Kind()
	}
	r.steps = append(r.steps, s)
}
func (r *fakeReporter) Blackout(b Blackout) { r.blackouts = append(r.blackouts, b) }
