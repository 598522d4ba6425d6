package symclone

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// run invokes the simulator in-process as name with args.
func run(t *testing.T, dir, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv(DirEnv, dir)
	var o, e strings.Builder
	code = Main(name, args, strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

func states(t *testing.T, dir string) []string {
	t.Helper()
	st, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range st.Groups["DG"].Sessions {
		out = append(out, s.State)
	}
	return out
}

func TestQueryLayout(t *testing.T) {
	dir := t.TempDir()
	if err := Seed(dir, "DG", []Pair{{"DEV001", "BCV001"}}, "CopyInProg", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := SetCopyPolls(dir, "DG", Pair{"DEV001", "BCV001"}, Stuck); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, dir, "symclone", "-g", "DG", "query")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	// The row of the VMAX admin notes (facts 2.1), device numbers aside.
	const want = "DEV001    0E28    201300        0 BCV001    0E29        0 XXX. CopyInProg    39"
	if !strings.Contains(out, want+"\n") {
		t.Errorf("query lacks %q:\n%s", want, out)
	}
	for _, l := range []string{
		"Logical   Sym  Tracks    Tracks   Logical   Sym  Tracks   CGDP SRC <=> TGT  (%)",
		"--------------------------------- ---------------------------- ------------ ----",
		"Total           -------- --------                --------",
		"  Track(s)        201300        0                       0",
		"  MB(s)          12581.2      0.0                     0.0",
	} {
		if !strings.Contains(out, l+"\n") {
			t.Errorf("query lacks %q:\n%s", l, out)
		}
	}
}

func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	pairs := Pairs(2)
	if err := Seed(dir, "DG", pairs, "Copied", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := SetCopyPolls(dir, "DG", pairs[1], 0); err != nil {
		t.Fatal(err)
	}
	t.Setenv(TZEnv, "Asia/Tokyo")
	ps := []string{"DEV001", "sym", "ld", "CLONE001", "DEV002", "symld", "CLONE002"}

	_, errOut, code := run(t, dir, "symclone", append([]string{"-g", "DG", "-noprompt", "recreate", "-precopy", "-i", "20", "-c", "30"}, ps...)...)
	if code != 0 || !strings.Contains(errOut, "'Recreate' operation successfully initiated for device 'DEV002'\nin group 'DG' paired with target device 'CLONE002'.") {
		t.Fatalf("recreate: exit %d, stderr:\n%s", code, errOut)
	}
	if diff := cmp.Diff([]string{"Precopy", "Precopy"}, states(t, dir)); diff != "" {
		t.Errorf("after recreate (-want +got):\n%s", diff)
	}
	// Without -noprompt it asks, and the empty stdin answers no.
	out, _, code := run(t, dir, "symclone", append([]string{"-g", "DG", "activate"}, ps...)...)
	if code == 0 || !strings.Contains(out, "(y/[n]) ?") {
		t.Errorf("activate without -noprompt: exit %d, stdout %q", code, out)
	}
	_, errOut, code = run(t, dir, "symclone", append([]string{"-g", "DG", "-noprompt", "activate"}, ps...)...)
	if code != 0 || !strings.Contains(errOut, "'Activate' operation successfully executed for device 'DEV001'") {
		t.Fatalf("activate: exit %d, stderr:\n%s", code, errOut)
	}
	var got []string
	for range 3 {
		run(t, dir, "symclone", "-g", "DG", "query")
		got = append(got, strings.Join(states(t, dir), " "))
	}
	want := []string{"CopyInProg Copied", "CopyInProg Copied", "Copied Copied"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("states over queries (-want +got):\n%s", diff)
	}
	// Activating again is refused and changes nothing.
	_, errOut, code = run(t, dir, "symclone", append([]string{"-g", "DG", "-noprompt", "activate"}, ps...)...)
	if code != exitFail || !strings.Contains(errOut, msgAlreadyActive) {
		t.Errorf("second activate: exit %d, stderr %q", code, errOut)
	}
	out, _, _ = run(t, dir, "symld", "-g", "DG", "list", "-v")
	st, _ := Load(dir)
	last := st.Groups["DG"].Sessions[0].LastAction
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if !strings.Contains(out, "Time of Last Clone Action           : "+last.In(tokyo).Format(time.ANSIC)+"\n") || last.IsZero() {
		t.Errorf("symld lacks the last action time %v in Tokyo time:\n%s", last, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "commands.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 8 || lines[0] != "symclone -g DG -noprompt recreate -precopy -i 20 -c 30 DEV001 sym ld CLONE001 DEV002 symld CLONE002" {
		t.Errorf("commands.log:\n%s", b)
	}
}

func TestFailures(t *testing.T) {
	dir := t.TempDir()
	pairs := Pairs(2)
	if err := Seed(dir, "DG", pairs, "Copied", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := Fail(dir, Failure{Command: "symclone", Arg: "recreate", Code: 7, Message: "locked", Times: 1}); err != nil {
		t.Fatal(err)
	}
	recreate := []string{"-g", "DG", "-noprompt", "recreate", "DEV001", "sym", "ld", "CLONE001"}
	if _, _, code := run(t, dir, "symclone", "-g", "DG", "query"); code != 0 {
		t.Errorf("query failed: the failure wants recreate")
	}
	if _, e, code := run(t, dir, "symclone", recreate...); code != 7 || !strings.Contains(e, "locked") {
		t.Errorf("first recreate: exit %d, stderr %q; want 7, locked", code, e)
	}
	if _, _, code := run(t, dir, "symclone", recreate...); code != 0 {
		t.Errorf("second recreate: exit %d; the failure was for one time", code)
	}

	if err := RemoveDevice(dir, "DG", "CLONE002"); err != nil {
		t.Fatal(err)
	}
	_, e, code := run(t, dir, "symclone", "-g", "DG", "-noprompt", "recreate", "DEV002", "sym", "ld", "CLONE002")
	if code != exitFail || !strings.Contains(e, msgNoDevice+": CLONE002") {
		t.Errorf("recreate of a missing device: exit %d, stderr %q", code, e)
	}
	if err := RemoveSession(dir, "DG", pairs[0]); err != nil {
		t.Fatal(err)
	}
	_, e, code = run(t, dir, "symclone", "-g", "DG", "query")
	if code != exitFail || !strings.Contains(e, msgNoSession) || !strings.Contains(e, "Device group 'DG' does not have any devices that are Clone source devices") {
		t.Errorf("query with no session: exit %d, stderr %q", code, e)
	}
	if _, e, code := run(t, dir, "symclone", "-g", "NODG", "query"); code != exitFail || !strings.Contains(e, msgNoGroup) {
		t.Errorf("unknown group: exit %d, stderr %q", code, e)
	}
	if _, _, code := run(t, dir, "symclone", "-g", "DG", "-bogus", "query"); code != 2 {
		t.Errorf("unknown option: exit %d", code)
	}
}

func TestSeedKeepsOtherGroups(t *testing.T) {
	dir := t.TempDir()
	if err := Seed(dir, "A", Pairs(2), "Copied", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := Seed(dir, "B", Pairs(1), "Precopy", time.Time{}); err != nil {
		t.Fatal(err)
	}
	st, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Groups) != 2 || st.Groups["B"].Devices[0].Sym != "0E2C" {
		t.Errorf("groups %v; B's first device %+v, want 0E2C", st.Groups, st.Groups["B"].Devices[0])
	}
	if got := diskLetters(0) + diskLetters(24) + diskLetters(25); got != "bzaa" {
		t.Errorf("disk letters %q", got)
	}
}
