package ietsim

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Config configures invocations of the fake ietadm.
type Config struct {
	// Dir is the state directory (IETSIM_DIR) and Root the directory
	// holding proc/net/iet (IETSIM_ROOT).
	Dir, Root string
	// Version is the IET release to simulate (IETSIM_VERSION); "" keeps
	// the one recorded in the state, DefaultVersion for a new state.
	Version string
	// Fail makes requests fail (IETSIM_FAIL), see ParseFailSpecs.
	Fail []FailSpec
	// Hooks maps op names to programs run just before the request
	// (IETSIM_HOOK_<OP>).
	Hooks map[string]string
	// HookEnv is the environment hooks run with; nil means this
	// process's.
	HookEnv []string
}

// Exec runs one ietadm invocation (args without argv[0]) against the state
// in cfg.Dir, writes what ietadm would print, appends the invocation to
// calls.log and returns ietadm's exit status: 0, 256-errno, or 255 for a
// usage error.
func Exec(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	code := execute(ctx, cfg, args, stdout, stderr)
	if err := appendCall(cfg.Dir, args, code); err != nil {
		fmt.Fprintf(stderr, "ietsim: %v\n", err)
	}
	return code
}

func execute(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	v, err := cfg.version()
	if err != nil {
		fmt.Fprintf(stderr, "ietsim: %v\n", err)
		return 255
	}
	o, act, msg := parseArgs(args)
	switch act {
	case actUsage:
		fmt.Fprintln(stderr, msg)
		fmt.Fprintln(stderr, "Try `ietadm --help' for more information.")
		return 255
	case actHelp:
		fmt.Fprint(stdout, usageText)
		return 0
	case actVersion:
		fmt.Fprintf(stdout, "ietadm version %s\n", v)
		return 0
	}
	if o.op == opInvalid {
		fmt.Fprintln(stderr, "You must specify the operation type")
		return fail(stderr, syscall.EINVAL)
	}
	if len(o.rest) > 0 {
		fmt.Fprintf(stderr, "unrecognized: %s\n", strings.Join(o.rest, ""))
		fmt.Fprintln(stderr, "Try `ietadm --help' for more information.")
		return 255
	}
	c := client{o: o, v: v, stderr: stderr}
	req, err := c.dispatch()
	if err == nil {
		err = cfg.send(ctx, req, stdout, stderr)
	}
	if err != nil {
		logDaemon(cfg.Dir, args, err)
		return fail(stderr, errnoOf(err))
	}
	return 0
}

// logDaemon appends why a request failed to DIR/ietd.log, as ietd logs to
// syslog: ietadm itself only prints strerror. Bare errnos (ietadm's own
// refusals) say nothing more and are not logged.
func logDaemon(dir string, args []string, err error) {
	if _, bare := err.(syscall.Errno); bare {
		return
	}
	f, ferr := os.OpenFile(filepath.Join(dir, "ietd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if ferr != nil {
		return
	}
	fmt.Fprintf(f, "ietadm %s: %v\n", strings.Join(args, " "), err)
	f.Close()
}

// fail prints strerror and returns the exit status of -errno.
func fail(stderr io.Writer, e syscall.Errno) int {
	fmt.Fprintln(stderr, strerror(e))
	return exitStatus(e)
}

// version is the release an invocation simulates.
func (cfg Config) version() (Version, error) {
	if cfg.Version != "" {
		return ParseVersion(cfg.Version)
	}
	// Reading without the lock is safe: the state is replaced by rename.
	st, err := loadState(cfg.Dir)
	if err != nil {
		return Version{}, err
	}
	return st.version()
}

// send performs req as ietd would: the hook first (outside the lock, so
// that it may run ietadm itself), then, under the lock, the
// connection (refused while ietd is stopped), the injected failure and the
// request; a request that changes the state is saved and /proc re-rendered.
func (cfg Config) send(ctx context.Context, req *request, stdout, stderr io.Writer) error {
	if err := cfg.runHook(ctx, req.name); err != nil {
		return fmt.Errorf("%v: %w", err, syscall.EIO)
	}
	unlock, err := lockDir(cfg.Dir)
	if err != nil {
		return fmt.Errorf("%v: %w", err, syscall.EIO)
	}
	defer unlock()
	st, err := loadState(cfg.Dir)
	if err != nil {
		return fmt.Errorf("%v: %w", err, syscall.EIO)
	}
	if cfg.Version != "" {
		st.Version = cfg.Version
	}
	v, err := st.version()
	if err != nil {
		return fmt.Errorf("%v: %w", err, syscall.EIO)
	}
	if st.Stopped {
		return syscall.ECONNREFUSED
	}
	if err := cfg.injectedFailure(req.name); err != nil {
		return err
	}
	var out strings.Builder
	if err := req.do(st, v, &out, stderr); err != nil {
		return err // errnoOf makes anything without an errno EIO
	}
	if req.mutates {
		if err := saveState(cfg.Dir, cfg.Root, st); err != nil {
			return fmt.Errorf("%v: %w", err, syscall.EIO)
		}
	}
	_, err = io.WriteString(stdout, out.String())
	return err
}
