// Command snapsync drives storage arrays' snapshot and clone sets (NEC
// iSM snapshots, IBM DS8000 FlashCopy, EMC Symmetrix clones, Fujitsu GDS
// proxy volumes) described in a service file: resync, update, break,
// status, print-plan.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr, time.Now)
	stop()
	os.Exit(code)
}

// run runs one invocation with the clock now and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	g := &globals{stdout: stdout, stderr: stderr, now: now}
	err := newApp(g).RunContext(ctx, args)
	return exitCode(ctx, err, stderr)
}
