package ibmds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const array = "IBM.2107-75ABC01"

var (
	seeded = time.Date(2014, 9, 18, 21, 4, 4, 0, time.UTC)
	now    = time.Date(2024, 1, 15, 8, 30, 0, 0, time.UTC)
)

type result struct {
	Code           int
	Stdout, Stderr string
}

func setup(t *testing.T, n int) (dir, pwfile string) {
	t.Helper()
	dir = t.TempDir()
	if _, err := SeedN(dir, array, n, seeded); err != nil {
		t.Fatal(err)
	}
	_, pwfile, err := WriteCredentials(dir, array, "10.0.0.1", "admin")
	if err != nil {
		t.Fatal(err)
	}
	return dir, pwfile
}

func run(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip(err)
	}
	var out, errb bytes.Buffer
	code := Run(Invocation{Args: args, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Dir: dir, Loc: paris, Now: func() time.Time { return now }})
	return result{code, out.String(), errb.String()}
}

func load(t *testing.T, dir string) *State {
	t.Helper()
	st, err := Store{Dir: dir}.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &st
}

func TestLsflashDelim(t *testing.T) {
	dir, pw := setup(t, 2)
	r := run(t, dir, "setenv -banner off -header on -format delim\nlsflash -l -dev "+array+" 0000:1000 0001:1001\n", "-user", "admin", "-pwfile", pw)
	want := "Date/Time: January 15, 2024 9:30:00 AM CET IBM DSCLI Version: 7.7.10.317 DS: " + array + "\n\n" +
		"dscli> dscli> ID,SrcLSS,SequenceNum,Timeout,ActiveCopy,Recording,Persistent,Revertible,SourceWriteEnabled,TargetWriteEnabled,BackgroundCopy,OutOfSyncTracks,DateCreated,DateSynced,State,isTgtSE\n" +
		strings.Repeat("=", 178) + "\n" +
		"0000:1000,00,0,120,Disabled,Enabled,Enabled,Disabled,Enabled,Enabled,Enabled,0,Thu Sep 18 22:04:04 CEST 2014,Thu Sep 18 23:04:04 CEST 2014,Valid,No\n" +
		"0001:1001,00,0,120,Disabled,Enabled,Enabled,Disabled,Enabled,Enabled,Enabled,0,Thu Sep 18 22:04:04 CEST 2014,Thu Sep 18 23:04:04 CEST 2014,Valid,No\n" +
		"dscli> \n"
	if diff := cmp.Diff(result{0, want, ""}, r); diff != "" {
		t.Errorf("lsflash (-want +got):\n%s", diff)
	}
	b, err := os.ReadFile(filepath.Join(dir, CommandLog))
	if err != nil {
		t.Fatal(err)
	}
	wantLog := "dscli -user admin -pwfile " + pw + " <<< setenv -banner off -header on -format delim; lsflash -l -dev " + array + " 0000:1000 0001:1001\n"
	if diff := cmp.Diff(wantLog, string(b)); diff != "" {
		t.Errorf("command log (-want +got):\n%s", diff)
	}
}

func TestLsflashSelection(t *testing.T) {
	dir, pw := setup(t, 3)
	tests := []struct {
		args string
		ids  []string
	}{
		{"lsflash", []string{"0000:1000", "0001:1001", "0002:1002"}},
		{"lsflash 0001:1001", []string{"0001:1001"}},
		{"lsflash 1002", []string{"0002:1002"}},
		{"lsflash 0001-00FF", []string{"0001:1001", "0002:1002"}},
		{"lsflash 0009:1009", nil},
	}
	for _, tt := range tests {
		r := run(t, dir, "setenv -banner off -format delim -header off\n"+tt.args+"\n", "-user", "admin", "-pwfile", pw)
		var ids []string
		for _, l := range strings.Split(r.Stdout, "\n") {
			l = strings.TrimPrefix(strings.TrimPrefix(l, "dscli> "), "dscli> ")
			if id, _, ok := strings.Cut(l, ","); ok && !strings.HasPrefix(l, "Date/Time:") {
				ids = append(ids, id)
			}
		}
		if diff := cmp.Diff(tt.ids, ids); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.args, diff)
		}
		if tt.ids == nil && !strings.Contains(r.Stdout, "CMUC00234I lsflash: No Flash Copy found.") {
			t.Errorf("%s: %q", tt.args, r.Stdout)
		}
	}
}

