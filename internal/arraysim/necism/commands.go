package necism

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Environment variables the simulator reads.
const (
	DirEnv = "ARRAYSIM_DIR"
	TZEnv  = "ARRAYSIM_TZ"
)

// Commands are the iSM commands simulated: link each of them to the
// multi-call binary.
var Commands = []string{"iSMsc_query", "iSMsc_create", "iSMsc_link", "iSMsc_unlink"}

// Sim runs simulated commands against one state directory.
type Sim struct {
	Dir string
	Loc *time.Location   // zone of the times printed
	Now func() time.Time // the array's clock
}

// Main is the multi-call program: the command is the base name of
// args[0] (or args[1] when called by its own name, for debugging).
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "necismsim: no command")
		return 2
	}
	name, rest := filepath.Base(args[0]), args[1:]
	if !slices.Contains(Commands, name) && len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	tz := getenv(TZEnv)
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		fmt.Fprintf(stderr, "necismsim: %s: %v\n", TZEnv, err)
		return 2
	}
	sim := Sim{Dir: getenv(DirEnv), Loc: loc, Now: time.Now}
	return sim.Run(name, rest, stdout, stderr)
}

// Run runs one command: it is logged, then fails on demand or acts on
// the state, all under the state lock.
func (sim Sim) Run(name string, args []string, stdout, stderr io.Writer) int {
	code := 0
	err := locked(sim.Dir, func() error {
		if err := appendLog(sim.Dir, name, args); err != nil {
			return err
		}
		s, old, err := load(sim.Dir)
		if err != nil {
			return err
		}
		if f, ok := s.takeFailure(name, args); ok {
			msg := f.Message
			if msg == "" {
				msg = defaultFailure(name)
			}
			w := stderr
			if f.Stdout {
				w = stdout
			}
			fmt.Fprintln(w, msg)
			code = f.Code
			return save(sim.Dir, s, old)
		}
		out, ierr := sim.dispatch(s, name, args)
		if ierr != nil {
			fmt.Fprintln(stderr, ierr.line(name))
			code = ierr.code
		} else {
			io.WriteString(stdout, out)
		}
		return save(sim.Dir, s, old)
	})
	if err != nil {
		fmt.Fprintf(stderr, "necismsim: %v\n", err)
		return 2
	}
	return code
}

func appendLog(dir, name string, args []string) error {
	f, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("command log: %w", err)
	}
	_, err = fmt.Fprintln(f, strings.Join(append([]string{name}, args...), " "))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("command log: %w", err)
	}
	return nil
}

func (s *State) takeFailure(name string, args []string) (Failure, bool) {
	for i, f := range s.Failures {
		if f.Command != name || (f.Arg != "" && !slices.Contains(args, f.Arg)) {
			continue
		}
		if f.Times > 0 {
			s.Failures[i].Times--
			if s.Failures[i].Times == 0 {
				s.Failures = slices.Delete(s.Failures, i, i+1)
			}
		}
		return f, true
	}
	return Failure{}, false
}

func (sim Sim) dispatch(s *State, name string, args []string) (string, *ismError) {
	switch name {
	case "iSMsc_query":
		return sim.query(s, args)
	case "iSMsc_create":
		return sim.create(s, args)
	case "iSMsc_link":
		return link(s, args)
	case "iSMsc_unlink":
		return unlink(s, args)
	}
	return "", &ismError{id: "-", text: "command not simulated", code: 127}
}

// parseArgs reads "-option value" pairs and bare flags. Only LD names are
// simulated as volume identifiers, so every -xxflg must be "ld".
func parseArgs(cmd string, args []string, values, flags []string) (map[string]string, *ismError) {
	got := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case slices.Contains(flags, a):
			got[a] = ""
		case slices.Contains(values, a):
			if i+1 >= len(args) {
				return nil, usageError(cmd, "Option value is missing (%s)", a)
			}
			got[a] = args[i+1]
			i++
		default:
			return nil, usageError(cmd, "Invalid option (%s)", a)
		}
	}
	for k, v := range got {
		if strings.HasSuffix(k, "flg") && v != "ld" {
			return nil, usageError(cmd, "Invalid volume type (%s %s)", k, v)
		}
	}
	return got, nil
}

func require(cmd string, got map[string]string, keys ...string) *ismError {
	for _, k := range keys {
		if _, ok := got[k]; !ok {
			return usageError(cmd, "Option is missing (%s)", k)
		}
	}
	return nil
}

