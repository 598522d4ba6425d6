package ibmds_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	sim "github.com/ietkit/ietkit/internal/arraysim/ibmds"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/ietkit/ietkit/pkg/snapdrivers/ibmds"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	snaptest.Cleanup()
	os.Exit(code)
}

const (
	array   = "IBM.2107-75ABC01"
	simPkg  = "github.com/ietkit/ietkit/internal/arraysim/ibmds/cmd/ibmdssim"
	hmc1    = "10.10.10.10"
	user    = "snapsync"
	secret  = "s3cr3t-never-logged"
	parisTZ = "Europe/Paris"
)

// synced is the seeded DateSynced: seed 001's resync, 23:04:04 CEST.
var synced = time.Date(2014, 9, 18, 21, 4, 4, 0, time.UTC)

type rig struct {
	state    string // the simulator's state directory
	authConf string
	pwfile   string
	pairs    []string
	env      snapdrivers.Env
	log      *bytes.Buffer
}

// newRig seeds n pairs on a simulated array printing times in simTZ,
// writes root-owned credentials, and returns an Env reading times in
// loc.
func newRig(t *testing.T, n int, simTZ string, loc *time.Location) *rig {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the driver accepts only root-owned credential files: run the tests as root")
	}
	bin := snaptest.BuildSim(t, simPkg, "dscli")
	r := &rig{state: t.TempDir(), log: &bytes.Buffer{}}
	var err error
	if r.pairs, err = sim.SeedN(r.state, array, n, synced); err != nil {
		t.Fatal(err)
	}
	creds := t.TempDir()
	if r.authConf, r.pwfile, err = sim.WriteCredentials(creds, array, hmc1, user); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.pwfile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(sim.TZEnv, simTZ)
	r.env = snaptest.Env(t, bin, r.state, r.log, nil)
	r.env.Location = loc
	return r
}

func (r *rig) driver(t *testing.T, kv map[string]string) *ibmds.Driver {
	t.Helper()
	all := map[string]string{"array": array, "pairs": strings.Join(r.pairs, " "), "auth_conf": r.authConf}
	for k, v := range kv {
		all[k] = v
	}
	d, err := ibmds.New(snapdrivers.NewSection("sync#1", all), r.env)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (r *rig) commands(t *testing.T) []string {
	t.Helper()
	return snaptest.CommandLog(t, r.state)
}

// session is the start of every command log line.
func (r *rig) session() string {
	return "dscli -hmc1 " + hmc1 + " -user " + user + " -pwfile " + r.pwfile
}

// planLines renders steps as the simulator logs them.
func planLines(steps []snapdrivers.Step) []string {
	var lines []string
	for _, s := range steps {
		line := strings.Join(append([]string{filepath.Base(s.Argv[0])}, s.Argv[1:]...), " ")
		var cmds []string
		for _, l := range strings.Split(s.Stdin, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				cmds = append(cmds, l)
			}
		}
		if len(cmds) > 0 {
			line += " <<< " + strings.Join(cmds, "; ")
		}
		lines = append(lines, line)
	}
	return lines
}

