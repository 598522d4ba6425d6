package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ietkit/ietkit/pkg/fence"
)

// Exit codes follow the fence agents' contract, which the cluster reads:
// 0 success (status: on), 1 failure, refusal or usage error, 2 status:
// off. A usage error cannot be 2 here, since 2 would read as "off".
const exitStatusHelp = `EXIT STATUS:
   0    done; for status: every outlet is on
   1    failed, refused, unreachable, or a usage error
   2    for status: every outlet is off`

// exitStatus is an action's exit code, passed out through urfave/cli.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	var es exitStatus
	var ue *usageError
	switch {
	case err == nil:
		return fence.ExitOK
	case errors.As(err, &es):
		return int(es)
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "stonith-proxy: %s\n", ue.msg)
		return fence.ExitFailed
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "stonith-proxy: interrupted: %s\n", oneLine(err))
		return fence.ExitFailed
	}
	fmt.Fprintf(stderr, "stonith-proxy: %s\n", oneLine(err))
	return fence.ExitFailed
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "\n  ") }

// aliasArgs turns an invocation as fence_ietkit_proxy into the
// fence-agent command.
func aliasArgs(args []string) []string {
	if len(args) > 0 && filepath.Base(args[0]) == fence.AgentName {
		return append([]string{"stonith-proxy", "fence-agent"}, args[1:]...)
	}
	return args
}
