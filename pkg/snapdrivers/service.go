package snapdrivers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ietkit/ietkit/internal/atomicfile"
	"github.com/ietkit/ietkit/pkg/remote"
)

// DefaultStateDir holds, per service, the record of each resource's last
// success.
const DefaultStateDir = "/var/lib/ietkit/snapsync"

// Service is a service file's sync resources, ready to run, in file order.
type Service struct {
	Name      string
	Resources []*Resource
	StateDir  string // this service's directory of records
	Now       func() time.Time
	Log       *slog.Logger
	// Runner runs prechecks.
	Runner remote.Runner
}

// Resource is one sync resource.
type Resource struct {
	RID      string
	Kind     string
	MinDelay time.Duration
	MaxDelay time.Duration
	Precheck *Precheck
	Driver   Driver
	// FailState is the status when the array cannot be queried: the
	// family's problem state (warn for NEC and IBM, which the original
	// never reported down).
	FailState State
	Log       *slog.Logger
}

// LoadOptions say how to build a Service.
type LoadOptions struct {
	Factory  Factory
	Runner   remote.Runner // runs vendor commands and prechecks
	StateDir string        // DefaultStateDir when empty; the service's own directory is under it
	Log      *slog.Logger  // a LineHandler's, for the vendor command lines
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error
}

// FailStates are the states of a failed status query per kind; Down for
// kinds not listed.
var FailStates = map[string]State{"necism": Warn, "ibmdsflash": Warn}

// LoadService parses the service file at path and builds every resource's
// driver, checking every keyword: any error, in any section, fails the
// whole load, before any vendor command runs.
func LoadService(name, path string, o LoadOptions) (*Service, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	defer f.Close()
	sf, err := ParseServiceFile(f, path)
	if err != nil {
		return nil, err
	}
	return NewService(name, sf, o)
}

// NewService builds the resources of a parsed service file.
func NewService(name string, sf *ServiceFile, o LoadOptions) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	svc := &Service{Name: name, StateDir: filepath.Join(o.StateDir, name), Now: o.Now, Log: o.Log, Runner: o.Runner}
	var errs []error
	for _, sec := range sf.Sections {
		r, err := newResource(sec, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, sec.Unused()...)
		svc.Resources = append(svc.Resources, r)
	}
	errs = append(errs, sf.Defaults.Unused()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return svc, nil
}