func location(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

func TestResync(t *testing.T) {
	paris := location(t, parisTZ)
	const ls = "setenv -banner off -header on -format delim; lsflash -l -dev " + array + " 0000:1000 0001:1001 0002:1002"
	tests := []struct {
		name    string
		kv      map[string]string
		ese     string // a pair whose target is space-efficient
		want    []string
		planned bool // the plan shows exactly what ran
	}{
		{
			name:    "recording",
			want:    []string{ls, "resyncflash -dev " + array + " -persist -record -cp 0000:1000 0001:1001 0002:1002"},
			planned: true,
		},
		{
			name:    "recording without background copy",
			kv:      map[string]string{"bgcopy": "no"},
			want:    []string{ls, "resyncflash -dev " + array + " -persist -record -nocp 0000:1000 0001:1001 0002:1002"},
			planned: true,
		},
		{
			name: "no recording",
			kv:   map[string]string{"recording": "no"},
			want: []string{ls,
				"rmflash -dev " + array + " -quiet 0000:1000 0001:1001 0002:1002",
				"mkflash -dev " + array + " -persist -cp 0000:1000 0001:1001 0002:1002"},
			planned: true,
		},
		{
			name: "space-efficient target first, with -tgtse",
			ese:  "0001:1001",
			want: []string{ls,
				"resyncflash -dev " + array + " -persist -record -cp -tgtse 0001:1001",
				"resyncflash -dev " + array + " -persist -record -cp 0000:1000 0002:1002"},
		},
		{
			name: "space-efficient target, no recording",
			kv:   map[string]string{"recording": "no", "bgcopy": "no"},
			ese:  "0001:1001",
			want: []string{ls,
				"rmflash -dev " + array + " -quiet 0001:1001",
				"mkflash -dev " + array + " -persist -nocp -tgtse 0001:1001",
				"rmflash -dev " + array + " -quiet 0000:1000 0002:1002",
				"mkflash -dev " + array + " -persist -nocp 0000:1000 0002:1002"},
		},
	}
	for _, tt := range tests {
		for _, action := range []snapdrivers.Action{snapdrivers.ActionResync, snapdrivers.ActionUpdate} {
			t.Run(tt.name+"/"+string(action), func(t *testing.T) {
				r := newRig(t, 3, parisTZ, paris)
				if tt.ese != "" {
					if err := sim.SetESE(r.state, tt.ese); err != nil {
						t.Fatal(err)
					}
				}
				d := r.driver(t, tt.kv)
				before := time.Now().Truncate(time.Second)
				var err error
				if action == snapdrivers.ActionResync {
					err = d.Resync(context.Background())
				} else {
					err = d.Update(context.Background())
				}
				if err != nil {
					t.Fatal(err)
				}
				after := time.Now()
				var want []string
				for _, w := range tt.want {
					want = append(want, r.session()+" <<< "+w)
				}
				got := r.commands(t)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("commands (-want +got):\n%s", diff)
				}
				if tt.planned {
					plan, err := d.Plan(action)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(planLines(plan), got); diff != "" {
						t.Errorf("plan differs from what ran (-plan +ran):\n%s", diff)
					}
					if !plan[0].Check || plan[1].Check {
						t.Errorf("plan checks: %v", plan)
					}
				}

				st, err := d.Status(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(st.Problems) != 0 {
					t.Errorf("problems after resync: %q", st.Problems)
				}
				if st.LastSync.Before(before) || st.LastSync.After(after) {
					t.Errorf("LastSync %v, want between %v and %v", st.LastSync, before, after)
				}
				if strings.Contains(r.log.String(), secret) {
					t.Errorf("the password file's content is in the log:\n%s", r.log)
				}
			})
		}
	}
}

func TestResyncLogsLikeTheOriginal(t *testing.T) {
	r := newRig(t, 2, parisTZ, location(t, parisTZ))
	if err := r.driver(t, nil).Resync(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Seed 001: "resyncflash -dev ... 0001:0002 ... | /opt/ibm/dscli/dscli -hmc1 ... -pwfile ...",
	// then dscli's output.
	for _, want := range []string{
		"test.SYNC#1 - INFO - resyncflash -dev " + array + " -persist -record -cp 0000:1000 0001:1001",
		" | dscli -hmc1 " + hmc1 + " -user " + user + " -pwfile ",
		"CMUC00168I resyncflash: FlashCopy volume pair 0001:1001 successfully resynchronized.",
	} {
		if !strings.Contains(r.log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, r.log)
		}
	}
}

func TestResyncRefusesMissingPair(t *testing.T) {
	r := newRig(t, 3, parisTZ, location(t, parisTZ))
	if err := sim.RemoveFlash(r.state, "0001:1001"); err != nil {
		t.Fatal(err)
	}
	for _, kv := range []map[string]string{nil, {"recording": "no"}} {
		err := r.driver(t, kv).Resync(context.Background())
		if !errors.Is(err, ibmds.ErrPairsMissing) || !strings.Contains(err.Error(), "lsflash does not list 0001:1001") {
			t.Fatalf("err = %v, want ErrPairsMissing naming 0001:1001", err)
		}
	}
	for _, line := range r.commands(t) {
		if !strings.Contains(line, "<<< setenv") {
			t.Errorf("a change ran although a pair is missing: %s", line)
		}
	}
}

func TestBreakNotSupported(t *testing.T) {
	r := newRig(t, 1, parisTZ, location(t, parisTZ))
	d := r.driver(t, nil)
	if err := d.Break(context.Background()); !errors.Is(err, snapdrivers.ErrNotSupported) {
		t.Errorf("Break: %v, want ErrNotSupported", err)
	}
	if _, err := d.Plan(snapdrivers.ActionBreak); !errors.Is(err, snapdrivers.ErrNotSupported) {
		t.Errorf("Plan(break): %v, want ErrNotSupported", err)
	}
	if got := r.commands(t); len(got) != 0 {
		t.Errorf("break ran %q", got)
	}
	if d.Kind() != ibmds.Kind || ibmds.Kind != "ibmdsflash" {
		t.Errorf("Kind = %q", d.Kind())
	}
}

func TestStatusUp(t *testing.T) {
	paris := location(t, parisTZ)
	r := newRig(t, 3, parisTZ, paris)
	d := r.driver(t, nil)
	st, err := d.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := snapdrivers.ArrayStatus{
		LastSync:     synced.In(paris),
		HasTime:      true,
		ProblemState: snapdrivers.Warn,
	}
	for _, p := range r.pairs {
		src, tgt, _ := strings.Cut(p, ":")
		want.Pairs = append(want.Pairs, snapdrivers.PairStatus{Source: src, Target: tgt, State: "Valid", Synced: synced.In(paris)})
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Status (-want +got):\n%s", diff)
	}
	if name, _ := st.LastSync.Zone(); name != "CEST" {
		t.Errorf("LastSync zone %s, want CEST", name)
	}
	plan, err := d.Plan(snapdrivers.ActionStatus)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(planLines(plan), r.commands(t)); diff != "" {
		t.Errorf("status ran other than its plan (-plan +ran):\n%s", diff)
	}
}

// One dscli call answers for 64 pairs.
func TestStatusOneCall(t *testing.T) {
	r := newRig(t, 64, "UTC", time.UTC)
	st, err := r.driver(t, nil).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Pairs) != 64 || len(st.Problems) != 0 || !st.LastSync.Equal(synced) {
		t.Errorf("status of 64 pairs: %d pairs, problems %q, last %v", len(st.Pairs), st.Problems, st.LastSync)
	}
	if got := r.commands(t); len(got) != 1 {
		t.Errorf("status ran %d commands, want 1", len(got))
	}
}

