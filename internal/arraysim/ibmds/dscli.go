package ibmds

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Env names the environment variables the simulator reads.
const (
	DirEnv = "ARRAYSIM_DIR"
	TZEnv  = "ARRAYSIM_TZ"
)

// Version is the DSCLI version the banner shows (seed 001).
const Version = "7.7.10.317"

// dscli exit codes, from memory of the DS CLI reference (unverified).
const (
	ExitOK     = 0
	ExitSyntax = 2
	ExitAuth   = 5
	ExitApp    = 6
)

// Messages the simulator prints. Confirmations come from the sources the
// package doc names; the CMUN error messages are invented, in the form
// of real ones (ID, command, pair, text), because no public sample was
// found.
const (
	msgResynced  = "CMUC00168I resyncflash: FlashCopy volume pair %s successfully resynchronized."
	msgCreated   = "CMUC00137I mkflash: FlashCopy pair %s successfully created."
	msgRemoved   = "CMUC00140I rmflash: FlashCopy pair %s successfully removed." // unverified
	msgConfirm   = "CMUC00144W rmflash: Are you sure you want to remove the FlashCopy pair %s:? [y/n]:"
	msgNoFlash   = "CMUC00234I lsflash: No Flash Copy found."
	errNoRel     = "CMUN03027E %s: %s: FlashCopy operation failure: the relationship does not exist."                                     // invented
	errExists    = "CMUN03030E mkflash: %s: FlashCopy operation failure: a relationship already exists."                                  // invented
	errNoRecord  = "CMUN03035E resyncflash: %s: FlashCopy operation failure: the relationship was not established with change recording." // invented
	errNotValid  = "CMUN03037E resyncflash: %s: FlashCopy operation failure: the relationship is in state %s."                            // invented
	errSE        = "CMUN03185E %s: %s: FlashCopy operation failure: the target is space-efficient and -tgtse was not specified."          // invented
	errDev       = "CMUN02001E %s: Invalid storage image ID %s."                                                                          // invented
	errSyntax    = "CMUN00009E %s: %s"                                                                                                    // invented
	errUnknown   = "CMUN00001E %s: command not recognized."                                                                               // invented
	errAuth      = "CMUN00018E Unable to connect to the management console server: authentication failed for user %s."                    // invented
	errGeneric   = "CMUN03042E %s: Copy Services operation failure: simulated failure."                                                   // invented
	bannerLayout = "January 2, 2006 3:04:05 PM MST"
	// dateLayout is Java's Date.toString, DateSynced's format (facts 1.4).
	dateLayout = "Mon Jan 02 15:04:05 MST 2006"
)

// Main runs the simulator as the program os.Args names, with the state
// directory and time zone from the environment, and returns the exit
// code.
func Main() int {
	dir := os.Getenv(DirEnv)
	if dir == "" {
		fmt.Fprintf(os.Stderr, "ibmdssim: %s is not set\n", DirEnv)
		return 1
	}
	loc := time.UTC
	if tz := os.Getenv(TZEnv); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ibmdssim: %s: %v\n", TZEnv, err)
			return 1
		}
		loc = l
	}
	name := filepath.Base(os.Args[0])
	if name != "dscli" {
		fmt.Fprintf(os.Stderr, "ibmdssim: run as dscli (a link named dscli), not %s\n", name)
		return 1
	}
	return Run(Invocation{
		Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Dir: dir, Loc: loc, Now: time.Now,
	})
}

// Invocation is one run of dscli.
type Invocation struct {
	Args           []string
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Dir            string // state directory
	Loc            *time.Location
	Now            func() time.Time
}

// session is one dscli process: its options and what setenv changed.
type session struct {
	inv          Invocation
	st           *State
	now          time.Time
	banner       bool
	header       bool
	delim        string // "" for the default (aligned) format
	changed      bool
	interactive  bool
	lines        []string // stdin, for rmflash's confirmation
	next         int
	user, pwfile string
}

