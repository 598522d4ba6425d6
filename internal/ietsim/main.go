package ietsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// Environment variables of the fake ietadm.
const (
	EnvDir     = "IETSIM_DIR"     // state directory, required
	EnvRoot    = "IETSIM_ROOT"    // root holding proc/net/iet, required
	EnvVersion = "IETSIM_VERSION" // IET release, optional
	EnvFail    = "IETSIM_FAIL"    // see ParseFailSpecs
)

// ControlFlag, as first argument, turns fake-ietadm into a control tool
// for test hooks, which cannot call Go: "--ietsim add-session TID SID
// INITIATOR [CID@IP ...]", "--ietsim remove-session TID SID",
// "--ietsim stop", "--ietsim start". Real ietadm rejects the flag, so
// ietkit never passes it by accident.
const ControlFlag = "--ietsim"

// ConfigFromEnv reads the fake ietadm's configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{Dir: getenv(EnvDir), Root: getenv(EnvRoot), Version: getenv(EnvVersion)}
	var errs []error
	if cfg.Dir == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvDir))
	}
	if cfg.Root == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvRoot))
	}
	if cfg.Version != "" {
		if _, err := ParseVersion(cfg.Version); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvVersion, err))
		}
	}
	specs, err := ParseFailSpecs(getenv(EnvFail))
	if err != nil {
		errs = append(errs, err)
	}
	cfg.Fail = specs
	if getenv(hookMarker) == "" {
		for _, op := range OpNames() {
			if p := getenv(HookEnvName(op)); p != "" {
				if cfg.Hooks == nil {
					cfg.Hooks = map[string]string{}
				}
				cfg.Hooks[op] = p
			}
		}
	}
	return cfg, errors.Join(errs...)
}

// Main is the fake-ietadm command: args without argv[0], configuration from
// getenv. It returns the exit status.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "fake-ietadm: %v\n", err)
		if cfg.Dir != "" && (len(args) == 0 || args[0] != ControlFlag) {
			appendCall(cfg.Dir, args, 255)
		}
		return 255
	}
	if len(args) > 0 && args[0] == ControlFlag {
		if err := control(cfg, args[1:]); err != nil {
			fmt.Fprintf(stderr, "fake-ietadm %s: %v\n", ControlFlag, err)
			return 1
		}
		return 0
	}
	return Exec(ctx, cfg, args, stdout, stderr)
}

// control runs a ControlFlag command; it is not logged in calls.log.
func control(cfg Config, args []string) error {
	if len(args) == 0 {
		return errors.New("want add-session, remove-session, stop or start")
	}
	sim, err := Open(cfg.Dir, cfg.Root, cfg.Version)
	if err != nil {
		return err
	}
	switch cmd, args := args[0], args[1:]; {
	case cmd == "add-session" && len(args) >= 3:
		tid, sid, err := parseIDs(args[0], args[1])
		if err != nil {
			return err
		}
		var conns []Conn
		for _, a := range args[3:] {
			c, err := parseConn(a)
			if err != nil {
				return err
			}
			conns = append(conns, c)
		}
		return sim.AddSession(tid, sid, args[2], conns...)
	case cmd == "remove-session" && len(args) == 2:
		tid, sid, err := parseIDs(args[0], args[1])
		if err != nil {
			return err
		}
		return sim.RemoveSession(tid, sid)
	case cmd == "stop" && len(args) == 0:
		return sim.SetRunning(false)
	case cmd == "start" && len(args) == 0:
		return sim.SetRunning(true)
	}
	return fmt.Errorf("bad command %q", strings.Join(args, " "))
}

func parseIDs(tid, sid string) (uint32, uint64, error) {
	t, err := strconv.ParseUint(tid, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("bad tid: %w", err)
	}
	s, err := strconv.ParseUint(sid, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("bad sid: %w", err)
	}
	return uint32(t), s, nil
}

// parseConn parses "CID@IP".
func parseConn(s string) (Conn, error) {
	cid, ip, ok := strings.Cut(s, "@")
	if !ok {
		return Conn{}, fmt.Errorf("bad connection %q: want CID@IP", s)
	}
	n, err := strconv.ParseUint(cid, 10, 32)
	if err != nil {
		return Conn{}, fmt.Errorf("bad connection %q: %w", s, err)
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return Conn{}, fmt.Errorf("bad connection %q: %w", s, err)
	}
	return Conn{CID: uint32(n), IP: a}, nil
}
