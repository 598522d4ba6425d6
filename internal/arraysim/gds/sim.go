package gds

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Main runs the command name (sdxinfo, sdxproxy, sdxvolume) with args
// against the state in dir, writes what GDS would print, and returns the
// exit code. Every call is appended to dir/commands.log first, failing
// or not.
func Main(name string, args []string, dir string, stdout, stderr io.Writer) int {
	if dir == "" {
		fmt.Fprintln(stderr, "gdssim: $ARRAYSIM_DIR is not set")
		return 2
	}
	var out, errw bytes.Buffer
	code := 0
	err := locked(dir, func() error {
		if err := appendLog(dir, name, args); err != nil {
			return err
		}
		st, err := load(dir)
		if err != nil {
			return err
		}
		changed := false
		if f, ok := st.failure(name, args); ok {
			w := io.Writer(&errw)
			if f.Stdout {
				w = &out
			}
			fmt.Fprintln(w, f.Message)
			code, changed = f.Exit, f.Times > 0
		} else {
			code, changed = st.run(name, args, &out, &errw)
		}
		if changed {
			return save(dir, st)
		}
		return nil
	})
	stdout.Write(out.Bytes())
	stderr.Write(errw.Bytes())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	return code
}

func appendLog(dir, name string, args []string) error {
	f, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("gdssim: %w", err)
	}
	line := strings.Join(append([]string{name}, args...), " ")
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("gdssim: %w", err)
	}
	return f.Close()
}

// failure returns the first failure matching the call, counting it down.
func (s *State) failure(name string, args []string) (Failure, bool) {
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

// run dispatches a call; it returns the exit code and whether the state
// changed.
func (s *State) run(name string, args []string, out, errw io.Writer) (int, bool) {
	switch name {
	case "sdxinfo":
		return s.sdxinfo(args, out, errw)
	case "sdxproxy":
		return s.sdxproxy(args, errw)
	case "sdxvolume":
		return s.sdxvolume(args, errw)
	}
	fmt.Fprintf(errw, "gdssim: %s is not simulated (sdxinfo, sdxproxy, sdxvolume are)\n", name)
	return 2, false
}

// Exit codes: GDS commands exit non-zero on error; our sources do not
// give the values, 1 is used for every GDS error and 2 for what the
// simulator does not do.
const (
	exitError         = 1
	exitNotSimulated  = 2
	syntaxErrorFormat = "syntax error\nusage: %s"
)

// opts reads "-x value" options and the flags in flagChars from args.
func opts(args []string, withValue, flagChars string) (map[string]string, string, error) {
	vals := map[string]string{}
	flags := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			return nil, "", fmt.Errorf("unexpected argument %q", a)
		}
		if len(a) == 2 && strings.ContainsRune(withValue, rune(a[1])) {
			if i+1 >= len(args) {
				return nil, "", fmt.Errorf("%s needs a value", a)
			}
			vals[a[1:]] = args[i+1]
			i++
			continue
		}
		for _, c := range a[1:] {
			if !strings.ContainsRune(flagChars, c) {
				return nil, "", fmt.Errorf("unknown option -%c", c)
			}
			flags += string(c)
		}
	}
	return vals, flags, nil
}

