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
   0    done
   1    failed (the target is reported incomplete when a copy was under way)
   2    usage error: nothing was changed
   130  interrupted (SIGINT/SIGTERM); snapshots taken were removed`

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "lvmcopy: %s\n", ue.msg)
		return exitUsage
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "lvmcopy: interrupted: %s\n", oneLine(err))
		return exitCancelled
	}
	fmt.Fprintf(stderr, "lvmcopy: %s\n", oneLine(err))
	return exitError
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "\n  ") }
