package snapdrivers

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/ietkit/ietkit/pkg/remote"
)

// Exec runs one resource's vendor commands and logs each command line
// and its output, the way operators of the original read them: the
// command at INFO, what it printed at INFO, and output on stderr of a
// command that succeeded as a WARNING ("command successful but stderr"),
// not an error.
type Exec struct {
	Runner remote.Runner
	// Log has the resource's prefix (see NewLineHandler).
	Log *slog.Logger
	// Secrets never appear in a log line or an error.
	Secrets []string
}

// Output is what a command printed.
type Output struct {
	Stdout, Stderr string
}

// Combined is stdout then stderr, trimmed.
func (o Output) Combined() string {
	return strings.TrimSpace(strings.TrimSpace(o.Stdout) + "\n" + strings.TrimSpace(o.Stderr))
}

// Run runs step. A non-zero exit, a command that could not start and a
// cancelled ctx are a *CommandError; the output is returned in every case
// (some vendor queries exit non-zero and still print what is needed).
func (e *Exec) Run(ctx context.Context, step Step) (Output, error) {
	argv := remote.RedactArgv(step.Argv, e.Secrets)
	line := strings.Join(argv, " ")
	if step.Stdin != "" {
		line = strings.ReplaceAll(strings.TrimSpace(remote.Redact(step.Stdin, e.Secrets)), "\n", "; ") + " | " + line
	}
	e.Log.Info(line)
	c := remote.Cmd{Argv: step.Argv, Secrets: e.Secrets}
	if step.Stdin != "" {
		c.Stdin = strings.NewReader(step.Stdin)
	}
	res, err := e.Runner.Run(ctx, c)
	out := Output{Stdout: remote.Redact(string(res.Stdout), e.Secrets), Stderr: remote.Redact(string(res.Stderr), e.Secrets)}
	if err == nil {
		if s := strings.TrimSpace(out.Stdout); s != "" {
			e.Log.Info(s)
		}
		if s := strings.TrimSpace(out.Stderr); s != "" {
			e.Log.Warn("command successful but stderr:\n" + s)
		}
		return out, nil
	}
	ce := &CommandError{Argv: argv, Code: -1}
	var ee *remote.ExitError
	if errors.As(err, &ee) {
		ce.Code = ee.Code
		ce.Output = out.Combined()
		if ce.Output == "" {
			ce.Output = ee.Stderr
		}
	} else {
		ce.Err = err
		ce.Output = out.Combined()
	}
	e.Log.Error(ce.Error())
	return out, ce
}

// Fail is a command that exited 0 without the vendor's success message:
// it is logged and returned as a *CommandError with reason.
func (e *Exec) Fail(step Step, out Output, reason string) error {
	ce := &CommandError{Argv: remote.RedactArgv(step.Argv, e.Secrets), Output: out.Combined(), Reason: reason}
	e.Log.Error(ce.Error())
	return ce
}
