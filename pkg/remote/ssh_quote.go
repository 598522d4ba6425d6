package remote

import (
	"errors"
	"fmt"
	"strings"
)

// ShellQuote joins argv into one POSIX shell command line that the shell
// splits back into exactly argv: every element goes in single quotes, and
// a single quote inside one is ended, escaped and reopened:
//
//	ShellQuote([]string{"echo", "it's"}) == `'echo' 'it'\''s'`
//
// sshd hands a command to the user's shell as one string, so this is the
// only safe way to pass an argv through it.
func ShellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// remoteCommand is the command line sshd gets for c: its argv quoted, run
// through env(1) when c has Env, since sshd accepts few or no variables
// by the protocol's setenv.
func remoteCommand(c Cmd) (string, error) {
	if c.Line != "" {
		if len(c.Argv) > 0 || len(c.Env) > 0 {
			return "", errors.New("run: a command has either Line or Argv and Env, not both")
		}
		if strings.IndexByte(c.Line, 0) >= 0 {
			return "", errors.New("run: the command line contains a NUL byte")
		}
		return c.Line, nil
	}
	if len(c.Argv) == 0 {
		return "", errors.New("run: empty command")
	}
	for i, a := range c.Argv {
		if strings.IndexByte(a, 0) >= 0 {
			return "", fmt.Errorf("run: argument %d contains a NUL byte", i)
		}
	}
	if len(c.Env) == 0 {
		return ShellQuote(c.Argv), nil
	}
	for _, kv := range c.Env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || !validEnvName(name) || strings.IndexByte(kv, 0) >= 0 {
			return "", fmt.Errorf("run: bad environment entry %q: want NAME=VALUE", Redact(kv, c.Secrets))
		}
	}
	if strings.Contains(c.Argv[0], "=") {
		// env would take it for one more assignment.
		return "", fmt.Errorf("run: program name %q contains '=' and cannot follow env", c.Argv[0])
	}
	argv := make([]string, 0, 1+len(c.Env)+len(c.Argv))
	argv = append(append(append(argv, "env"), c.Env...), c.Argv...)
	return ShellQuote(argv), nil
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