// Run runs one dscli invocation and returns its exit code.
func Run(inv Invocation) int {
	s := &session{inv: inv, banner: true, header: true, interactive: true}
	var single []string
	for i := 0; i < len(inv.Args); i++ {
		a := inv.Args[i]
		if !strings.HasPrefix(a, "-") {
			single = inv.Args[i:]
			s.interactive = false
			break
		}
		switch a {
		case "-hmc1", "-hmc2", "-user", "-pwfile", "-passwd", "-cfg", "-port":
			if i+1 >= len(inv.Args) {
				fmt.Fprintf(inv.Stderr, errSyntax+"\n", "dscli", "option "+a+" needs a value.")
				return ExitSyntax
			}
			i++
			switch a {
			case "-user":
				s.user = inv.Args[i]
			case "-pwfile":
				s.pwfile = inv.Args[i]
			}
		default:
			fmt.Fprintf(inv.Stderr, errSyntax+"\n", "dscli", "unknown option "+a+".")
			return ExitSyntax
		}
	}
	if s.interactive && inv.Stdin != nil {
		b, err := io.ReadAll(inv.Stdin)
		if err != nil {
			fmt.Fprintf(inv.Stderr, "ibmdssim: read stdin: %v\n", err)
			return 1
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				s.lines = append(s.lines, l)
			}
		}
	} else if !s.interactive {
		s.lines = []string{strings.Join(single, " ")}
	}
	code := 0
	err := Store{Dir: inv.Dir}.Locked(func() error {
		if err := s.log(); err != nil {
			return err
		}
		st, err := Store{Dir: inv.Dir}.Load()
		if err != nil {
			return err
		}
		s.st = &st
		s.now = inv.Now().Truncate(time.Second)
		code = s.run()
		if s.changed {
			return Store{Dir: inv.Dir}.write(st)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(inv.Stderr, "ibmdssim: %v\n", err)
		return 1
	}
	return code
}

// log appends the invocation to the command log: the name and arguments,
// then the commands read on stdin.
func (s *session) log() error {
	line := strings.Join(append([]string{"dscli"}, s.inv.Args...), " ")
	if s.interactive && len(s.lines) > 0 {
		line += " <<< " + strings.Join(s.lines, "; ")
	}
	f, err := os.OpenFile(filepath.Join(s.inv.Dir, CommandLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("command log: %w", err)
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("command log: %w", err)
	}
	return f.Close()
}

func (s *session) out(format string, args ...any) { fmt.Fprintf(s.inv.Stdout, format+"\n", args...) }
func (s *session) errf(format string, args ...any) {
	fmt.Fprintf(s.inv.Stderr, format+"\n", args...)
}

func (s *session) printBanner() {
	s.out("Date/Time: %s IBM DSCLI Version: %s DS: %s\n", s.now.In(s.inv.Loc).Format(bannerLayout), Version, s.st.Array)
}

// run authenticates, then runs the commands in order, stopping at the
// first that fails (an assumption: how real dscli goes on after a failed
// command in a stdin script is not documented in the sources read).
func (s *session) run() int {
	if f := s.failure("dscli", nil); f != nil {
		return s.fail(f, "dscli")
	}
	if s.user == "" || s.pwfile == "" {
		s.errf(errSyntax, "dscli", "give -user and -pwfile (the simulator does not prompt).")
		return ExitSyntax
	}
	if _, err := os.Stat(s.pwfile); err != nil || (s.st.User != "" && s.user != s.st.User) {
		s.errf(errAuth, s.user)
		return ExitAuth
	}
	if s.interactive {
		// Seed 001: the session's banner, then each command's after the
		// prompt.
		s.printBanner()
	}
	for s.next < len(s.lines) {
		line := s.lines[s.next]
		s.next++
		if s.interactive {
			fmt.Fprint(s.inv.Stdout, "dscli> ")
		}
		words := strings.Fields(line)
		if words[0] == "quit" || words[0] == "exit" {
			break
		}
		if code := s.command(words[0], words[1:]); code != 0 {
			return code
		}
	}
	if s.interactive {
		fmt.Fprint(s.inv.Stdout, "dscli> \n")
	}
	return 0
}

// failure returns the first failure on demand for cmd whose Arg is
// among args (or empty).
func (s *session) failure(cmd string, args []string) *Failure {
	for i := range s.st.Failures {
		f := &s.st.Failures[i]
		if f.Command == cmd && (f.Arg == "" || containsFold(args, f.Arg)) {
			return f
		}
	}
	return nil
}

// pairFailure returns the failure on demand for pair in cmd.
func (s *session) pairFailure(cmd, pair string) *Failure {
	for i := range s.st.Failures {
		f := &s.st.Failures[i]
		if f.Command == cmd && strings.EqualFold(f.Arg, pair) {
			return f
		}
	}
	return nil
}

func (s *session) say(f *Failure, msg string) {
	if f.Stdout {
		s.out("%s", msg)
	} else {
		s.errf("%s", msg)
	}
}

func (s *session) fail(f *Failure, cmd string) int {
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf(errGeneric, cmd)
	}
	s.say(f, msg)
	return f.Code
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// flags splits a command's arguments into options (with their value, ""
// for a switch) and positional arguments. valued lists the options that
// take a value; any other option must be in switches.
func flags(cmd string, args []string, valued, switches []string) (map[string]string, []string, error) {
	opts := map[string]string{}
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !strings.HasPrefix(a, "-") || a == "-":
			pos = append(pos, a)
		case contains(valued, a):
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf(errSyntax, cmd, "option "+a+" needs a value.")
			}
			opts[a] = args[i+1]
			i++
		case contains(switches, a):
			opts[a] = ""
		default:
			return nil, nil, fmt.Errorf(errSyntax, cmd, "invalid option "+a+".")
		}
	}
	return opts, pos, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var copyFlags = []string{"-persist", "-record", "-cp", "-nocp", "-tgtse", "-freeze", "-tgtpprc", "-tgtoffline", "-tgtinhibit", "-wait", "-fast"}

