package ietsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// FailSpec makes requests with op name Op fail with Errno, without
// changing the state, the first Count times they are sent (every time when
// Count is 0). Uses are counted in the state directory (fail.json), per
// spec text, so the count holds across processes.
type FailSpec struct {
	Op    string
	Errno syscall.Errno
	Count int
	text  string
}

// ParseFailSpecs parses IETSIM_FAIL: comma-separated items
// "<op>[:<errno>[:<count>]]". The errno is a number or a name (EBUSY) and
// defaults to EIO; the count defaults to 1, "always" meaning every time.
func ParseFailSpecs(s string) ([]FailSpec, error) {
	var specs []FailSpec
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			continue
		}
		parts := strings.Split(item, ":")
		if len(parts) > 3 || !slices.Contains(OpNames(), parts[0]) {
			return nil, fmt.Errorf("parse IETSIM_FAIL item %q: want <op>[:<errno>[:<count>]] with op one of %s",
				item, strings.Join(OpNames(), " "))
		}
		f := FailSpec{Op: parts[0], Errno: syscall.EIO, Count: 1, text: item}
		if len(parts) > 1 {
			if e, ok := errnoNames[strings.ToUpper(parts[1])]; ok {
				f.Errno = e
			} else if n, err := strconv.Atoi(parts[1]); err == nil && n > 0 && n < 256 {
				f.Errno = syscall.Errno(n)
			} else {
				return nil, fmt.Errorf("parse IETSIM_FAIL item %q: bad errno %q", item, parts[1])
			}
		}
		if len(parts) > 2 {
			if parts[2] == "always" {
				f.Count = 0
			} else if n, err := strconv.Atoi(parts[2]); err == nil && n > 0 {
				f.Count = n
			} else {
				return nil, fmt.Errorf("parse IETSIM_FAIL item %q: bad count %q", item, parts[2])
			}
		}
		specs = append(specs, f)
	}
	return specs, nil
}

const failFile = "fail.json"

// injectedFailure returns the error a FailSpec imposes on op, counting the
// use; nil when none applies. The caller holds the state lock.
func (cfg Config) injectedFailure(op string) error {
	if op == "" || !slices.ContainsFunc(cfg.Fail, func(f FailSpec) bool { return f.Op == op }) {
		return nil
	}
	path := filepath.Join(cfg.Dir, failFile)
	used := map[string]int{}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &used); err != nil {
			return fmt.Errorf("read %s: %v: %w", path, err, syscall.EIO)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read injected failures: %v: %w", err, syscall.EIO)
	}
	for _, f := range cfg.Fail {
		if f.Op != op || (f.Count > 0 && used[f.text] >= f.Count) {
			continue
		}
		used[f.text]++
		data, err := json.Marshal(used)
		if err == nil {
			err = writeFileAtomic(path, data)
		}
		if err != nil {
			return fmt.Errorf("record injected failure: %v: %w", err, syscall.EIO)
		}
		return fmt.Errorf("%s item %s, use %d: %w", EnvFail, f.text, used[f.text], f.Errno)
	}
	return nil
}

// HookEnvPrefix starts the names of the hook variables: IETSIM_HOOK_LUN_DELETE
// for op lun-delete.
const HookEnvPrefix = "IETSIM_HOOK_"

// HookEnvName returns the environment variable naming op's hook.
func HookEnvName(op string) string {
	return HookEnvPrefix + strings.ToUpper(strings.ReplaceAll(op, "-", "_"))
}

// hookMarker is set in a hook's environment, so that an ietadm the hook
// runs does not run hooks again.
const hookMarker = "IETSIM_IN_HOOK"

// runHook runs op's hook, if any: no shell, no arguments, the environment
// plus IETSIM_OP and IETSIM_IN_HOOK, output appended to DIR/hooks.log. A
// hook that fails makes the request fail.
func (cfg Config) runHook(ctx context.Context, op string) error {
	path := cfg.Hooks[op]
	if op == "" || path == "" {
		return nil
	}
	logPath := filepath.Join(cfg.Dir, "hooks.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("run %s hook: %w", op, err)
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, path)
	env := cfg.HookEnv
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(slices.Clip(env), "IETSIM_OP="+op, hookMarker+"=1")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("run %s hook %s: %w", op, path, err)
	}
	return nil
}
