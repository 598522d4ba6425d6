package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/arraysim/gds"
	"github.com/ietkit/ietkit/internal/arraysim/ibmds"
	"github.com/ietkit/ietkit/internal/arraysim/necism"
	"github.com/ietkit/ietkit/internal/arraysim/symclone"
	"github.com/ietkit/ietkit/internal/testenv"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	snaptest.Cleanup()
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr
}

const simZone = "Europe/Paris"

// arrays is a service of four resources, one per array family, each on
// its vendor CLI's simulator, sharing one state directory (and so one
// command log, in the order the commands ran).
type arrays struct {
	dir, state, conf, bin string
	recDir                string
	necPairs              []necism.Pair
	authConf              string
}

func newArrays(t testing.TB, npairs int, extra string) *arrays {
	t.Helper()
	a := &arrays{dir: t.TempDir()}
	a.state = filepath.Join(a.dir, "arrays")
	a.recDir = filepath.Join(a.dir, "records")
	if err := os.MkdirAll(a.state, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(snaptest.StateEnv, a.state)
	t.Setenv("ARRAYSIM_TZ", simZone)
	// One PATH directory with every vendor command.
	a.bin = t.TempDir()
	for pkg, names := range map[string][]string{
		"github.com/ietkit/ietkit/internal/arraysim/necism/cmd/necismsim":     necism.Commands,
		"github.com/ietkit/ietkit/internal/arraysim/ibmds/cmd/ibmdssim":       {"dscli"},
		"github.com/ietkit/ietkit/internal/arraysim/symclone/cmd/symclonesim": {"symclone", "symld"},
		"github.com/ietkit/ietkit/internal/arraysim/gds/cmd/gdssim":           {"sdxinfo", "sdxproxy", "sdxvolume"},
	} {
		d := snaptest.BuildSim(t, pkg, names...)
		for _, n := range names {
			if err := os.Symlink(filepath.Join(d, n), filepath.Join(a.bin, n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	then := time.Now().Add(-2 * time.Hour)
	var gdsPairs []gds.Pair
	var gdsKeyword []string
	for i, p := range gds.Pairs(npairs) {
		gdsPairs = append(gdsPairs, p)
		gdsKeyword = append(gdsKeyword, p.Master+":"+p.Proxy)
		_ = i
	}
	if err := gds.Seed(a.state, gds.Set{Class: "Class1", Pairs: gdsPairs}); err != nil {
		t.Fatal(err)
	}
	a.necPairs = necism.Pairs(npairs)
	if err := necism.Seed(a.state, a.necPairs, then); err != nil {
		t.Fatal(err)
	}
	ibmPairs, err := ibmds.SeedN(a.state, "IBM.2107-75ABC01", npairs, then)
	if err != nil {
		t.Fatal(err)
	}
	if a.authConf, _, err = ibmds.WriteCredentials(filepath.Join(a.dir, "etc"), "IBM.2107-75ABC01", "198.51.100.50", "snapsync"); err != nil {
		t.Fatal(err)
	}
	var symPairs []string
	for _, p := range symclone.Pairs(npairs) {
		symPairs = append(symPairs, p.Source+":"+p.Target)
	}
	if err := symclone.Seed(a.state, "DGCVI", symclone.Pairs(npairs), "Copied", then); err != nil {
		t.Fatal(err)
	}
	a.conf = filepath.Join(a.dir, "oradb.conf")
	conf := fmt.Sprintf(`# four array families, run in this order
[DEFAULT]
timezone = %s
sync_min_delay = 30
sync_max_delay = 1440

[sync#1]
type = necism
pairs = %s

[sync#2]
type = ibmdsflash
array = IBM.2107-75ABC01
pairs = %s
auth_conf = %s

[sync#3]
type = symclone
dg = DGCVI
pairs = %s
poll_interval = 10ms
%s
[sync#4]
type = gdsproxy
class = Class1
pairs = %s
poll_interval = 1
`, simZone, necism.Keyword(a.necPairs), strings.Join(ibmPairs, " "), a.authConf, strings.Join(symPairs, " "), extra, strings.Join(gdsKeyword, " "))
	if err := os.WriteFile(a.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a *arrays) snapsync(t testing.TB, now time.Time, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	clock := time.Now
	if !now.IsZero() {
		clock = func() time.Time { return now }
	}
	argv := append([]string{"snapsync", "--config", a.conf, "--state-dir", a.recDir, "--path", a.bin}, args...)
	code := run(context.Background(), argv, &out, &errOut, clock)
	return result{code, out.String(), errOut.String()}
}

// changes are the commands of the log that change pairs, in order.
func (a *arrays) changes(t testing.TB) []string {
	var out []string
	for _, l := range snaptest.CommandLog(t, a.state) {
		for _, verb := range []string{"iSMsc_unlink", "iSMsc_create", "iSMsc_link", "resyncflash", "rmflash", "mkflash", " recreate ", " activate ", "sdxproxy Rejoin", "sdxproxy Part"} {
			if strings.Contains(l, verb) {
				out = append(out, strings.TrimSpace(verb))
				break
			}
		}
	}
	return out
}

func requireSims(t testing.TB) {
	testenv.RequireRoot(t) // the IBM credentials must be root's
	testenv.RequireTool(t, "go")
}

func TestSnapsyncFourFamilies(t *testing.T) {
	requireSims(t)
	a := newArrays(t, 2, "")

	r := a.snapsync(t, time.Time{}, "status")
	if r.code != 0 {
		t.Fatalf("status: %s", r)
	}
	for _, want := range []string{"sync#1    necism      up", "sync#2    ibmdsflash  up", "sync#3    symclone    up", "sync#4    gdsproxy    n/a"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}

	r = a.snapsync(t, time.Time{}, "print-plan")
	if r.code != 0 {
		t.Fatalf("print-plan: %s", r)
	}
	for _, want := range []string{"sync#1 (necism) resync:", "iSMsc_unlink -lv SOURCE_0001_LV0200 -lvflg ld", "resyncflash -dev IBM.2107-75ABC01 -persist -record -cp",
		"symclone -g DGCVI -noprompt recreate -precopy -i 20 -c 30 DEV001 sym ld CLONE001", "sdxproxy Rejoin -c Class1 -p Volume2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("print-plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if got := a.changes(t); len(got) != 0 {
		t.Fatalf("print-plan and status changed pairs: %v", got)
	}

	r = a.snapsync(t, time.Time{}, "resync")
	if r.code != 0 {
		t.Fatalf("resync: %s", r)
	}
	got := a.changes(t)
	want := []string{"iSMsc_unlink", "iSMsc_unlink", "iSMsc_create", "iSMsc_create", "iSMsc_link", "iSMsc_link", "resyncflash", "recreate", "sdxproxy Rejoin"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("change commands, in order:\n got %v\nwant %v", got, want)
	}
	if !strings.Contains(r.stderr, "oradb.SYNC#1 - INFO - iSMsc_create -bv SOURCE_0001 -sv SOURCE_0001_SV0100 -bvflg ld -svflg ld") ||
		!strings.Contains(r.stderr, "oradb.SYNC#1 - INFO - iSMsc_create:Info: iSM19010: iSMsc_create has normally terminated.") {
		t.Errorf("log lines not in the original's style:\n%s", r.stderr)
	}
	for i := 1; i <= 4; i++ {
		if _, err := os.Stat(filepath.Join(a.recDir, "oradb", fmt.Sprintf("sync#%d.json", i))); err != nil {
			t.Errorf("record of sync#%d: %v", i, err)
		}
	}

	// Again at once: refused by sync_min_delay, nothing changed.
	r = a.snapsync(t, time.Time{}, "resync")
	if r.code != 1 || !strings.Contains(r.stdout, "sync#1: refused: too soon") || !strings.Contains(r.stdout, "sync#4: refused: too soon") {
		t.Fatalf("second resync: want refused: %s", r)
	}
	if n := len(a.changes(t)); n != len(want) {
		t.Errorf("a refused resync changed pairs (%d change commands, want %d)", n, len(want))
	}
	r = a.snapsync(t, time.Time{}, "resync", "--force", "--rid", "sync#1")
	if r.code != 0 || r.stdout != "sync#1: done\n" {
		t.Fatalf("--force --rid sync#1: %s", r)
	}
	if got := a.changes(t)[len(want):]; strings.Join(got, ",") != strings.Join(want[:6], ",") {
		t.Errorf("--force --rid sync#1 ran %v", got)
	}
	// The clones are in precopy since the resync: nothing to recreate.
	r = a.snapsync(t, time.Time{}, "resync", "--force", "--rid", "sync#3")
	if r.code != 0 || !strings.Contains(r.stderr, "already recreated") {
		t.Errorf("--force --rid sync#3: %s", r)
	}
	want = append(want, want[:6]...)

	// Two days on, every copy is stale: warn (GDS judged by the record).
	r = a.snapsync(t, time.Now().Add(48*time.Hour), "status", "--json")
	var st struct {
		Resources []snapdrivers.ResourceStatus `json:"resources"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 {
		t.Fatalf("status --json: %v: %s", err, r)
	}
	for _, s := range st.Resources {
		if s.State != snapdrivers.Warn || !strings.Contains(strings.Join(s.Reasons, ";"), "older than sync_max_delay") {
			t.Errorf("%s two days on: %s %q", s.RID, s.State, s.Reasons)
		}
	}
	if st.Resources[3].Source != "record" || st.Resources[0].Source != "array" {
		t.Errorf("sources: %s %s", st.Resources[0].Source, st.Resources[3].Source)
	}

	// break: NEC and IBM have nothing to break; Symmetrix activates and
	// waits for the copied state; GDS parts the proxy.
	r = a.snapsync(t, time.Time{}, "break")
	if r.code != 0 {
		t.Fatalf("break: %s", r)
	}
	if r.stdout != "sync#1: nothing to break\nsync#2: nothing to break\nsync#3: done\nsync#4: done\n" {
		t.Errorf("break: %s", r)
	}
	if !strings.Contains(r.stderr, "waiting for copied state") {
		t.Errorf("break did not wait for the copied state:\n%s", r.stderr)
	}
	if got := a.changes(t); strings.Join(got[len(got)-2:], ",") != "activate,sdxproxy Part" {
		t.Errorf("break ran %v", got)
	}
}

func TestSnapsyncFailureKeepsTheRecord(t *testing.T) {
	requireSims(t)
	a := newArrays(t, 2, "")
	if r := a.snapsync(t, time.Time{}, "resync"); r.code != 0 {
		t.Fatalf("resync: %s", r)
	}
	recPath := filepath.Join(a.recDir, "oradb", "sync#1.json")
	before, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := necism.FailOn(a.state, necism.Failure{Command: "iSMsc_create", Arg: a.necPairs[1].SV, Code: 5, Message: "iSMsc_create:Error: iSM19999: the base volume is busy"}); err != nil {
		t.Fatal(err)
	}
	n := len(a.changes(t))
	r := a.snapsync(t, time.Time{}, "resync", "--force")
	if r.code != 1 {
		t.Fatalf("want exit 1: %s", r)
	}
	for _, want := range []string{"iSMsc_create -bv SOURCE_0002 -sv SOURCE_0002_SV0101 -bvflg ld -svflg ld: exit code 5", "iSM19999: the base volume is busy", "sync#2: not run", "sync#4: not run"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r)
		}
	}
	if got := a.changes(t)[n:]; strings.Join(got, ",") != "iSMsc_unlink,iSMsc_unlink,iSMsc_create,iSMsc_create" {
		t.Errorf("commands after the failure: %v", got)
	}
	after, _ := os.ReadFile(recPath)
	if !bytes.Equal(before, after) {
		t.Errorf("a failed resync changed the record:\n%s\n%s", before, after)
	}
	// The LVs were unlinked and not relinked: status says so.
	r = a.snapsync(t, time.Time{}, "status", "--rid", "sync#1")
	if !strings.Contains(r.stdout, "sync#1    necism  warn") || !strings.Contains(r.stdout, "is not linked to SV:") {
		t.Errorf("status after the failure: %s", r)
	}
}

func TestSnapsyncRefusals(t *testing.T) {
	requireSims(t)
	script := filepath.Join(t.TempDir(), "clones-in-use")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"test database on the clones is running\"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	a := newArrays(t, 1, "precheck = "+script+"\n")

	r := a.snapsync(t, time.Time{}, "resync")
	if r.code != 1 || !strings.Contains(r.stdout, "sync#3: refused: copy in use: precheck") || !strings.Contains(r.stdout, "test database on the clones is running") {
		t.Fatalf("precheck: %s", r)
	}
	if got := a.changes(t); len(got) != 0 {
		t.Errorf("a refused run changed pairs: %v", got)
	}

	if err := os.Chmod(a.authConf, 0o644); err != nil {
		t.Fatal(err)
	}
	r = a.snapsync(t, time.Time{}, "status")
	if r.code != 2 || !strings.Contains(r.stderr, "mode 0644") || !strings.Contains(r.stderr, "oradb.conf:") {
		t.Errorf("auth.conf 0644: want exit 2 naming the file and the service line: %s", r)
	}
	os.Chmod(a.authConf, 0o600)

	bad := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(bad, []byte("[sync#1]\ntype = necism\npairs = A:B:C\nsync_max_delai = 5\n"), 0o644)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"snapsync", "--config", bad, "status"}, &out, &errOut, time.Now)
	if code != 2 || !strings.Contains(errOut.String(), `bad.conf:4: [sync#1] unknown keyword "sync_max_delai"`) {
		t.Errorf("misspelt keyword: exit %d: %s", code, errOut.String())
	}
	code = run(context.Background(), []string{"snapsync", "status"}, &out, &errOut, time.Now)
	if code != 2 || !strings.Contains(errOut.String(), "which service?") {
		t.Errorf("no service: exit %d: %s", code, errOut.String())
	}
}
