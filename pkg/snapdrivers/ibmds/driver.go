package ibmds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Kind is the type keyword of an IBM DS8000 FlashCopy resource.
const Kind = "ibmdsflash"

// Defaults of the keywords.
const (
	DefaultAuthConf = "/etc/ietkit/snapsync/auth.conf"
	DefaultDSCLI    = "dscli"
)

// Pair is a FlashCopy pair: source and target volume IDs.
type Pair struct {
	Source, Target string
}

func (p Pair) String() string { return p.Source + ":" + p.Target }

// Config is a resource's settings, from its section and auth.conf.
type Config struct {
	Array     string // storage image ID, IBM.2107-75ABC01
	Pairs     []Pair // in the order given
	AuthConf  string
	PWFile    string
	Recording bool // resyncflash -record; else rmflash + mkflash
	BGCopy    bool // -cp; else -nocp
	DSCLI     string
	// From the array's section of AuthConf.
	HMC1, HMC2, User string
}

// Driver drives one resource's FlashCopy pairs.
type Driver struct {
	cfg Config
	env snapdrivers.Env
}

var _ snapdrivers.Driver = (*Driver)(nil)

// arrayRE is a storage image ID: manufacturer.type-serial
// (IBM.2107-75FA120, IBM.XXXX-XXXXXXX in seed 001). It also names a file
// (the password file) and a section of auth.conf, hence no '/'.
var arrayRE = regexp.MustCompile(`^[A-Za-z0-9]+\.[A-Za-z0-9]+-[A-Za-z0-9]+$`)

// New reads the resource's keywords from sec, and the array's
// credentials from auth.conf. Both auth.conf and the password file must
// be owned by root with mode 0600 or stricter, checked here so that a
// bad file fails before any command runs. The password file is never
// read: dscli reads it.
func New(sec *snapdrivers.Section, env snapdrivers.Env) (*Driver, error) {
	cfg, err := readConfig(sec)
	if err != nil {
		return nil, err
	}
	if env.Exec == nil {
		return nil, errors.New("ibmds: no Exec in the driver environment")
	}
	if env.Location == nil {
		env.Location = time.Local
	}
	return &Driver{cfg: cfg, env: env}, nil
}

