// Command fake-ietadm is a drop-in replacement for IET's ietadm that acts
// on the simulator state named by IETSIM_DIR and renders
// IETSIM_ROOT/proc/net/iet. See package ietsim for the contract.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ietkit/ietkit/internal/ietsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := ietsim.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
