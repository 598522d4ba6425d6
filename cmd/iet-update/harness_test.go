package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ietkit/ietkit/internal/ietsim"
	"github.com/ietkit/ietkit/internal/testenv"
)

// harness runs iet-update in process against a simulated ietd under a
// temporary --root.
type harness struct {
	t      *testing.T
	dir    string // holds LUN files and the config
	root   string
	conf   string
	sim    *ietsim.Sim
	ietadm string
	chain  string
	ns     *testenv.NetNS // when set, runs happen inside it (iptables)
}

func newHarness(t *testing.T, version string) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), root: t.TempDir(), ietadm: ietsim.BuildFakeIetadm(t)}
	h.conf = filepath.Join(h.dir, "target.conf")
	h.chain = testenv.RandomName("IETK-")
	sim, err := ietsim.Open(filepath.Join(t.TempDir(), "sim"), h.root, version)
	if err != nil {
		t.Fatal(err)
	}
	h.sim = sim
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return h
}

// withNetNS makes runs happen in a fresh network namespace, so that the
// blocks of a resize go to a firewall of the test's own.
func (h *harness) withNetNS() *harness {
	testenv.RequireRoot(h.t)
	testenv.RequireTool(h.t, "iptables", "ip6tables")
	h.ns = testenv.NewNetNS(h.t)
	return h
}

// lun creates a backing file of size bytes and returns its path.
func (h *harness) lun(name string, size int64) string {
	h.t.Helper()
	p := filepath.Join(h.dir, name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		h.t.Fatal(err)
	}
	f.Close()
	return p
}

// config writes the config, with @DIR@ standing for the LUN directory.
func (h *harness) config(text string) {
	h.t.Helper()
	if err := os.WriteFile(h.conf, []byte(strings.ReplaceAll(text, "@DIR@", h.dir)), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

type runResult struct {
	code           int
	stdout, stderr string
}

func (r runResult) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr
}

// globalArgs are the flags that point iet-update at the harness.
func (h *harness) globalArgs() []string {
	return []string{"iet-update", "--backend", "iet", "--config", h.conf, "--root", h.root, "--ietadm", h.ietadm, "--block-chain", h.chain, "--log-level", "warn"}
}

func (h *harness) run(args ...string) runResult {
	h.t.Helper()
	return h.runCtx(context.Background(), args...)
}

func (h *harness) runCtx(ctx context.Context, args ...string) runResult {
	h.t.Helper()
	var out, errOut bytes.Buffer
	var code int
	call := func() error {
		code = run(ctx, append(h.globalArgs(), args...), &out, &errOut)
		return nil
	}
	if h.ns != nil {
		if err := h.ns.Do(call); err != nil {
			h.t.Fatal(err)
		}
	} else {
		call()
	}
	return runResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

func (h *harness) mustRun(args ...string) runResult {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("iet-update %s: %s", strings.Join(args, " "), r)
	}
	return r
}

func (h *harness) calls() []ietsim.Call {
	h.t.Helper()
	c, err := ietsim.ReadCalls(h.sim.Dir())
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) path(rel string) string { return filepath.Join(h.root, rel) }