// query lists a BV and its pairs (-bv) or one SV (-sv). Each query of a
// BV brings its SVs in a transient state one step nearer to settling.
// Only the -detail layout of -bv is documented; -summary and no flag
// print it too.
func (sim Sim) query(s *State, args []string) (string, *ismError) {
	const cmd = "iSMsc_query"
	got, ierr := parseArgs(cmd, args, []string{"-bv", "-bvflg", "-sv", "-svflg"}, []string{"-detail", "-summary"})
	if ierr != nil {
		return "", ierr
	}
	if name, ok := got["-bv"]; ok {
		if ierr := require(cmd, got, "-bvflg"); ierr != nil {
			return "", ierr
		}
		bv := s.bv(name)
		if bv == nil {
			return "", notFound(cmd, "BV", name)
		}
		out := renderBVDetail(s, bv, sim.Loc)
		for _, sv := range bv.SVs {
			if sv.Settle > 0 {
				sv.Settle--
				if sv.Settle == 0 {
					sv.State = SnapActive
				}
			}
		}
		return out, nil
	}
	if name, ok := got["-sv"]; ok {
		if ierr := require(cmd, got, "-svflg"); ierr != nil {
			return "", ierr
		}
		bv, sv := s.sv(name)
		if sv == nil {
			return "", notFound(cmd, "SV", name)
		}
		return renderSVQuery(s, bv, sv, sim.Loc), nil
	}
	return "", usageError(cmd, "Option is missing (-bv or -sv)")
}

// create takes a new snapshot of bv into sv. It refuses while an SV of the
// BV changes state (the reason the cluster agent waits first, facts 1.3)
// and while an LV is linked to sv.
func (sim Sim) create(s *State, args []string) (string, *ismError) {
	const cmd = "iSMsc_create"
	got, ierr := parseArgs(cmd, args, []string{"-bv", "-bvflg", "-sv", "-svflg"}, nil)
	if ierr == nil {
		ierr = require(cmd, got, "-bv", "-bvflg", "-sv", "-svflg")
	}
	if ierr != nil {
		return "", ierr
	}
	bv := s.bv(got["-bv"])
	if bv == nil {
		return "", notFound(cmd, "BV", got["-bv"])
	}
	var sv *SV
	for _, v := range bv.SVs {
		if v.Name == got["-sv"] {
			sv = v
		}
		if transient(v.State) {
			return "", errorf("iSM19411", "Snapshot operation of the BV is in progress (%s %s)", v.Name, v.State)
		}
	}
	if sv == nil {
		return "", errorf(ids[cmd].notFound, "Specified SV is not a snapshot volume of the BV (%s %s)", got["-sv"], bv.Name)
	}
	if lv := s.linkedTo(sv.Name); lv != nil {
		return "", errorf("iSM19103", "Specified SV is linked to an LV (%s %s)", sv.Name, lv.Name)
	}
	if sv.State != SnapActive && sv.State != SnapNonexistent {
		return "", errorf("iSM19104", "Snap state of the SV does not allow the operation (%s %s)", sv.Name, sv.State)
	}
	sv.State = SnapActive
	sv.Time = sim.Now().Truncate(time.Second)
	sv.Size = "0.0GB"
	sv.Settle = 0
	renumber(bv)
	return renderCreate(bv, sv, sim.Loc), nil
}

// renumber gives the SVs holding a snapshot their relative generation,
// newest -1, as iSM numbers them.
func renumber(bv *BV) {
	var snaps []*SV
	for _, v := range bv.SVs {
		if !v.Time.IsZero() {
			snaps = append(snaps, v)
		}
	}
	sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].Time.After(snaps[j].Time) })
	for i, v := range snaps {
		v.Generation = -(i + 1)
	}
}

func link(s *State, args []string) (string, *ismError) {
	const cmd = "iSMsc_link"
	got, ierr := parseArgs(cmd, args, []string{"-lv", "-lvflg", "-sv", "-svflg", "-lvacc"}, nil)
	if ierr == nil {
		ierr = require(cmd, got, "-lv", "-lvflg", "-sv", "-svflg")
	}
	if ierr != nil {
		return "", ierr
	}
	lv := s.lv(got["-lv"])
	if lv == nil {
		return "", notFound(cmd, "LV", got["-lv"])
	}
	_, sv := s.sv(got["-sv"])
	if sv == nil {
		return "", notFound(cmd, "SV", got["-sv"])
	}
	if lv.SV != "" {
		return "", errorf("iSM20103", "Specified LV is already linked (%s %s)", lv.Name, lv.SV)
	}
	if other := s.linkedTo(sv.Name); other != nil {
		return "", errorf("iSM20105", "Specified SV is already linked to another LV (%s %s)", sv.Name, other.Name)
	}
	if sv.State != SnapActive {
		return "", errorf("iSM20104", "Snap state of the SV does not allow the operation (%s %s)", sv.Name, sv.State)
	}
	lv.SV = sv.Name
	return renderOK(cmd, msgLinkOK), nil
}

func unlink(s *State, args []string) (string, *ismError) {
	const cmd = "iSMsc_unlink"
	got, ierr := parseArgs(cmd, args, []string{"-lv", "-lvflg"}, nil)
	if ierr == nil {
		ierr = require(cmd, got, "-lv", "-lvflg")
	}
	if ierr != nil {
		return "", ierr
	}
	lv := s.lv(got["-lv"])
	if lv == nil {
		return "", notFound(cmd, "LV", got["-lv"])
	}
	if lv.SV == "" {
		return "", errorf("iSM20203", "Specified LV is not linked (%s)", lv.Name)
	}
	lv.SV = ""
	return renderOK(cmd, msgUnlinkOK), nil
}
