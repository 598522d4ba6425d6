package symclone

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Messages of the simulator that no public source documents; they are
// plausible, and stable so that tests can match them.
const (
	msgNoSession     = "The Source device and the Target device do not form a Copy session" // facts 2.1
	msgNoGroup       = "The specified device group was not found"                           // undocumented
	msgNoDevice      = "The specified logical device name was not found in the group"       // undocumented
	msgBadState      = "The device is not in a valid state for this operation"              // undocumented
	msgAlreadyActive = "The device is already in the requested state"                       // undocumented
)

// exitFail is symcli's exit code for a failed operation. Solutions
// Enabler's return codes are not in the public sources read; 1 stands for
// them all.
const exitFail = 1

// Main runs one invocation as command name (symclone or symld), with the
// state in $ARRAYSIM_DIR, and returns the exit code.
func Main(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	dir := os.Getenv(DirEnv)
	loc := time.UTC
	if tz := os.Getenv(TZEnv); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s=%q: %v\n", name, TZEnv, tz, err)
			return 2
		}
		loc = l
	}
	inv := &invocation{name: name, args: args, stdin: stdin, loc: loc, now: time.Now().Truncate(time.Second)}
	err := locked(dir, func(st *State) error {
		if err := appendLog(dir, name, args); err != nil {
			return err
		}
		inv.run(st)
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s (simulator): %v\n", name, err)
		return 2
	}
	io.WriteString(stdout, inv.stdout.String())
	io.WriteString(stderr, inv.stderr.String())
	return inv.code
}

func appendLog(dir, name string, args []string) error {
	f, err := os.OpenFile(filepath.Join(dir, logFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, strings.Join(append([]string{name}, args...), " "))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// invocation is one run of a command; its output is kept until the state
// is saved, so that a crash never prints a success that was not stored.
type invocation struct {
	name           string
	args           []string
	stdin          io.Reader
	loc            *time.Location
	now            time.Time
	stdout, stderr strings.Builder
	code           int
}

func (inv *invocation) fail(code int, format string, a ...any) {
	fmt.Fprintf(&inv.stderr, "\n"+format+"\n\n", a...)
	inv.code = code
}

func (inv *invocation) run(st *State) {
	for i := range st.Failures {
		f := &st.Failures[i]
		if f.Command != inv.name || (f.Arg != "" && !slices.Contains(inv.args, f.Arg)) {
			continue
		}
		w := &inv.stderr
		if f.Stdout {
			w = &inv.stdout
		}
		fmt.Fprintf(w, "\n%s\n\n", f.Message)
		inv.code = f.Code
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				st.Failures = append(st.Failures[:i], st.Failures[i+1:]...)
			}
		}
		return
	}
	switch inv.name {
	case "symclone":
		inv.symclone(st)
	case "symld":
		inv.symld(st)
	default:
		inv.fail(2, "%s: the simulator answers as symclone and symld only", inv.name)
	}
}

// cli is a parsed symclone command line.
type cli struct {
	group    string
	action   string
	noprompt bool
	precopy  bool
	pairs    []Pair
	devs     []string // lone devices (query DEV001)
}

func parseCLI(args []string) (cli, error) {
	var c cli
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-g", "-sid", "-i", "-c":
			if i+1 >= len(args) {
				return c, fmt.Errorf("option %s needs a value", a)
			}
			if a == "-g" {
				c.group = args[i+1]
			}
			i++
		case "-noprompt", "-nop":
			c.noprompt = true
		case "-precopy":
			c.precopy = true
		case "-copy", "-diff", "-differential", "-consistent", "-v", "-multi", "-force", "-symforce":
		default:
			if strings.HasPrefix(a, "-") {
				return c, fmt.Errorf("unknown option %s", a)
			}
			pos = append(pos, a)
		}
	}
	if len(pos) == 0 {
		return c, fmt.Errorf("no action")
	}
	c.action, pos = pos[0], pos[1:]
	for i := 0; i < len(pos); i++ {
		switch {
		case i+3 < len(pos) && pos[i+1] == "sym" && pos[i+2] == "ld":
			c.pairs = append(c.pairs, Pair{Source: pos[i], Target: pos[i+3]})
			i += 3
		case i+2 < len(pos) && pos[i+1] == "symld":
			c.pairs = append(c.pairs, Pair{Source: pos[i], Target: pos[i+2]})
			i += 2
		default:
			c.devs = append(c.devs, pos[i])
		}
	}
	return c, nil
}

func (inv *invocation) symclone(st *State) {
	c, err := parseCLI(inv.args)
	if err != nil {
		inv.fail(2, "symclone: %v", err)
		return
	}
	if c.group == "" {
		inv.fail(2, "symclone: the simulator needs -g DG")
		return
	}
	g := st.Groups[c.group]
	if g == nil {
		inv.fail(exitFail, "%s", msgNoGroup)
		return
	}
	switch c.action {
	case "query":
		inv.query(g, c)
	case "recreate", "activate":
		inv.control(g, c)
	default:
		inv.fail(2, "symclone: the simulator does not do %q", c.action)
	}
}