// sdxproxy Part|Rejoin -c class -p proxy,... [-a attr=value,...] [-e ...]
// (facts 2.4). -e options are accepted and ignored; Join, Break and the
// other subcommands are not simulated.
func (s *State) sdxproxy(args []string, errw io.Writer) (int, bool) {
	const usage = "sdxproxy Part -c class -p proxy,... [-a attribute=value] [-e instant,mode=val,unlock]\n" +
		"       sdxproxy Rejoin -c class -p proxy,... [-e delay=msec,softcopy,waitsync]"
	if len(args) == 0 {
		fmt.Fprintln(errw, ErrorMessage("sdxproxy", fmt.Sprintf(syntaxErrorFormat, usage)))
		return exitError, false
	}
	sub := args[0]
	if sub != "Part" && sub != "Rejoin" {
		fmt.Fprintf(errw, "gdssim: sdxproxy %s is not simulated (Part, Rejoin are)\n", sub)
		return exitNotSimulated, false
	}
	vals, _, err := opts(args[1:], "cpae", "")
	if err == nil && (vals["c"] == "" || vals["p"] == "") {
		err = fmt.Errorf("-c and -p are required")
	}
	if err != nil {
		fmt.Fprintln(errw, ErrorMessage("sdxproxy", fmt.Sprintf(syntaxErrorFormat, usage)))
		return exitError, false
	}
	class := vals["c"]
	if !s.hasClass(class) {
		fmt.Fprintln(errw, ErrorMessage("sdxproxy", class+": no such class"))
		return exitError, false
	}
	pjrm := "on"
	if a, ok := vals["a"]; ok {
		for kv := range strings.SplitSeq(a, ",") {
			k, v, _ := strings.Cut(kv, "=")
			if sub != "Part" || k != "pjrm" || (v != "on" && v != "off") {
				fmt.Fprintln(errw, ErrorMessage("sdxproxy", kv+": invalid attribute"))
				return exitError, false
			}
			pjrm = v
		}
	}
	// Every proxy is checked before any changes, as one operation.
	var vols []*Volume
	for _, name := range strings.Split(vals["p"], ",") {
		v := s.volume(class, name)
		var msg string
		switch {
		case v == nil:
			msg = "no such volume"
		case v.Master == "":
			msg = "not a proxy volume"
		case sub == "Part" && v.Proxy != "Join":
			msg = "proxy volume is not joined"
		case sub == "Part" && v.anySlice(func(st string) bool { return st == "COPY" }):
			// "the operation will result in an error if copying is in
			// process" (GDS guide A.2.25, facts 2.4).
			msg = "copying is in process"
		case sub == "Part" && v.anySlice(func(st string) bool { return st != "STOP" }):
			msg = "proxy volume has an invalid slice"
		case sub == "Rejoin" && v.Proxy != "Part":
			msg = "proxy volume is not parted"
		case sub == "Rejoin" && v.anySlice(func(st string) bool { return st == "ACTIVE" }):
			msg = "volume is active"
		}
		if msg != "" {
			fmt.Fprintln(errw, ErrorMessage("sdxproxy", name+": "+msg))
			return exitError, false
		}
		vols = append(vols, v)
	}
	for _, v := range vols {
		if sub == "Part" {
			// The parted proxy is started: the guide stops it right
			// after parting "to prevent improper access" (seed 004 step
			// 3-5).
			v.Proxy, v.PJRM = "Part", pjrm
			v.setSlices("ACTIVE")
			continue
		}
		v.Proxy = "Join"
		v.setSlices("COPY")
		v.Copying, v.CopyLeft = true, s.CopyPolls
	}
	return 0, true
}

// sdxvolume -F|-N -c class -v volume,... [-e ...]: stop or start
// volumes, enough for a test to stop a parted proxy before a resync.
func (s *State) sdxvolume(args []string, errw io.Writer) (int, bool) {
	const usage = "sdxvolume -F -c class [-v volume,...] [-e allnodes]\n       sdxvolume -N -c class [-v volume,...] [-e mode=val]"
	vals, flags, err := opts(args, "cve", "FN")
	if err == nil && (len(flags) != 1 || vals["c"] == "" || vals["v"] == "") {
		err = fmt.Errorf("one of -F, -N with -c and -v")
	}
	if err != nil {
		fmt.Fprintln(errw, ErrorMessage("sdxvolume", fmt.Sprintf(syntaxErrorFormat, usage)))
		return exitError, false
	}
	var vols []*Volume
	for _, name := range strings.Split(vals["v"], ",") {
		v := s.volume(vals["c"], name)
		var msg string
		switch {
		case v == nil:
			msg = "no such volume"
		case flags == "N" && v.Proxy == "Join":
			// Only parted proxies can be started (facts 2.4).
			msg = "proxy volume is joined"
		case v.anySlice(func(st string) bool { return st != "ACTIVE" && st != "STOP" }):
			msg = "volume has a slice neither ACTIVE nor STOP"
		}
		if msg != "" {
			fmt.Fprintln(errw, ErrorMessage("sdxvolume", name+": "+msg))
			return exitError, false
		}
		vols = append(vols, v)
	}
	for _, v := range vols {
		if flags == "F" {
			v.setSlices("STOP")
		} else {
			v.setSlices("ACTIVE")
		}
	}
	return 0, true
}

func (v *Volume) anySlice(f func(status string) bool) bool {
	for _, s := range v.Slices {
		if f(s.Status) {
			return true
		}
	}
	return false
}

func (v *Volume) setSlices(status string) {
	for i := range v.Slices {
		v.Slices[i].Status = status
	}
	v.Copying = false
}

func (s *State) hasClass(class string) bool {
	for _, v := range s.Volumes {
		if v.Class == class {
			return true
		}
	}
	return false
}
