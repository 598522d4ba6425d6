package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Cmd is one command to run.
type Cmd struct {
	// Argv is the program and its arguments; Argv[0] is looked up in PATH.
	Argv []string
	// Line, instead of Argv, is a command line sent to an ssh server as
	// it is, unquoted: for a forced command, which reads it as one string
	// from SSH_ORIGINAL_COMMAND. Only SSH runs it.
	Line string
	// Stdin is fed to the command when not nil.
	Stdin io.Reader
	// Env, when not nil, is added to the runner's environment (KEY=VALUE).
	Env []string
	// Secrets are strings that must never appear in an error or a log
	// line about this command; they are replaced by "***".
	Secrets []string
}

// Result is what a finished command printed.
type Result struct {
	Stdout []byte
	Stderr []byte
}

// Runner runs commands. Run returns *ExitError when the command ran and
// exited non-zero; other errors mean it could not be started or was
// cancelled. Implementations kill the command when ctx is done.
type Runner interface {
	Run(ctx context.Context, c Cmd) (Result, error)
}

// maxStderr bounds how much of a command's stderr an error carries.
const maxStderr = 8 << 10

// ExitError is a command that ran and failed.
type ExitError struct {
	Argv   []string // redacted
	Code   int
	Stderr string // redacted, trimmed, at most maxStderr bytes
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s: exit status %d", strings.Join(e.Argv, " "), e.Code)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// ExitCode returns the exit code of the command that failed in err, and
// whether err carries one.
func ExitCode(err error) (int, bool) {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code, true
	}
	return 0, false
}

// Redact replaces every secret in s by "***".
func Redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// RedactArgv returns a copy of argv with secrets replaced.
func RedactArgv(argv, secrets []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = Redact(a, secrets)
	}
	return out
}

// Local runs commands on this host with exec.CommandContext.
type Local struct {
	// Env is the base environment; nil means the process environment.
	Env []string
}

// Run implements Runner.
func (l Local) Run(ctx context.Context, c Cmd) (Result, error) {
	if c.Line != "" {
		return Result{}, errors.New("run: a command line (Line) runs only over ssh; give Argv")
	}
	if len(c.Argv) == 0 {
		return Result{}, errors.New("run: empty command")
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	if l.Env != nil || c.Env != nil {
		base := l.Env
		if base == nil {
			base = cmd.Environ()
		}
		cmd.Env = append(append([]string{}, base...), c.Env...)
	}
	cmd.Stdin = c.Stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err == nil {
		return res, nil
	}
	argv := RedactArgv(c.Argv, c.Secrets)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return res, fmt.Errorf("%s: %w", strings.Join(argv, " "), ctxErr)
	}
	var xe *exec.ExitError
	if errors.As(err, &xe) && xe.Exited() {
		se := res.Stderr
		if len(se) > maxStderr {
			se = se[:maxStderr]
		}
		return res, &ExitError{
			Argv:   argv,
			Code:   xe.ExitCode(),
			Stderr: Redact(strings.TrimSpace(string(se)), c.Secrets),
		}
	}
	return res, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
}
