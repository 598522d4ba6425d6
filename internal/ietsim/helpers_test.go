package ietsim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// newSim opens a simulator in temporary directories.
func newSim(t *testing.T, version string) *Sim {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state"), t.TempDir(), version)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mustRun runs ietadm in-process and fails the test unless it exits 0.
func mustRun(t *testing.T, s *Sim, args ...string) string {
	t.Helper()
	out, errOut, code := s.Run(t.Context(), args...)
	if code != 0 {
		t.Fatalf("ietadm %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
	}
	return out
}

// addTarget creates a target with an explicit tid.
func addTarget(t *testing.T, s *Sim, tid, name string) {
	t.Helper()
	mustRun(t, s, "--op", "new", "--tid="+tid, "--params", "Name="+name)
}

// backingFile creates a sparse file of size bytes.
func backingFile(t *testing.T, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

// readProc returns a proc file of the simulator ("volume" or "session").
func readProc(t *testing.T, s *Sim, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.Root(), ProcDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// target returns the target with tid, failing the test if there is none.
func target(t *testing.T, s *Sim, tid uint32) Target {
	t.Helper()
	for _, tg := range s.Targets() {
		if tg.TID == tid {
			return tg
		}
	}
	t.Fatalf("no target %d", tid)
	return Target{}
}

func tids(s *Sim) []uint32 {
	var ids []uint32
	for _, t := range s.Targets() {
		ids = append(ids, t.TID)
	}
	return ids
}

// opCase is one ietadm invocation and what it must print and leave behind.
type opCase struct {
	name    string
	version string                     // "" is DefaultVersion
	setup   func(t *testing.T, s *Sim) // runs before args
	args    []string                   // the invocation under test
	exit    int                        // its exit status
	stdout  string                     // exactly
	stderr  string                     // exactly
	check   func(t *testing.T, s *Sim) // optional
}

func runOpCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, tc.version)
			if tc.setup != nil {
				tc.setup(t, s)
			}
			out, errOut, code := s.Run(t.Context(), tc.args...)
			if code != tc.exit {
				t.Errorf("exit = %d, want %d (stderr %q)", code, tc.exit, errOut)
			}
			if diff := cmp.Diff(tc.stdout, out); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.stderr, errOut); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

// Common stderr texts: strerror, as ietadm prints it.
const (
	errENOENT       = "No such file or directory\n"
	errEEXIST       = "File exists\n"
	errEBUSY        = "Device or resource busy\n"
	errEINVAL       = "Invalid argument\n"
	errENOTBLK      = "Block device required\n"
	errECONNREFUSED = "Connection refused\n"
)