func newResource(sec *Section, o LoadOptions) (*Resource, error) {
	kind, err := sec.Required("type", "necism, ibmdsflash, symclone or gdsproxy")
	if err != nil {
		return nil, err
	}
	r := &Resource{RID: sec.Name, Kind: kind, FailState: Down}
	if s, ok := FailStates[kind]; ok {
		r.FailState = s
	}
	var errs []error
	if r.MinDelay, err = sec.Minutes("sync_min_delay", DefaultMinDelay); err != nil {
		errs = append(errs, err)
	}
	if r.MaxDelay, err = sec.Minutes("sync_max_delay", DefaultMaxDelay); err != nil {
		errs = append(errs, err)
	} else if r.MaxDelay == 0 {
		errs = append(errs, sec.Errorf("sync_max_delay", "cannot be 0"))
	}
	if r.MinDelay > r.MaxDelay && len(errs) == 0 {
		errs = append(errs, sec.Errorf("sync_min_delay", "%s is longer than sync_max_delay (%s): every copy would be stale before the next resync is allowed", r.MinDelay, r.MaxDelay))
	}
	if r.Precheck, err = ParsePrecheck(sec); err != nil {
		errs = append(errs, err)
	}
	loc := time.Local
	if tz := sec.Get("timezone"); tz != "" {
		if loc, err = time.LoadLocation(tz); err != nil {
			errs = append(errs, sec.Errorf("timezone", "%q: want an IANA zone such as Europe/Paris: %v", tz, err))
		}
	}
	r.Log = o.Log.With(ResourceAttr, sec.Name)
	env := Env{Exec: &Exec{Runner: o.Runner, Log: r.Log}, Location: loc, Now: o.Now, Sleep: o.Sleep}
	if len(errs) == 0 {
		if r.Driver, err = o.Factory(kind, sec, env); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Select returns the resources named by rids (all when empty), in file
// order; an unknown rid is an error.
func (s *Service) Select(rids []string) ([]*Resource, error) {
	if len(rids) == 0 {
		return s.Resources, nil
	}
	var out []*Resource
	for _, want := range rids {
		if !slices.ContainsFunc(s.Resources, func(r *Resource) bool { return strings.EqualFold(r.RID, want) }) {
			var have []string
			for _, r := range s.Resources {
				have = append(have, r.RID)
			}
			return nil, fmt.Errorf("no resource %q in service %s (it has %s)", want, s.Name, strings.Join(have, ", "))
		}
	}
	for _, r := range s.Resources {
		if slices.ContainsFunc(rids, func(w string) bool { return strings.EqualFold(r.RID, w) }) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Outcome is what happened to one resource in a run.
type Outcome struct {
	RID    string
	Result string // done, refused, failed, not run
	Err    error
}

// RunOptions are a run's flags.
type RunOptions struct {
	Force bool
	RIDs  []string
}

// Run carries action out on the selected resources, in order. For
// resync and update it first checks every resource (sync_min_delay
// against the array's time and the record's; the precheck), and refuses
// the whole run, changing nothing, if any resource refuses. Then it runs
// them one after the other and stops at the first failure: later
// resources may depend on earlier ones (database data before its archive
// logs). A resource's record is written only once all its vendor
// commands succeeded.
func (s *Service) Run(ctx context.Context, action Action, o RunOptions) ([]Outcome, error) {
	res, err := s.Select(o.RIDs)
	if err != nil {
		return nil, err
	}
	outcomes := make([]Outcome, len(res))
	for i, r := range res {
		outcomes[i] = Outcome{RID: r.RID, Result: "not run"}
	}
	if action == ActionResync || action == ActionUpdate {
		refused := false
		for i, r := range res {
			if err := s.preflight(ctx, r, o.Force); err != nil {
				outcomes[i] = Outcome{RID: r.RID, Result: "refused", Err: err}
				refused = true
			}
		}
		if refused {
			return outcomes, errors.New("refused: nothing was changed")
		}
	}
	for i, r := range res {
		started := s.Now()
		var err error
		switch action {
		case ActionResync:
			err = r.Driver.Resync(ctx)
		case ActionUpdate:
			err = r.Driver.Update(ctx)
		case ActionBreak:
			err = r.Driver.Break(ctx)
		default:
			err = fmt.Errorf("unknown action %q", action)
		}
		if action == ActionBreak && errors.Is(err, ErrNotSupported) {
			// NEC snapshots and IBM FlashCopy targets are usable as they
			// are: nothing to break, and no reason to stop the others.
			r.Log.Info("nothing to break: " + err.Error())
			outcomes[i] = Outcome{RID: r.RID, Result: "nothing to break"}
			continue
		}
		if err != nil {
			outcomes[i] = Outcome{RID: r.RID, Result: "failed", Err: err}
			return outcomes, fmt.Errorf("%s: %s failed; later resources were not run", r.RID, action)
		}
		if action != ActionBreak {
			rec := Record{Action: action, Started: started, Finished: s.Now()}
			if err := s.writeRecord(r.RID, rec); err != nil {
				outcomes[i] = Outcome{RID: r.RID, Result: "failed", Err: fmt.Errorf("%s succeeded, but its record was not written: %w", action, err)}
				return outcomes, fmt.Errorf("%s: %w", r.RID, err)
			}
		}
		r.Log.Info(fmt.Sprintf("%s done", action))
		outcomes[i] = Outcome{RID: r.RID, Result: "done"}
	}
	return outcomes, nil
}

// preflight is a resource's checks before a resync or update.
func (s *Service) preflight(ctx context.Context, r *Resource, force bool) error {
	rec, err := s.ReadRecord(r.RID)
	if err != nil {
		return err
	}
	arr, err := r.Driver.Status(ctx)
	if err != nil {
		// The resync will meet the array soon enough; the record still
		// guards against running too often.
		r.Log.Warn(fmt.Sprintf("cannot read the array's sync time; checking sync_min_delay against the record only: %v", err))
	}
	last := Newest(&arr, rec)
	if err := CheckMinDelay(s.Now(), last, r.MinDelay, false); err != nil {
		if !force {
			r.Log.Warn(err.Error())
			return err
		}
		r.Log.Warn("sync_min_delay not reached; going on because of --force")
	}
	if r.Precheck != nil {
		if err := r.Precheck.Check(ctx, s.Runner); err != nil {
			r.Log.Warn(err.Error())
			return err
		}
	}
	return nil
}

// Status reads every selected resource's status. A resource whose array
// cannot be read gets its family's fail state and the reason.
func (s *Service) Status(ctx context.Context, rids []string) ([]ResourceStatus, error) {
	res, err := s.Select(rids)
	if err != nil {
		return nil, err
	}
	out := make([]ResourceStatus, len(res))
	for i, r := range res {
		rec, rerr := s.ReadRecord(r.RID)
		arr, qerr := r.Driver.Status(ctx)
		var ap *ArrayStatus
		if qerr == nil {
			ap = &arr
		}
		st := Decide(s.Now(), ap, qerr, r.FailState, rec, r.MaxDelay)
		if rerr != nil {
			st.Reasons = append(st.Reasons, rerr.Error())
		}
		st.RID, st.Kind = r.RID, r.Kind
		out[i] = st
	}
	return out, nil
}

// Plan returns each selected resource's vendor commands for action.
func (s *Service) Plan(action Action, rids []string) (map[string][]Step, []*Resource, error) {
	res, err := s.Select(rids)
	if err != nil {
		return nil, nil, err
	}
	plans := map[string][]Step{}
	for _, r := range res {
		steps, err := r.Driver.Plan(action)
		if errors.Is(err, ErrNotSupported) {
			plans[r.RID] = []Step{{Note: "nothing to do: " + err.Error()}}
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.RID, err)
		}
		plans[r.RID] = steps
	}
	return plans, res, nil
}

func (s *Service) recordPath(rid string) string {
	return filepath.Join(s.StateDir, strings.ReplaceAll(strings.ToLower(rid), "/", "_")+".json")
}

// ReadRecord returns rid's record, or nil when it has none.
func (s *Service) ReadRecord(rid string) (*Record, error) {
	b, err := os.ReadFile(s.recordPath(rid))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record of %s: %w", rid, err)
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("record of %s (%s): %w", rid, s.recordPath(rid), err)
	}
	return &rec, nil
}

func (s *Service) writeRecord(rid string, rec Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.StateDir, 0o755); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	return atomicfile.Write(s.recordPath(rid), append(b, '\n'), atomicfile.Options{Mode: 0o644})
}
