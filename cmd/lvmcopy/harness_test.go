package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr
}

// lvmcopy runs the command in process, named argv0 (for the aliases).
func lvmcopy(t *testing.T, argv0 string, args ...string) result {
	t.Helper()
	return lvmcopyCtx(context.Background(), argv0, args...)
}

func lvmcopyCtx(ctx context.Context, argv0 string, args ...string) result {
	var out, errOut bytes.Buffer
	code := run(ctx, append([]string{argv0, "--log-level", "warn"}, args...), strings.NewReader(""), &out, &errOut)
	if argv0 != "lvmcopy" {
		// Old names take no global flags: run them as installed.
		out.Reset()
		errOut.Reset()
		code = run(ctx, append([]string{argv0}, args...), strings.NewReader(""), &out, &errOut)
	}
	return result{code, out.String(), errOut.String()}
}

func mustCopy(t *testing.T, args ...string) result {
	t.Helper()
	r := lvmcopy(t, "lvmcopy", args...)
	if r.code != 0 {
		t.Fatalf("lvmcopy %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// randomFile writes n pseudo-random bytes (with a zero run) to dir/name.
func randomFile(t *testing.T, dir, name string, n int) (string, string) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	if n > 3<<20 {
		clear(b[1<<20 : 3<<20])
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(b)
	return p, hex.EncodeToString(sum[:])
}

// md5sum runs the md5sum program on path, as an independent check.
func md5sum(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("md5sum", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[0]
}

func gunzipSum(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "gunzip -c "+path+" | md5sum").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[0]
}
