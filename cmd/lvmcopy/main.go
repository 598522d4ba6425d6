// Command lvmcopy copies logical volumes, devices and files, locally or
// over ssh, takes and removes LVM snapshots, and shows LV I/O statistics.
// Installed under the old names (lvm_copy, lvm_snap_create, ...), it takes
// their options.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs one invocation and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	err := newApp(g).RunContext(ctx, aliasArgs(args))
	return exitCode(ctx, err, stderr)
}
