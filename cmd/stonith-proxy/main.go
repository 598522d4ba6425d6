// Command stonith-proxy powers a failed storage node off through its rack
// PDUs. On the proxy host it is the ssh forced command that lets one node
// fence one other (serve); on the cluster nodes it is the client that asks
// it (fence), as a heartbeat external STONITH plugin (heartbeat-plugin)
// and as a Pacemaker fence agent (fence-agent, or installed as
// fence_ietkit_proxy).
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
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}

// run runs one invocation and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr, lookupEnv: lookupEnv}
	err := newApp(g).RunContext(ctx, aliasArgs(args))
	return exitCode(ctx, err, stderr)
}
