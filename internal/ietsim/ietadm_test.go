package ietsim

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const tryHelp = "Try `ietadm --help' for more information.\n"

func TestCommandLine(t *testing.T) {
	runOpCases(t, []opCase{
		{name: "no --op", args: []string{"--tid=1"}, exit: 234, stderr: "You must specify the operation type\n" + errEINVAL},
		{name: "unknown --op", args: []string{"--op", "create", "--tid=1"}, exit: 234, stderr: "You must specify the operation type\n" + errEINVAL},
		{name: "unknown option", args: []string{"--op", "new", "--force"}, exit: 255, stderr: "ietadm: unrecognized option '--force'\n" + tryHelp},
		{name: "missing argument", args: []string{"--op", "delete", "--tid"}, exit: 255, stderr: "ietadm: option '--tid' requires an argument\n" + tryHelp},
		{name: "argument to --user", args: []string{"--op", "show", "--user=x"}, exit: 255, stderr: "ietadm: option '--user' doesn't allow an argument\n" + tryHelp},
		{name: "bad short option", args: []string{"-x"}, exit: 255, stderr: "ietadm: invalid option -- 'x'\n" + tryHelp},
		{name: "operand", setup: withTarget, args: []string{"--op", "delete", "--tid=1", "now"}, exit: 255, stderr: "unrecognized: now\n" + tryHelp, check: wantTIDs(1)},
		{name: "--version", args: []string{"--version"}, stdout: "ietadm version 1.4.20\n"},
		{name: "--version of 0.4.15", version: "0.4.15", args: []string{"--version"}, stdout: "ietadm version 0.4.15\n"},
		{name: "--help", args: []string{"--help"}, stdout: usageText},
		{name: "short options", args: []string{"-o", "new", "-t5", "-pName=iqn.x:a"}, check: wantTIDs(5)},
		{name: "long option prefixes", args: []string{"--o=new", "--ti", "5", "--par", "Name=iqn.x:a"}, check: wantTIDs(5)},
		{name: "ids are strtoul: junk is 0", args: []string{"--op", "new", "--tid=abc", "--params", "Name=iqn.x:a"}, check: wantTIDs(1)},
		{name: "system-wide show", args: []string{"--op", "show"}, exit: 234, stderr: errEINVAL},
		{
			name: "system-wide delete does nothing in 1.4.20", setup: withTarget, args: []string{"--op", "delete"},
			check: func(t *testing.T, s *Sim) { mustRun(t, s, "--op", "show", "--tid=1") },
		},
		{
			name: "system-wide delete stops ietd before 1.4.20", version: "1.4.19", setup: withTarget, args: []string{"--op", "delete"},
			check: func(t *testing.T, s *Sim) {
				if _, errOut, code := s.Run(t.Context(), "--op", "delete", "--tid=1"); code != 145 || errOut != errECONNREFUSED {
					t.Errorf("after stop: exit %d, stderr %q; want 145, %q", code, errOut, errECONNREFUSED)
				}
			},
		},
	})
}

func TestStopped(t *testing.T) {
	s := newSim(t, "")
	withTarget(t, s)
	if err := s.SetRunning(false); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"volume", "session"} {
		if _, err := os.Stat(filepath.Join(s.Root(), ProcDir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s while stopped: %v, want it absent", name, err)
		}
	}
	for _, args := range [][]string{
		{"--op", "new", "--tid=0", "--params", "Name=iqn.x:b"},
		{"--op", "show", "--tid=1"},
		{"--op", "delete", "--tid=1", "--lun=0"},
		{"--op", "delete"},
	} {
		out, errOut, code := s.Run(t.Context(), args...)
		if code != 145 || errOut != errECONNREFUSED || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 145 and %q", strings.Join(args, " "), code, out, errOut, errECONNREFUSED)
		}
	}
	// ietadm refuses these itself, before it connects.
	if _, errOut, code := s.Run(t.Context(), "--op", "delete", "--tid=1", "--sid=1"); code != 234 || errOut != errEINVAL {
		t.Errorf("session delete while stopped: exit %d, stderr %q; want 234", code, errOut)
	}
	if err := s.SetRunning(true); err != nil {
		t.Fatal(err)
	}
	if got := readProc(t, s, "volume"); got != "tid:1 name:iqn.2001-04.com.example:t1\n" {
		t.Errorf("volume after restart = %q", got)
	}
}

func TestCallsLog(t *testing.T) {
	s := newSim(t, "")
	s.Run(t.Context(), "--op", "new", "--tid=0", "--params", "Name=iqn.x:a")
	s.Run(t.Context(), "--op", "delete", "--tid=7")
	s.Run(t.Context(), "--bogus")
	s.Run(t.Context())
	calls, err := ReadCalls(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	want := []Call{
		{Argv: []string{"--op", "new", "--tid=0", "--params", "Name=iqn.x:a"}, Exit: 0},
		{Argv: []string{"--op", "delete", "--tid=7"}, Exit: 254},
		{Argv: []string{"--bogus"}, Exit: 255},
		{Argv: []string{}, Exit: 234},
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(filepath.Join(s.Dir(), "calls.log"))
	if err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(string(data), "\n", 2)[0]; first != `{"argv":["--op","new","--tid=0","--params","Name=iqn.x:a"],"exit":0}` {
		t.Errorf("first line = %s", first)
	}
}

func TestOpenKeepsState(t *testing.T) {
	s := newSim(t, "1.4.19")
	withTarget(t, s)
	again, err := Open(s.Dir(), s.Root(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := tids(again); len(got) != 1 {
		t.Errorf("reopened tids = %v", got)
	}
	// The recorded version holds when none is given.
	if out, _, _ := again.Run(t.Context(), "--version"); out != "ietadm version 1.4.19\n" {
		t.Errorf("version = %q", out)
	}
	if _, err := Open(t.TempDir(), t.TempDir(), "0.3.1"); err == nil {
		t.Error("Open accepted version 0.3.1")
	}
}