func readConfig(sec *snapdrivers.Section) (Config, error) {
	cfg := Config{}
	var errs []error
	var err error

	cfg.Array, err = sec.Required("array", "the storage image ID, such as IBM.2107-75ABC01")
	if err != nil {
		errs = append(errs, err)
	} else if !arrayRE.MatchString(cfg.Array) {
		errs = append(errs, sec.Errorf("array", "%q: want a storage image ID such as IBM.2107-75ABC01", cfg.Array))
	}

	if _, err := sec.Required("pairs", "FlashCopy pairs source:target, such as 0001:0002 0101:0102"); err != nil {
		errs = append(errs, err)
	} else if cfg.Pairs, err = readPairs(sec); err != nil {
		errs = append(errs, err)
	} else if len(cfg.Pairs) == 0 {
		errs = append(errs, sec.Errorf("pairs", "no pair given: want source:target, such as 0001:0002"))
	}

	if cfg.Recording, err = sec.Bool("recording", true); err != nil {
		errs = append(errs, err)
	}
	if cfg.BGCopy, err = sec.Bool("bgcopy", true); err != nil {
		errs = append(errs, err)
	}
	cfg.DSCLI = DefaultDSCLI
	if v, ok := sec.Lookup("dscli"); ok {
		cfg.DSCLI = v.Text
		if v.Text == "" || strings.ContainsAny(v.Text, " \t\n") {
			errs = append(errs, sec.Errorf("dscli", "%q: want a program name or path", v.Text))
		}
	}

	cfg.AuthConf = DefaultAuthConf
	if v, ok := sec.Lookup("auth_conf"); ok {
		cfg.AuthConf = v.Text
	}
	if !filepath.IsAbs(cfg.AuthConf) {
		errs = append(errs, sec.Errorf("auth_conf", "%q: want an absolute path", cfg.AuthConf))
	}
	pwKey, pwSet := sec.Lookup("pwfile")
	if pwSet {
		cfg.PWFile = pwKey.Text
		if !filepath.IsAbs(cfg.PWFile) {
			errs = append(errs, sec.Errorf("pwfile", "%q: want an absolute path", cfg.PWFile))
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	if !pwSet {
		cfg.PWFile = filepath.Join(filepath.Dir(cfg.AuthConf), cfg.Array+".pwfile")
	}

	if err := snapdrivers.CheckCredentialFile(cfg.AuthConf); err != nil {
		return Config{}, keyError(sec, "auth_conf", err)
	}
	if err := readAuthConf(&cfg); err != nil {
		return Config{}, keyError(sec, "auth_conf", err)
	}
	if err := snapdrivers.CheckCredentialFile(cfg.PWFile); err != nil {
		if !pwSet {
			err = fmt.Errorf("%w (the default: <directory of auth_conf>/<array>.pwfile; create it with dscli managepwfile)", err)
		}
		return Config{}, keyError(sec, "pwfile", err)
	}
	return cfg, nil
}

func readPairs(sec *snapdrivers.Section) ([]Pair, error) {
	var pairs []Pair
	seen := map[string]bool{}
	targets := map[string]string{}
	var errs []error
	for _, f := range sec.Fields("pairs") {
		p, err := ParsePair(f)
		if err != nil {
			errs = append(errs, sec.Errorf("pairs", "%v", err))
			continue
		}
		if seen[p.String()] {
			errs = append(errs, sec.Errorf("pairs", "%s is given twice", p))
			continue
		}
		// One volume can be the source of several pairs (multi-target
		// FlashCopy) but the target of one only.
		if other, dup := targets[p.Target]; dup {
			errs = append(errs, sec.Errorf("pairs", "%s and %s have the same target %s", other, p, p.Target))
			continue
		}
		seen[p.String()] = true
		targets[p.Target] = p.String()
		pairs = append(pairs, p)
	}
	return pairs, errors.Join(errs...)
}

// keyError names where key is set (or the section, for a default).
func keyError(sec *snapdrivers.Section, key string, err error) error {
	file, line := sec.File, sec.Line
	if v, ok := sec.Lookup(key); ok {
		file, line = v.File, v.Line
	}
	return fmt.Errorf("%s:%d: [%s] %s: %w", file, line, sec.Name, key, err)
}

// readAuthConf fills the session settings from the array's section of
// auth.conf (seed 001):
//
//	[IBM.XXXX-XXXXXXX]
//	type = ibmds
//	hmc1 = 10.10.10.10
//	hmc2 =
//	username = opensvc
func readAuthConf(cfg *Config) error {
	f, err := os.Open(cfg.AuthConf)
	if err != nil {
		return err
	}
	defer f.Close()
	sf, err := snapdrivers.ParseServiceFile(f, cfg.AuthConf)
	if err != nil {
		return err
	}
	var sec *snapdrivers.Section
	for _, s := range sf.Sections {
		if strings.EqualFold(s.Name, cfg.Array) {
			sec = s
			break
		}
	}
	if sec == nil {
		return fmt.Errorf("%s has no [%s] section (with hmc1, hmc2 and username)", cfg.AuthConf, cfg.Array)
	}
	var errs []error
	if t, ok := sec.Lookup("type"); ok && t.Text != "ibmds" {
		errs = append(errs, sec.Errorf("type", "%q: want ibmds", t.Text))
	}
	cfg.HMC1, err = sec.Required("hmc1", "the address of the array's management console")
	if err != nil {
		errs = append(errs, err)
	}
	cfg.HMC2 = sec.Get("hmc2")
	cfg.User, err = sec.Required("username", "the dscli user the password file is for")
	if err != nil {
		errs = append(errs, err)
	}
	for _, k := range []string{"hmc1", "hmc2", "username"} {
		if v := sec.Get(k); strings.ContainsAny(v, " \t\n") {
			errs = append(errs, sec.Errorf(k, "%q: want one word", v))
		}
	}
	errs = append(errs, sec.Unused()...)
	return errors.Join(errs...)
}

// Kind implements snapdrivers.Driver.
func (d *Driver) Kind() string { return Kind }

// Config returns the resource's settings.
func (d *Driver) Config() Config { return d.cfg }

// Plan implements snapdrivers.Driver. A resync's refresh is shown as one
// call for all pairs; when lsflash shows space-efficient (ESE) targets,
// those pairs go in a separate call with -tgtse first.
func (d *Driver) Plan(action snapdrivers.Action) ([]snapdrivers.Step, error) {
	switch action {
	case snapdrivers.ActionStatus:
		return []snapdrivers.Step{d.statusStep()}, nil
	case snapdrivers.ActionResync, snapdrivers.ActionUpdate:
		check := d.statusStep()
		check.Note = "refuse to resync when a configured pair is missing"
		steps := append([]snapdrivers.Step{check}, d.refreshSteps(d.cfg.Pairs, false)...)
		steps[1].Note = "pairs whose target lsflash shows as ESE (isTgtSE) go first, in calls of their own with -tgtse"
		return steps, nil
	case snapdrivers.ActionBreak:
		return nil, d.breakErr()
	}
	return nil, fmt.Errorf("ibmds: %s: %w", action, snapdrivers.ErrNotSupported)
}

func (d *Driver) breakErr() error {
	return fmt.Errorf("break %s: FlashCopy targets are always usable: %w", d.cfg.Array, snapdrivers.ErrNotSupported)
}

// Break implements snapdrivers.Driver: FlashCopy targets are read-write
// all along, so there is nothing to break (the cluster agent's
// sync_break is a no-op, facts 1.4).
func (d *Driver) Break(context.Context) error { return d.breakErr() }

// Update implements snapdrivers.Driver; it is Resync.
func (d *Driver) Update(ctx context.Context) error { return d.Resync(ctx) }

// Resync implements snapdrivers.Driver: it lists the pairs, refuses when
// any is missing, then refreshes them all (resyncflash, or rmflash and
// mkflash when recording = no).
func (d *Driver) Resync(ctx context.Context) error {
	rows, err := d.lsflash(ctx)
	if err != nil {
		return err
	}
	present := map[string]Flash{}
	for _, r := range rows {
		present[r.ID] = r
	}
	var missing []string
	var ese, std []Pair
	for _, p := range d.cfg.Pairs {
		r, ok := present[p.String()]
		switch {
		case !ok:
			missing = append(missing, p.String())
		case r.TgtSE == "ESE":
			ese = append(ese, p)
		default:
			std = append(std, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("refusing to resync any pair of %s: %w: lsflash does not list %s (better to do nothing than a partial refresh; re-create them with mkflash -record -persist)",
			d.cfg.Array, ErrPairsMissing, strings.Join(missing, ", "))
	}
	for _, g := range []struct {
		pairs []Pair
		tgtse bool
	}{{ese, true}, {std, false}} {
		if len(g.pairs) == 0 {
			continue
		}
		for _, step := range d.refreshSteps(g.pairs, g.tgtse) {
			if err := d.change(ctx, step, g.pairs); err != nil {
				return err
			}
		}
	}
	return nil
}

// change runs one resyncflash, rmflash or mkflash and checks that every
// pair it was given is confirmed.
func (d *Driver) change(ctx context.Context, step snapdrivers.Step, pairs []Pair) error {
	verb, _, _ := strings.Cut(step.Stdin, " ")
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		return fmt.Errorf("%s on %s%s: %w", verb, d.cfg.Array, exitMeaning(err), err)
	}
	msgs := ParseMessages(out.Stdout + "\n" + out.Stderr)
	if errs := errorMessages(msgs); len(errs) > 0 {
		ce := d.env.Exec.Fail(step, out, "dscli exited 0 but reported "+strings.Join(errs, "; "))
		return fmt.Errorf("%s on %s: %w: %w", verb, d.cfg.Array, ErrRejected, ce)
	}
	var ids []string
	var sentinel error
	switch verb {
	case "resyncflash":
		ids, sentinel = []string{MsgResynced}, ErrNotResynced
	case "mkflash":
		ids, sentinel = []string{MsgCreated}, ErrNotCreated
	case "rmflash":
		ids, sentinel = []string{MsgRemoved, MsgWithdrawn}, ErrNotRemoved
	default:
		return fmt.Errorf("ibmds: internal error: no success message known for %q", verb)
	}
	if miss := unconfirmed(msgs, pairs, ids...); len(miss) > 0 {
		ce := d.env.Exec.Fail(step, out, fmt.Sprintf("no %s message for %s", ids[0], joinPairs(miss)))
		return fmt.Errorf("%s on %s: %w: %w", verb, d.cfg.Array, sentinel, ce)
	}
	return nil
}

func exitMeaning(err error) string {
	var ce *snapdrivers.CommandError
	if errors.As(err, &ce) {
		if m, ok := exitCodes[ce.Code]; ok {
			return " (dscli " + m + ")"
		}
	}
	return ""
}

// lsflash runs the status query and parses it.
func (d *Driver) lsflash(ctx context.Context) ([]Flash, error) {
	step := d.statusStep()
	out, err := d.env.Exec.Run(ctx, step)
	if err != nil {
		return nil, fmt.Errorf("lsflash on %s%s: %w", d.cfg.Array, exitMeaning(err), err)
	}
	if errs := errorMessages(ParseMessages(out.Stdout + "\n" + out.Stderr)); len(errs) > 0 {
		ce := d.env.Exec.Fail(step, out, "dscli exited 0 but reported "+strings.Join(errs, "; "))
		return nil, fmt.Errorf("lsflash on %s: %w: %w", d.cfg.Array, ErrRejected, ce)
	}
	rows, err := ParseLsflash(out.Stdout)
	if err != nil {
		ce := d.env.Exec.Fail(step, out, err.Error())
		return nil, fmt.Errorf("lsflash on %s: %w: %w", d.cfg.Array, ErrBadOutput, ce)
	}
	return rows, nil
}

// Status implements snapdrivers.Driver with one dscli call for all
// pairs. Problems make the status warn, never down (facts 1.4).
func (d *Driver) Status(ctx context.Context) (snapdrivers.ArrayStatus, error) {
	rows, err := d.lsflash(ctx)
	if err != nil {
		return snapdrivers.ArrayStatus{HasTime: true, ProblemState: snapdrivers.Warn}, err
	}
	return assess(d.cfg, rows, d.env.Location), nil
}

// assess judges the pairs lsflash listed against the configuration.
func assess(cfg Config, rows []Flash, loc *time.Location) snapdrivers.ArrayStatus {
	st := snapdrivers.ArrayStatus{HasTime: true, ProblemState: snapdrivers.Warn}
	byID := make(map[string]Flash, len(rows))
	for _, r := range rows {
		if _, dup := byID[r.ID]; !dup {
			byID[r.ID] = r
		}
	}
	var oldest time.Time
	allTimed := true
	problem := func(format string, args ...any) {
		st.Problems = append(st.Problems, fmt.Sprintf(format, args...))
	}
	for _, p := range cfg.Pairs {
		id := p.String()
		r, ok := byID[id]
		if !ok {
			problem("Missing flashcopy on %s: lsflash on %s does not list it", id, cfg.Array)
			allTimed = false
			continue
		}
		ps := snapdrivers.PairStatus{Source: p.Source, Target: p.Target, State: r.State}
		if r.State != "Valid" {
			problem("FlashCopy %s is in state %s, not Valid", id, orNone(r.State))
		}
		if r.Persistent == "Disabled" {
			problem("FlashCopy %s has Persistent Disabled: the relationship ends when its background copy does", id)
		}
		switch {
		case cfg.Recording && r.Recording != "Enabled":
			problem("FlashCopy %s has Recording %s, but recording = yes: resyncflash needs change recording", id, orNone(r.Recording))
		case !cfg.Recording && r.Recording != "Disabled":
			problem("FlashCopy %s has Recording %s, but recording = no", id, orNone(r.Recording))
		}
		switch t, err := ParseDateSynced(r.DateSynced, loc); {
		case r.DateSynced == "" || r.DateSynced == "-":
			problem("FlashCopy %s has no DateSynced", id)
			allTimed = false
		case err != nil:
			problem("FlashCopy %s: DateSynced %v", id, strings.TrimPrefix(err.Error(), "date "))
			allTimed = false
		default:
			ps.Synced = t
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		st.Pairs = append(st.Pairs, ps)
	}
	if allTimed {
		st.LastSync = oldest
	}
	return st
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