// control runs recreate or activate on c's pairs, or on every session of
// the group when none is named. Every pair is checked before any changes,
// so a refused operation changes nothing.
func (inv *invocation) control(g *Group, c cli) {
	op := strings.ToUpper(c.action[:1]) + c.action[1:]
	if len(c.devs) > 0 {
		inv.fail(2, "symclone: %s: name pairs as SRC sym ld TGT", c.action)
		return
	}
	var sessions []*Session
	if len(c.pairs) == 0 {
		sessions = g.Sessions
	}
	for _, p := range c.pairs {
		for _, n := range []string{p.Source, p.Target} {
			if g.device(n) == nil {
				inv.fail(exitFail, "%s: %s", msgNoDevice, n)
				return
			}
		}
		s := g.session(p)
		if s == nil {
			inv.fail(exitFail, "%s", msgNoSession)
			return
		}
		sessions = append(sessions, s)
	}
	if len(sessions) == 0 {
		inv.fail(exitFail, "%s", msgNoSession)
		return
	}
	from := []string{"Created", "CopyInProg", "Copied", "CopyOnAccess"}
	if c.action == "activate" {
		from = []string{"Created", "Precopy", "Recreated"}
	}
	for _, s := range sessions {
		if !slices.Contains(from, s.State) {
			msg := msgBadState
			if c.action == "activate" && (s.State == "CopyInProg" || s.State == "Copied") {
				msg = msgAlreadyActive
			}
			inv.fail(exitFail, "%s: %s sym ld %s is %s", msg, s.Source, s.Target, s.State)
			return
		}
	}
	if !c.noprompt && !inv.confirm(op, g, c) {
		inv.code = exitFail
		return
	}
	for _, s := range sessions {
		s.LastAction = inv.now.UTC()
		switch {
		case c.action == "activate":
			s.State, s.Left, s.Percent = "CopyInProg", s.CopyPolls, 0
		case c.precopy:
			s.State, s.Percent = "Precopy", 0
		default:
			s.State, s.Percent = "Recreated", 0
		}
	}
	// Seed 002: the messages go to stderr ("command succesful but
	// stderr"). Several pairs repeat the one-pair message, an assumption:
	// the sources show one pair or a whole group only.
	verb := "executed"
	if c.action == "recreate" {
		verb = "initiated"
	}
	if len(c.pairs) == 0 {
		fmt.Fprintf(&inv.stderr, "\n'%s' operation execution is in progress for\ndevice group '%s'. Please wait...\n\n", op, g.Name)
		fmt.Fprintf(&inv.stderr, "'%s' operation successfully %s for device group\n'%s'.\n\n", op, verb, g.Name)
		return
	}
	for _, p := range c.pairs {
		fmt.Fprintf(&inv.stderr, "\n'%s' operation execution is in progress for device '%s'\npaired with target device '%s' in\ndevice group '%s'. Please wait...\n\n", op, p.Source, p.Target, g.Name)
		fmt.Fprintf(&inv.stderr, "'%s' operation successfully %s for device '%s'\nin group '%s' paired with target device '%s'.\n\n", op, verb, p.Source, g.Name, p.Target)
	}
}

// confirm asks as symclone does without -noprompt (the VMAX admin notes
// of facts 2.1) and reads the answer on stdin.
func (inv *invocation) confirm(op string, g *Group, c cli) bool {
	if len(c.pairs) == 1 {
		fmt.Fprintf(&inv.stdout, "\nExecute '%s' operation for device '%s'\nin device group '%s' (y/[n]) ? ", op, c.pairs[0].Source, g.Name)
	} else {
		fmt.Fprintf(&inv.stdout, "\nExecute '%s' operation for device group\n'%s' (y/[n]) ? ", op, g.Name)
	}
	if inv.stdin == nil {
		return false
	}
	line, _ := bufio.NewReader(inv.stdin).ReadString('\n')
	a := strings.TrimSpace(line)
	return a == "y" || a == "Y" || a == "yes"
}

// query prints the group's sessions (or those of the named source
// devices) and moves copies in progress one poll on.
func (inv *invocation) query(g *Group, c cli) {
	var shown []*Session
	for _, s := range g.Sessions {
		if len(c.devs) > 0 && !slices.Contains(c.devs, s.Source) {
			continue
		}
		if len(c.pairs) > 0 && !slices.Contains(c.pairs, Pair{s.Source, s.Target}) {
			continue
		}
		shown = append(shown, s)
	}
	if len(shown) == 0 {
		inv.fail(exitFail, "%s\n\nDevice group '%s' does not have any devices that are Clone source devices", msgNoSession, g.Name)
		return
	}
	for _, s := range shown {
		if s.State != "CopyInProg" {
			continue
		}
		switch {
		case s.CopyPolls == Stuck || s.Left < 0:
			s.Percent = 39 // as in the facts' example, where it stays
		case s.Left == 0:
			s.State, s.Percent = "Copied", 100
		default:
			s.Left--
			s.Percent = 100 * (s.CopyPolls - s.Left) / (s.CopyPolls + 1)
		}
	}
	renderQuery(&inv.stdout, g, shown)
}

func (inv *invocation) symld(st *State) {
	var group string
	var rest []string
	for i := 0; i < len(inv.args); i++ {
		if inv.args[i] == "-g" && i+1 < len(inv.args) {
			group = inv.args[i+1]
			i++
			continue
		}
		rest = append(rest, inv.args[i])
	}
	if group == "" || !slices.Equal(rest, []string{"list", "-v"}) {
		inv.fail(2, "symld: the simulator does -g DG list -v only")
		return
	}
	g := st.Groups[group]
	if g == nil {
		inv.fail(exitFail, "%s", msgNoGroup)
		return
	}
	renderLDList(&inv.stdout, g, inv.loc)
}
