package gds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func run(t *testing.T, dir, name string, args ...string) (string, string, int) {
	t.Helper()
	var out, errw bytes.Buffer
	code := Main(name, args, dir, &out, &errw)
	return out.String(), errw.String(), code
}

func TestSdxinfoLayouts(t *testing.T) {
	dir := t.TempDir()
	if err := Seed(dir, Set{Joined: true}); err != nil {
		t.Fatal(err)
	}
	// The seed 004 samples' rows, with the simulator's further columns
	// in place of "...".
	out, _, code := run(t, dir, "sdxinfo", "-V", "-c", "Class1", "-o", "Volume2", "-e", "long")
	want := `OBJ    NAME    TYPE   CLASS   GROUP   DISK   MASTER PROXY SKIP JRM   1STBLK  LASTBLK   BLOCKS STATUS   PJRM
------ ------- ------ ------- ------- ------ ------ ----- ---- --- -------- -------- -------- -------- ----
volume *       mirror Class1  Group2  *      *      *     *    *          0    65535    65536 PRIVATE  *
volume Volume2 mirror Class1  Group2  *      Volume1 Join  off  on     65536  1114111  1048576 STOP     off
volume *       mirror Class1  Group2  *      *      *     *    *    1114112  2162687  1048576 FREE     *
`
	if code != 0 || out != want {
		t.Errorf("sdxinfo -V -e long: code %d\n%s", code, cmp.Diff(want, out))
	}
	out, _, code = run(t, dir, "sdxinfo", "-S", "-c", "Class1", "-o", "Volume2")
	want = `OBJ    CLASS   GROUP   DISK    VOLUME  STATUS
------ ------- ------- ------- ------- --------
slice  Class1  Group2  Disk3   Volume2 STOP
`
	if code != 0 || out != want {
		t.Errorf("sdxinfo -S: code %d\n%s", code, cmp.Diff(want, out))
	}
}

func sliceStatuses(t *testing.T, dir string) string {
	t.Helper()
	out, _, code := run(t, dir, "sdxinfo", "-S", "-c", "Class1", "-o", "Volume2")
	if code != 0 {
		t.Fatalf("sdxinfo -S: %d", code)
	}
	var st []string
	for l := range strings.SplitSeq(out, "\n") {
		if f := strings.Fields(l); len(f) == 6 && f[0] == "slice" {
			st = append(st, f[5])
		}
	}
	return strings.Join(st, ",")
}

func TestPartRejoinCopy(t *testing.T) {
	dir := t.TempDir()
	if err := Seed(dir, Set{Joined: true, ProxyDisks: 2}); err != nil {
		t.Fatal(err)
	}
	if err := SetCopyPolls(dir, 2); err != nil {
		t.Fatal(err)
	}
	if _, e, code := run(t, dir, "sdxproxy", "Part", "-c", "Class1", "-p", "Volume2", "-a", "pjrm=off"); code != 0 {
		t.Fatalf("Part: %d %s", code, e)
	}
	if got := sliceStatuses(t, dir); got != "ACTIVE,ACTIVE" {
		t.Errorf("after Part: %s", got)
	}
	// A started proxy is refused; stopped, it rejoins.
	if _, e, code := run(t, dir, "sdxproxy", "Rejoin", "-c", "Class1", "-p", "Volume2"); code != exitError || !strings.Contains(e, "ERROR: Volume2: volume is active") {
		t.Errorf("Rejoin of a started proxy: %d %q", code, e)
	}
	if _, e, code := run(t, dir, "sdxvolume", "-F", "-c", "Class1", "-v", "Volume2"); code != 0 {
		t.Fatalf("sdxvolume -F: %d %s", code, e)
	}
	if _, e, code := run(t, dir, "sdxproxy", "Rejoin", "-c", "Class1", "-p", "Volume2"); code != 0 {
		t.Fatalf("Rejoin: %d %s", code, e)
	}
	var got []string
	for range 4 {
		got = append(got, sliceStatuses(t, dir))
	}
	if diff := cmp.Diff([]string{"COPY,COPY", "COPY,COPY", "STOP,STOP", "STOP,STOP"}, got); diff != "" {
		t.Errorf("slices polled after Rejoin (-want +got):\n%s", diff)
	}
}

func TestStuckAndFailures(t *testing.T) {
	dir := t.TempDir()
	if err := Seed(dir); err != nil {
		t.Fatal(err)
	}
	if err := Stick(dir, "Volume2"); err != nil {
		t.Fatal(err)
	}
	if _, e, code := run(t, dir, "sdxproxy", "Rejoin", "-c", "Class1", "-p", "Volume2"); code != 0 {
		t.Fatalf("Rejoin: %d %s", code, e)
	}
	for range 5 {
		if got := sliceStatuses(t, dir); got != "COPY" {
			t.Fatalf("stuck copy shows %s", got)
		}
	}
	msg := ErrorMessage("sdxproxy", "Volume2: copying is in process")
	if err := AddFailure(dir, Failure{Command: "sdxproxy", Arg: "Part", Exit: 1, Message: msg, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if _, e, code := run(t, dir, "sdxproxy", "Part", "-c", "Class1", "-p", "Volume2"); code != 1 || e != msg+"\n" {
		t.Errorf("failure on demand: %d %q", code, e)
	}
	// Times 1: the next call runs, and meets the real refusal.
	if _, e, _ := run(t, dir, "sdxproxy", "Part", "-c", "Class1", "-p", "Volume2"); e != msg+"\n" {
		t.Errorf("after the failure: %q", e)
	}
	if err := RemoveVolume(dir, "Volume2"); err != nil {
		t.Fatal(err)
	}
	if _, e, code := run(t, dir, "sdxinfo", "-V", "-c", "Class1", "-o", "Volume2"); code != 1 || !strings.Contains(e, "Volume2: no such object") {
		t.Errorf("missing volume: %d %q", code, e)
	}
	want := []string{
		"sdxproxy Rejoin -c Class1 -p Volume2",
		"sdxinfo -S -c Class1 -o Volume2", "sdxinfo -S -c Class1 -o Volume2", "sdxinfo -S -c Class1 -o Volume2",
		"sdxinfo -S -c Class1 -o Volume2", "sdxinfo -S -c Class1 -o Volume2",
		"sdxproxy Part -c Class1 -p Volume2", "sdxproxy Part -c Class1 -p Volume2",
		"sdxinfo -V -c Class1 -o Volume2",
	}
	log := readLog(t, dir)
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("commands.log (-want +got):\n%s", diff)
	}
}

func readLog(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}
