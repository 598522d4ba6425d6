package iet

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

var update = flag.Bool("update", false, "rewrite the expected plans")

// TestPlanFromProcFixtures plans each testdata/plans/*/case.conf against
// the /proc sample of the IET release it names, with the device sizes its
// header lists, and compares the plan with want.txt.
func TestPlanFromProcFixtures(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "plans", "*", "case.conf"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, conf := range cases {
		dir := filepath.Dir(conf)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			hdr := readHeader(t, conf)
			cfg, err := targetconf.Load(conf)
			if err != nil {
				t.Fatal(err)
			}
			state := loadFixture(t, hdr.proc)
			p, err := ietd.ComputePlan(ietd.Inputs{Desired: cfg, Observed: state, Devices: hdr.devices, Records: ietd.NewRecords()},
				ietd.PlanOptions{Prune: hdr.prune, Force: hdr.force})
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, a := range p.Actions {
				got.WriteString("action: " + a.String() + "\n")
			}
			for _, r := range p.Refused {
				got.WriteString("refused: " + r.String() + "\n")
			}
			for _, n := range p.Notes {
				got.WriteString("note: " + n + "\n")
			}
			want := filepath.Join(dir, "want.txt")
			if *update {
				os.WriteFile(want, []byte(got.String()), 0o644)
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if diff := cmp.Diff(string(w), got.String()); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

type caseHeader struct {
	proc         string
	prune, force bool
	devices      map[string]ietd.Device
}

func readHeader(t *testing.T, path string) caseHeader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := caseHeader{devices: map[string]ietd.Device{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "#"))
		if !strings.HasPrefix(sc.Text(), "#") {
			break
		}
		k, v, _ := strings.Cut(line, ":")
		switch v = strings.TrimSpace(v); k {
		case "proc":
			h.proc = v
		case "prune":
			h.prune = v == "true"
		case "force":
			h.force = v == "true"
		default:
			if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[0], "/") {
				n, err := strconv.ParseInt(f[1], 10, 64)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				h.devices[f[0]] = ietd.Device{Size: n}
			}
		}
	}
	return h
}