func TestCopyCommands(t *testing.T) {
	dir, pw := setup(t, 2)
	session := []string{"-hmc1", "10.0.0.1", "-user", "admin", "-pwfile", pw}
	r := run(t, dir, "resyncflash -dev "+array+" -persist -record -nocp 0000:1000 0001:1001\n", session...)
	if r.Code != 0 || strings.Count(r.Stdout, "successfully resynchronized.") != 2 {
		t.Fatalf("resyncflash: %+v", r)
	}
	st := load(t, dir)
	if f := st.Flash("0001:1001"); !f.DateSynced.Equal(now) || f.BackgroundCopy {
		t.Errorf("after resyncflash: %+v", f)
	}

	r = run(t, dir, "rmflash -dev "+array+" 0000:1000\nn\n", session...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "CMUC00144W") || load(t, dir).Flash("0000:1000") == nil {
		t.Errorf("rmflash answered n removed the pair: %+v", r)
	}
	r = run(t, dir, "rmflash -dev "+array+" -quiet 0000:1000\nmkflash -dev "+array+" -persist -cp 0000:1000\n", session...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "CMUC00140I rmflash: FlashCopy pair 0000:1000 successfully removed.") ||
		!strings.Contains(r.Stdout, "CMUC00137I mkflash: FlashCopy pair 0000:1000 successfully created.") {
		t.Errorf("rmflash then mkflash: %+v", r)
	}
	if f := load(t, dir).Flash("0000:1000"); f == nil || f.Recording || !f.Persistent || !f.DateCreated.Equal(now) {
		t.Errorf("after mkflash: %+v", f)
	}

	// Not recording any more: resyncflash refuses that pair only.
	r = run(t, dir, "resyncflash -dev "+array+" -persist -record -cp 0000:1000 0001:1001\n", session...)
	if r.Code != ExitApp || !strings.Contains(r.Stderr, "CMUN03035E resyncflash: 0000:1000") || !strings.Contains(r.Stdout, "pair 0001:1001 successfully") {
		t.Errorf("resyncflash of a pair without recording: %+v", r)
	}
}

func TestFailures(t *testing.T) {
	dir, pw := setup(t, 2)
	session := []string{"-user", "admin", "-pwfile", pw}
	if err := SetESE(dir, "0001:1001"); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, "resyncflash -dev "+array+" -persist -record -cp 0001:1001\n", session...)
	if r.Code != ExitApp || !strings.Contains(r.Stderr, "CMUN03185E") {
		t.Errorf("ESE target without -tgtse: %+v", r)
	}
	r = run(t, dir, "lsflash -dev IBM.2107-75XYZ99\n", session...)
	if r.Code != ExitApp || !strings.Contains(r.Stderr, "Invalid storage image ID IBM.2107-75XYZ99") {
		t.Errorf("other -dev: %+v", r)
	}
	r = run(t, dir, "lsflash\n", "-user", "admin", "-pwfile", filepath.Join(dir, "none"))
	if r.Code != ExitAuth {
		t.Errorf("absent password file: %+v", r)
	}
	if err := AddFailure(dir, Failure{Command: "lsflash", Code: 4, Message: "CMUN00214E lsflash: Server error."}); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, "lsflash\nresyncflash -persist -record 0000:1000\n", session...)
	if r.Code != 4 || r.Stderr != "CMUN00214E lsflash: Server error.\n" || load(t, dir).Flash("0000:1000").DateSynced.Equal(now) {
		t.Errorf("lsflash failing on demand did not stop the session: %+v", r)
	}
	if err := ClearFailures(dir); err != nil {
		t.Fatal(err)
	}
	if r = run(t, dir, "lsflash\n", session...); r.Code != 0 {
		t.Errorf("after ClearFailures: %+v", r)
	}
}

func TestDefaultFormat(t *testing.T) {
	dir, pw := setup(t, 1)
	if err := SetFlash(dir, "0000:1000", func(f *Flash) { f.DateSynced = time.Time{} }); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, "", "-user", "admin", "-pwfile", pw, "lsflash", "-l", "0000")
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "Date/Time:") || !strings.HasPrefix(lines[2], "ID        SrcLSS") ||
		!strings.HasPrefix(lines[4], "0000:1000 00") || !strings.Contains(lines[4], " - ") {
		t.Errorf("single-shot lsflash in the default format:\n%s", r.Stdout)
	}
}
