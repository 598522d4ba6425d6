package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Exit codes, as documented in --help.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitChanges   = 3
	exitCancelled = 130
)

// usageError is a bad command line: printed bare, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errChanges ends plan --detailed-exitcode when the plan has changes.
var errChanges = errors.New("plan has changes")

// errReported is an error whose story was told on stdout already.
type errReported struct{ err error }

func (e *errReported) Error() string { return e.err.Error() }
func (e *errReported) Unwrap() error { return e.err }

// exitCode decides the exit code of err, and prints it.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errChanges):
		return exitChanges
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "iet-update: %s\n", ue.msg)
		return exitUsage
	case targetconf.IsConfigError(err):
		fmt.Fprintf(stderr, "iet-update: the config has errors; nothing was changed:\n")
		for _, pe := range targetconf.ParseErrors(err) {
			fmt.Fprintf(stderr, "  %s\n", pe)
		}
		return exitUsage
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "iet-update: interrupted: %s\n", oneLine(err))
		return exitCancelled
	}
	fmt.Fprintf(stderr, "iet-update: %s\n", oneLine(err))
	return exitError
}

// oneLine keeps joined errors readable: one per line, indented.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "\n  ")
}