func TestStatusProblems(t *testing.T) {
	paris := location(t, parisTZ)
	older := synced.Add(-48 * time.Hour)
	tests := []struct {
		name     string
		simTZ    string
		kv       map[string]string
		change   func(dir string) error
		problems []string
		last     time.Time // zero: none
	}{
		{
			name:     "pair missing",
			change:   func(dir string) error { return sim.RemoveFlash(dir, "0001:1001") },
			problems: []string{"Missing flashcopy on 0001:1001: lsflash on " + array + " does not list it"},
		},
		{
			name:     "state not valid",
			change:   func(dir string) error { return sim.SetState(dir, "0002:1002", sim.StateTgtFailed) },
			problems: []string{"FlashCopy 0002:1002 is in state Tgt Failed, not Valid"},
			last:     synced,
		},
		{
			name: "not persistent",
			change: func(dir string) error {
				return sim.SetFlash(dir, "0000:1000", func(f *sim.Flash) { f.Persistent = false })
			},
			problems: []string{"FlashCopy 0000:1000 has Persistent Disabled: the relationship ends when its background copy does"},
			last:     synced,
		},
		{
			name: "recording disabled",
			change: func(dir string) error {
				return sim.SetFlash(dir, "0000:1000", func(f *sim.Flash) { f.Recording = false })
			},
			problems: []string{"FlashCopy 0000:1000 has Recording Disabled, but recording = yes: resyncflash needs change recording"},
			last:     synced,
		},
		{
			name: "recording enabled but not configured",
			kv:   map[string]string{"recording": "no"},
			change: func(dir string) error {
				return sim.SetFlash(dir, "0000:1000", func(f *sim.Flash) { f.Recording = false })
			},
			problems: []string{
				"FlashCopy 0001:1001 has Recording Enabled, but recording = no",
				"FlashCopy 0002:1002 has Recording Enabled, but recording = no",
			},
			last: synced,
		},
		{
			name: "no date",
			change: func(dir string) error {
				return sim.SetFlash(dir, "0002:1002", func(f *sim.Flash) { f.DateSynced = time.Time{} })
			},
			problems: []string{"FlashCopy 0002:1002 has no DateSynced"},
		},
		{
			name: "oldest pair",
			change: func(dir string) error {
				return sim.SetFlash(dir, "0001:1001", func(f *sim.Flash) { f.DateSynced = older })
			},
			last: older,
		},
		{
			name:  "array in another time zone",
			simTZ: "America/New_York",
			problems: []string{
				`FlashCopy 0000:1000: DateSynced "Thu Sep 18 17:04:04 EDT 2014": time zone of the array's date does not match the configured timezone: it says EDT, but Europe/Paris calls that time CEST (set the resource's timezone to the array's)`,
				`FlashCopy 0001:1001: DateSynced "Thu Sep 18 17:04:04 EDT 2014": time zone of the array's date does not match the configured timezone: it says EDT, but Europe/Paris calls that time CEST (set the resource's timezone to the array's)`,
				`FlashCopy 0002:1002: DateSynced "Thu Sep 18 17:04:04 EDT 2014": time zone of the array's date does not match the configured timezone: it says EDT, but Europe/Paris calls that time CEST (set the resource's timezone to the array's)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tz := tt.simTZ
			if tz == "" {
				tz = parisTZ
			}
			r := newRig(t, 3, tz, paris)
			if tt.change != nil {
				if err := tt.change(r.state); err != nil {
					t.Fatal(err)
				}
			}
			st, err := r.driver(t, tt.kv).Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.problems, st.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if st.ProblemState != snapdrivers.Warn || !st.HasTime {
				t.Errorf("ProblemState %s HasTime %v, want warn and true", st.ProblemState, st.HasTime)
			}
			if !st.LastSync.Equal(tt.last) {
				t.Errorf("LastSync %v, want %v", st.LastSync, tt.last)
			}
		})
	}
}

func TestCommandFailure(t *testing.T) {
	paris := location(t, parisTZ)
	const rejected = "CMUN03042E resyncflash: 0001:1001: Copy Services operation failure: source volume is offline."
	tests := []struct {
		name     string
		kv       map[string]string
		fail     sim.Failure
		ran      int    // commands run, the failing one last
		code     int    // its exit code
		output   string // in its output
		reason   string // in its Reason, for an exit 0
		sentinel error
	}{
		{
			name: "session refused",
			fail: sim.Failure{Command: "dscli", Code: 5, Message: "CMUN00018E Unable to connect to the management console server."},
			ran:  1, code: 5, output: "CMUN00018E",
		},
		{
			name: "lsflash fails",
			fail: sim.Failure{Command: "lsflash", Code: 4, Message: "CMUN00214E lsflash: Server error."},
			ran:  1, code: 4, output: "CMUN00214E",
		},
		{
			name: "resyncflash fails",
			fail: sim.Failure{Command: "resyncflash", Code: 6, Message: "CMUN03042E resyncflash: Copy Services operation failure."},
			ran:  2, code: 6, output: "CMUN03042E",
		},
		{
			name: "one pair fails",
			fail: sim.Failure{Command: "resyncflash", Arg: "0001:1001", Code: 6, Message: rejected},
			ran:  2, code: 6, output: "CMUC00168I resyncflash: FlashCopy volume pair 0002:1002 successfully resynchronized.\n" + rejected,
		},
		{
			name: "one pair silently not confirmed",
			fail: sim.Failure{Command: "resyncflash", Arg: "0001:1001", Code: 0},
			ran:  2, reason: "no CMUC00168I message for 0001:1001",
			sentinel: ibmds.ErrNotResynced,
		},
		{
			name: "error message with exit 0",
			fail: sim.Failure{Command: "resyncflash", Arg: "0001:1001", Code: 0, Message: rejected, Stdout: true},
			ran:  2, reason: "dscli exited 0 but reported " + rejected,
			sentinel: ibmds.ErrRejected,
		},
		{
			name: "rmflash fails, mkflash not run",
			kv:   map[string]string{"recording": "no"},
			fail: sim.Failure{Command: "rmflash", Code: 6, Message: "CMUN03027E rmflash: Copy Services operation failure."},
			ran:  2, code: 6, output: "CMUN03027E",
		},
		{
			name: "mkflash not confirmed",
			kv:   map[string]string{"recording": "no"},
			fail: sim.Failure{Command: "mkflash", Arg: "0000:1000", Code: 0},
			ran:  3, reason: "no CMUC00137I message for 0000:1000",
			sentinel: ibmds.ErrNotCreated,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, 3, parisTZ, paris)
			if err := sim.AddFailure(r.state, tt.fail); err != nil {
				t.Fatal(err)
			}
			d := r.driver(t, tt.kv)
			err := d.Resync(context.Background())
			var ce *snapdrivers.CommandError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CommandError", err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want %v", err, tt.sentinel)
			}
			wantArgv := []string{"dscli", "-hmc1", hmc1, "-user", user, "-pwfile", r.pwfile}
			if diff := cmp.Diff(wantArgv, append([]string{filepath.Base(ce.Argv[0])}, ce.Argv[1:]...)); diff != "" {
				t.Errorf("argv (-want +got):\n%s", diff)
			}
			if ce.Code != tt.code || !strings.Contains(ce.Output, tt.output) || !strings.Contains(ce.Reason, tt.reason) {
				t.Errorf("code %d output %q reason %q, want %d, %q, %q", ce.Code, ce.Output, ce.Reason, tt.code, tt.output, tt.reason)
			}
			if got := r.commands(t); len(got) != tt.ran {
				t.Errorf("ran %d commands, want %d:\n%s", len(got), tt.ran, strings.Join(got, "\n"))
			}
			if tt.fail.Command == "lsflash" || tt.fail.Command == "dscli" {
				if _, err := d.Status(context.Background()); !errors.As(err, &ce) {
					t.Errorf("Status: %v, want a *CommandError", err)
				}
			}
		})
	}
}

// writeFile writes content with mode and, when uid is not 0, gives it
// to uid.
func writeFile(t *testing.T, path, content string, mode os.FileMode, uid int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	if uid != 0 {
		if err := os.Chown(path, uid, -1); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNew(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the driver accepts only root-owned credential files: run the tests as root")
	}
	const auth = "[" + array + "]\ntype = ibmds\nhmc1 = 10.10.10.10\nhmc2 =\nusername = snapsync\n"
	tests := []struct {
		name    string
		lines   []string // of [sync#1], from line 2; AUTH and PW stand for the files' paths
		auth    string   // auth.conf content (auth when empty)
		authErr string   // "mode" or "owner": spoil auth.conf
		pwErr   string   // "mode", "owner" or "absent": spoil the password file
		want    ibmds.Config
		errText string
	}{
		{
			name:  "defaults",
			lines: []string{"array = " + array, "pairs = 0001:0002 00a1:00a2", "auth_conf = AUTH"},
			want: ibmds.Config{Array: array, Pairs: []ibmds.Pair{{"0001", "0002"}, {"00A1", "00A2"}}, AuthConf: "AUTH", PWFile: "PW",
				Recording: true, BGCopy: true, DSCLI: "dscli", HMC1: "10.10.10.10", User: "snapsync"},
		},
		{
			name:  "everything set",
			lines: []string{"array = " + array, "pairs = 0001:0002,0001:0003", "auth_conf = AUTH", "pwfile = PW", "recording = no", "bgcopy = off", "dscli = /opt/ibm/dscli/dscli"},
			auth:  "[other]\nhmc1 = x\nusername = y\n[" + array + "]\nhmc1 = 10.0.0.1\nhmc2 = 10.0.0.2\nusername = admin\n",
			want: ibmds.Config{Array: array, Pairs: []ibmds.Pair{{"0001", "0002"}, {"0001", "0003"}}, AuthConf: "AUTH", PWFile: "PW",
				DSCLI: "/opt/ibm/dscli/dscli", HMC1: "10.0.0.1", HMC2: "10.0.0.2", User: "admin"},
		},
		{name: "no array", lines: []string{"pairs = 0001:0002", "auth_conf = AUTH"}, errText: "svc.conf:1: [sync#1] array is required"},
		{name: "bad array", lines: []string{"pairs = 0001:0002", "array = IBM/2107", "auth_conf = AUTH"}, errText: `svc.conf:3: [sync#1] array: "IBM/2107": want a storage image ID`},
		{name: "no pairs", lines: []string{"array = " + array, "auth_conf = AUTH"}, errText: "svc.conf:1: [sync#1] pairs is required"},
		{name: "bad pair", lines: []string{"array = " + array, "auth_conf = AUTH", "pairs = 0001:0002 0003-0004"}, errText: `svc.conf:4: [sync#1] pairs: "0003-0004": want source:target`},
		{name: "pair twice", lines: []string{"array = " + array, "pairs = 0001:0002", "  0001:0002", "auth_conf = AUTH"}, errText: "svc.conf:3: [sync#1] pairs: 0001:0002 is given twice"},
		{name: "target twice", lines: []string{"array = " + array, "pairs = 0001:0002 0003:0002", "auth_conf = AUTH"}, errText: "0001:0002 and 0003:0002 have the same target 0002"},
		{name: "bad recording", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH", "recording = maybe"}, errText: `svc.conf:5: [sync#1] recording: "maybe": want yes or no`},
		{name: "bad bgcopy", lines: []string{"array = " + array, "pairs = 0001:0002", "bgcopy = 2", "auth_conf = AUTH"}, errText: `svc.conf:4: [sync#1] bgcopy: "2": want yes or no`},
		{name: "relative auth_conf", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = auth.conf"}, errText: `svc.conf:4: [sync#1] auth_conf: "auth.conf": want an absolute path`},
		{name: "auth_conf absent", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = /nonexistent/auth.conf"}, errText: "svc.conf:4: [sync#1] auth_conf: credentials file: stat /nonexistent/auth.conf: no such file"},
		{name: "auth_conf readable by others", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, authErr: "mode", errText: "svc.conf:4: [sync#1] auth_conf: credentials file AUTH: mode 0644"},
		{name: "auth_conf not root's", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, authErr: "owner", errText: "svc.conf:4: [sync#1] auth_conf: credentials file AUTH: owned by uid 1, not root"},
		{name: "pwfile readable by others", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, pwErr: "mode", errText: "svc.conf:1: [sync#1] pwfile: credentials file PW: mode 0644"},
		{name: "pwfile not root's", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH", "pwfile = PW"}, pwErr: "owner", errText: "svc.conf:5: [sync#1] pwfile: credentials file PW: owned by uid 1, not root"},
		{name: "default pwfile absent", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, pwErr: "absent", errText: "the default: <directory of auth_conf>/<array>.pwfile"},
		{name: "no section for the array", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, auth: "[IBM.2107-75XYZ99]\nhmc1 = x\nusername = y\n", errText: "AUTH has no [" + array + "] section"},
		{name: "no username", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, auth: "[" + array + "]\nhmc1 = 10.0.0.1\n", errText: "AUTH:1: [" + array + "] username is required"},
		{name: "misspelt key in auth.conf", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, auth: "[" + array + "]\nhmc1 = 10.0.0.1\nusername = u\nhmc3 = x\n", errText: `AUTH:4: [` + array + `] unknown keyword "hmc3"`},
		{name: "wrong type in auth.conf", lines: []string{"array = " + array, "pairs = 0001:0002", "auth_conf = AUTH"}, auth: "[" + array + "]\ntype = necism\nhmc1 = 10.0.0.1\nusername = u\n", errText: `AUTH:2: [` + array + `] type: "necism": want ibmds`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			authPath := filepath.Join(dir, "auth.conf")
			pwPath := filepath.Join(dir, array+".pwfile")
			content := tt.auth
			if content == "" {
				content = auth
			}
			switch tt.authErr {
			case "mode":
				writeFile(t, authPath, content, 0o644, 0)
			case "owner":
				writeFile(t, authPath, content, 0o600, 1)
			default:
				writeFile(t, authPath, content, 0o600, 0)
			}
			switch tt.pwErr {
			case "mode":
				writeFile(t, pwPath, secret, 0o644, 0)
			case "owner":
				writeFile(t, pwPath, secret, 0o600, 1)
			case "absent":
			default:
				writeFile(t, pwPath, secret, 0o600, 0)
			}
			repl := strings.NewReplacer("AUTH", authPath, "PW", pwPath)
			text := repl.Replace("[sync#1]\n" + strings.Join(tt.lines, "\n") + "\nrecordng = no\n")
			sf, err := snapdrivers.ParseServiceFile(strings.NewReader(text), "svc.conf")
			if err != nil {
				t.Fatal(err)
			}
			sec := sf.Sections[0]
			d, err := ibmds.New(sec, snapdrivers.Env{Exec: &snapdrivers.Exec{}})
			if tt.errText != "" {
				want := repl.Replace(tt.errText)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v\nwant one containing %q", err, want)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the password is in the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.AuthConf, want.PWFile = repl.Replace(want.AuthConf), repl.Replace(want.PWFile)
			if diff := cmp.Diff(want, d.Config()); diff != "" {
				t.Errorf("Config (-want +got):\n%s", diff)
			}
			// Every keyword of the driver was read: only the misspelt
			// one is left.
			unused := fmt.Sprint(sec.Unused())
			if !strings.Contains(unused, `unknown keyword "recordng"`) || len(sec.Unused()) != 1 {
				t.Errorf("Unused = %v, want recordng only", unused)
			}
		})
	}
}