// command runs one dscli command and returns its exit code.
func (s *session) command(cmd string, args []string) int {
	var valued, switches []string
	switch cmd {
	case "setenv":
		valued = []string{"-banner", "-header", "-format", "-fmt", "-delim", "-paging", "-verbose", "-devid", "-remotedevid", "-rows"}
	case "lsflash":
		valued, switches = []string{"-dev", "-seqnum"}, []string{"-l", "-s", "-activecp", "-record", "-persist", "-revertible", "-cp", "-state"}
	case "resyncflash", "mkflash":
		valued, switches = []string{"-dev", "-seqnum"}, copyFlags
	case "rmflash":
		valued, switches = []string{"-dev", "-seqnum"}, []string{"-quiet", "-tgtonly", "-cp", "-resettgtinhibit", "-wait"}
	default:
		s.errf(errUnknown, cmd)
		return ExitSyntax
	}
	opts, pos, err := flags(cmd, args, valued, switches)
	if err != nil {
		s.errf("%v", err)
		return ExitSyntax
	}
	if cmd != "setenv" && s.banner {
		s.printBanner()
	}
	if dev, ok := opts["-dev"]; ok && !strings.EqualFold(dev, s.st.Array) {
		s.errf(errDev, cmd, dev)
		return ExitApp
	}
	if f := s.failure(cmd, args); f != nil && !(isCopyCmd(cmd) && isPairArg(f.Arg)) {
		return s.fail(f, cmd)
	}
	switch cmd {
	case "setenv":
		return s.setenv(opts)
	case "lsflash":
		return s.lsflash(opts, pos)
	}
	if len(pos) == 0 {
		s.errf(errSyntax, cmd, "give source:target volume pairs.")
		return ExitSyntax
	}
	for _, p := range pos {
		if !isPairArg(p) {
			s.errf(errSyntax, cmd, "invalid pair "+p+".")
			return ExitSyntax
		}
	}
	return s.copyCmd(cmd, opts, pos)
}

func isCopyCmd(cmd string) bool {
	return cmd == "resyncflash" || cmd == "mkflash" || cmd == "rmflash"
}

func isPairArg(a string) bool {
	src, tgt, ok := strings.Cut(a, ":")
	return ok && isVolume(src) && isVolume(tgt)
}

