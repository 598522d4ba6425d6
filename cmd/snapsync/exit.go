package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitCancelled = 130
)

const exitStatusHelp = `EXIT STATUS:
   0    done (status: the status was read, whatever it is; see --json)
   1    failed or refused (too soon, copy in use); later resources were not run
   2    usage or service file error: nothing was run
   130  interrupted`

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "snapsync: %s\n", oneLine(ue))
		return exitUsage
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "snapsync: interrupted: %s\n", oneLine(err))
		return exitCancelled
	}
	fmt.Fprintf(stderr, "snapsync: %s\n", oneLine(err))
	return exitError
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "\n  ") }
