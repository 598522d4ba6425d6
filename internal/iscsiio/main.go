package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ietkit/ietkit/internal/iscsiio/iscsiurl"
)

// defaultInitiator is the initiator name without -i.
const defaultInitiator = "iqn.2026-11.org.ietkit:iscsi-io"

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a mistake in the command line: printed bare, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// env is what a command runs with.
type env struct {
	initiator string
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
}

// commandFunc runs a command. It returns the exit status when the command
// ran, and an error when it did not.
type commandFunc func(ctx context.Context, e *env, args []string) (int, error)

// commandTable maps each command's name to its function.
func commandTable() map[string]commandFunc {
	return map[string]commandFunc{
		"capacity": runCapacity,
		"write":    runWrite,
		"read":     runRead,
		"loop":     runLoop,
		"hold":     runHold,
	}
}

const usage = `usage: iscsi-io [-i INITIATOR-IQN] COMMAND URL ARGS...
  capacity URL
  write URL LBA                  (data on stdin)
  read URL LBA BLOCKS            (data on stdout)
  loop URL DURATION [-every INTERVAL] [-blocks N]
  hold URL DURATION
URL: iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN`

// run runs the command line args and returns the exit status. Every
// message it prints has the URL's passwords masked.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("iscsi-io", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	initiator := fs.String("i", defaultInitiator, "initiator `IQN`")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "iscsi-io: %v\n%s\n", err, usage)
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	cmd, ok := commandTable()[name]
	if !ok {
		fmt.Fprintf(stderr, "iscsi-io: unknown command %q\n%s\n", name, usage)
		return exitUsage
	}
	var secrets []string
	if len(rest) > 0 {
		secrets = iscsiurl.Secrets(rest[0])
	}
	e := &env{initiator: *initiator, stdin: stdin, stdout: stdout,
		stderr: &redactingWriter{w: stderr, secrets: secrets}}
	code, err := cmd(ctx, e, rest)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "iscsi-io %s: %v\n", name, err)
		fmt.Fprintln(stderr, usage)
		return exitUsage
	case err != nil && ctx.Err() != nil:
		fmt.Fprintf(e.stderr, "iscsi-io %s: interrupted: %v\n", name, err)
		return exitInterrupted
	case err != nil:
		fmt.Fprintf(e.stderr, "iscsi-io %s: %v\n", name, err)
		return exitFailure
	}
	return code
}

// redactingWriter masks URLs and secrets in what it writes; each write is
// expected to be whole lines, as every message of iscsi-io is.
type redactingWriter struct {
	w       io.Writer
	secrets []string
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, iscsiurl.RedactText(string(p), r.secrets...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