func isVolume(v string) bool {
	if len(v) != 4 {
		return false
	}
	for _, c := range strings.ToUpper(v) {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (s *session) setenv(opts map[string]string) int {
	onOff := func(k string, dst *bool) bool {
		v, ok := opts[k]
		if !ok {
			return true
		}
		switch v {
		case "on":
			*dst = true
		case "off":
			*dst = false
		default:
			s.errf(errSyntax, "setenv", k+" "+v+": want on or off.")
			return false
		}
		return true
	}
	if !onOff("-banner", &s.banner) || !onOff("-header", &s.header) {
		return ExitSyntax
	}
	format, ok := opts["-format"]
	if !ok {
		format, ok = opts["-fmt"]
	}
	if ok {
		switch format {
		case "delim":
			s.delim = ","
		case "default":
			s.delim = ""
		default:
			s.errf(errSyntax, "setenv", "format "+format+" is not simulated.")
			return ExitSyntax
		}
	}
	if d, ok := opts["-delim"]; ok && s.delim != "" {
		s.delim = d
	}
	return 0
}

// copyCmd runs resyncflash, mkflash or rmflash on pairs; a pair failing
// on demand or by state does not stop the others, as on the array.
func (s *session) copyCmd(cmd string, opts map[string]string, pairs []string) int {
	_, tgtse := opts["-tgtse"]
	_, record := opts["-record"]
	_, persist := opts["-persist"]
	_, nocp := opts["-nocp"]
	_, quiet := opts["-quiet"]
	code := 0
	pairErr := func(c int, format string, args ...any) {
		s.errf(format, args...)
		if code == 0 {
			code = c
		}
	}
	for _, p := range pairs {
		p = strings.ToUpper(p)
		if f := s.pairFailure(cmd, p); f != nil {
			if f.Message != "" {
				s.say(f, f.Message)
			}
			if code == 0 {
				code = f.Code
			}
			continue
		}
		fl := s.st.Flash(p)
		switch cmd {
		case "resyncflash":
			switch {
			case fl == nil:
				pairErr(ExitApp, errNoRel, cmd, p)
			case !fl.Recording:
				pairErr(ExitApp, errNoRecord, p)
			case fl.State != StateValid:
				pairErr(ExitApp, errNotValid, p, fl.State)
			case fl.TgtSE == "ESE" && !tgtse:
				pairErr(ExitApp, errSE, cmd, p)
			default:
				fl.DateSynced = s.now
				fl.Recording, fl.Persistent, fl.BackgroundCopy = record, persist, !nocp
				s.changed = true
				s.out(msgResynced, p)
			}
		case "mkflash":
			src, tgt, _ := strings.Cut(p, ":")
			ese := containsFold(s.st.ESEVolumes, tgt)
			switch {
			case fl != nil:
				pairErr(ExitApp, errExists, p)
			case ese && !tgtse:
				pairErr(ExitApp, errSE, cmd, p)
			default:
				nf := Flash{Source: src, Target: tgt, Recording: record, Persistent: persist, BackgroundCopy: !nocp,
					State: StateValid, DateCreated: s.now, DateSynced: s.now}
				if ese {
					nf.TgtSE = "ESE"
				}
				s.st.Flashes = append(s.st.Flashes, nf)
				s.changed = true
				s.out(msgCreated, p)
			}
		case "rmflash":
			if fl == nil {
				pairErr(ExitApp, errNoRel, cmd, p)
				continue
			}
			if !quiet {
				s.out(msgConfirm, p)
				if s.next >= len(s.lines) || !strings.EqualFold(s.lines[s.next], "y") {
					s.next++
					continue
				}
				s.next++
			}
			s.remove(p)
			s.out(msgRemoved, p)
		}
	}
	return code
}

func (s *session) remove(id string) {
	for i := range s.st.Flashes {
		if strings.EqualFold(s.st.Flashes[i].ID(), id) {
			s.st.Flashes = append(s.st.Flashes[:i], s.st.Flashes[i+1:]...)
			s.changed = true
			return
		}
	}
}

// lsflash lists the relationships the arguments select: a pair
// (source:target), a volume (source or target) or a range of sources
// (0000-00FF); all when none is given.
func (s *session) lsflash(opts map[string]string, sel []string) int {
	var rows []Flash
	for _, f := range s.st.Flashes {
		if len(sel) == 0 || selected(f, sel) {
			rows = append(rows, f)
		}
	}
	if len(rows) == 0 {
		s.out(msgNoFlash)
		return 0
	}
	_, long := opts["-l"]
	w := bufio.NewWriter(s.inv.Stdout)
	renderFlashes(w, rows, long, s.header, s.delim, s.inv.Loc)
	w.Flush()
	return 0
}

func selected(f Flash, sel []string) bool {
	for _, a := range sel {
		a = strings.ToUpper(a)
		switch {
		case strings.Contains(a, ":"):
			if a == f.ID() {
				return true
			}
		case strings.Contains(a, "-"):
			lo, hi, _ := strings.Cut(a, "-")
			if f.Source >= lo && f.Source <= hi {
				return true
			}
		case a == f.Source || a == f.Target:
			return true
		}
	}
	return false
}
