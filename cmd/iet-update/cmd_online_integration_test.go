package main

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/internal/ietsim"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/portblock"
)

const mib = int64(1) << 20

const baseConfig = `prefix iqn.2001-04.com.example:
global IncomingUser disc discoverysecret1
option MaxRecvDataSegmentLength 131072
target alpha 198.51.100.10,198.51.100.64/26
  user incoming alice alicesecret-01
  lun 0 @DIR@/a0
  lun 1 @DIR@/a1 IOMode=wb ScsiId=ALPHA-1
target beta
  lun 0 @DIR@/b0
`

const (
	alpha = "iqn.2001-04.com.example:alpha"
	beta  = "iqn.2001-04.com.example:beta"
)

func (h *harness) simTarget(name string) ietsim.Target {
	h.t.Helper()
	for _, t := range h.sim.Targets() {
		if t.Name == name {
			return t
		}
	}
	h.t.Fatalf("simulated ietd has no target %s: %+v", name, h.sim.Targets())
	return ietsim.Target{}
}

func (h *harness) simLUN(target string, n uint32) ietsim.LUN {
	h.t.Helper()
	for _, l := range h.simTarget(target).LUNs {
		if l.LUN == n {
			return l
		}
	}
	h.t.Fatalf("no lun %d in %s", n, target)
	return ietsim.LUN{}
}

func setupBase(t *testing.T, version string) *harness {
	h := newHarness(t, version)
	h.lun("a0", 64*mib)
	h.lun("a1", 32*mib)
	h.lun("b0", 16*mib)
	h.config(baseConfig)
	return h
}

// TestOnlineFromEmpty: a first run on an empty ietd creates everything,
// writes the three files with their modes, and a second run does nothing.
func TestOnlineFromEmpty(t *testing.T) {
	h := setupBase(t, "1.4.20")
	r := h.mustRun("online")
	for _, want := range []string{"add target " + alpha + " as tid 1", "add target " + beta + " as tid 2", "Done 12 of 12 action(s)."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r)
		}
	}
	if l := h.simLUN(alpha, 1); l.Blocks != uint64(32*mib/512) || l.IOMode != "wb" || l.ScsiID != "ALPHA-1" {
		t.Errorf("lun 1 of alpha: %+v", l)
	}
	for rel, mode := range map[string]os.FileMode{"etc/iet/ietd.conf": 0o600, "etc/iet/initiators.allow": 0o644, "etc/iet/initiators.deny": 0o644, "var/lib/ietkit/state.json": 0o600} {
		st, err := os.Stat(h.path(rel))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", rel, st.Mode().Perm(), mode)
		}
	}
	allow, _ := os.ReadFile(h.path("etc/iet/initiators.allow"))
	if !strings.Contains(string(allow), alpha+" 198.51.100.10, 198.51.100.64/26\n"+beta+" ALL\n") {
		t.Errorf("initiators.allow:\n%s", allow)
	}

	before := len(h.calls())
	r = h.mustRun("online")
	if !strings.Contains(r.stdout, "nothing to change") {
		t.Errorf("second run:\n%s", r)
	}
	for _, c := range h.calls()[before:] {
		if c.Argv[1] != "show" {
			t.Errorf("second run changed ietd: %v", c.Argv)
		}
	}
}

// TestOnlineOldIETUsesRecords: IET 1.4.19 shows no sizes, options or
// users; the records ietkit keeps make the second run a no-op and let it
// see a grown LUN.
func TestOnlineOldIETUsesRecords(t *testing.T) {
	h := setupBase(t, "1.4.19").withNetNS()
	h.mustRun("online")
	r := h.mustRun("plan")
	if !strings.Contains(r.stdout, "nothing to change") {
		t.Fatalf("second plan on 1.4.19:\n%s", r)
	}
	h.lun("b0", 48*mib)
	r = h.mustRun("online")
	if !strings.Contains(r.stdout, "resize lun 0 of "+beta+": 16.0 MiB -> 48.0 MiB") {
		t.Errorf("resize not planned from records:\n%s", r)
	}
	if r := h.mustRun("plan"); !strings.Contains(r.stdout, "nothing to change") {
		t.Errorf("plan after resize:\n%s", r)
	}
}

// TestOnlineResize: a grown LUN is re-added while its initiators are
// blocked; the block is in place when the LUN is deleted and gone after.
func TestOnlineResize(t *testing.T) {
	h := setupBase(t, "1.4.20").withNetNS()
	h.mustRun("online")
	if err := h.sim.AddSession(1, 281474997486080, "iqn.1993-08.org.debian:01:host1",
		ietsim.Conn{CID: 0, IP: netip.MustParseAddr("198.51.100.10")}); err != nil {
		t.Fatal(err)
	}
	// At the moment ietd deletes the LUN, the firewall must drop the
	// initiators: a hook of the simulator lists the chain then.
	snap := filepath.Join(t.TempDir(), "iptables-at-delete")
	hook := filepath.Join(t.TempDir(), "hook")
	os.WriteFile(hook, []byte("#!/bin/sh\niptables -S "+h.chain+" >> "+snap+"\n"), 0o755)
	t.Setenv("IETSIM_HOOK_LUN_DELETE", hook)

	h.lun("a0", 128*mib)
	r := h.mustRun("online")
	for _, want := range []string{
		"resize lun 0 of " + alpha + ": 64.0 MiB -> 128.0 MiB (blocks 198.51.100.10, 198.51.100.64/26, closes 1 session(s))",
		"blackout of " + alpha + " (lun 0):",
		"1 connection(s) closed",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r)
		}
	}
	if got := h.simLUN(alpha, 0).Blocks; got != uint64(128*mib/512) {
		t.Errorf("blocks after resize %d", got)
	}
	if len(h.simTarget(alpha).Sessions) != 0 {
		t.Errorf("session not closed")
	}
	during, _ := os.ReadFile(snap)
	for _, want := range []string{"-A " + h.chain + " -s 198.51.100.10/32 -m comment --comment ietkit -j DROP", "-A " + h.chain + " -s 198.51.100.64/26"} {
		if !strings.Contains(string(during), want) {
			t.Errorf("at LUN delete the chain lacked %q:\n%s", want, during)
		}
	}
	h.assertUnblocked()
	rec, err := ietd.LoadRecords(h.path("var/lib/ietkit/state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.LUNs[ietd.LUNKey(alpha, 0)].Size; got != 128*mib {
		t.Errorf("recorded size %d", got)
	}
}

// assertUnblocked checks that no block is left: empty journal, no DROP rule.
func (h *harness) assertUnblocked() {
	h.t.Helper()
	blocks, err := portblock.ReadJournal(h.path("var/lib/ietkit/portblock.journal"))
	if err != nil || len(blocks) != 0 {
		h.t.Errorf("journal holds %v (%v)", blocks, err)
	}
	var rules string
	h.ns.Do(func() error {
		out, _ := runCmd("iptables", "-S", h.chain)
		rules = out
		return nil
	})
	if strings.Contains(rules, "DROP") {
		h.t.Errorf("a DROP rule is left:\n%s", rules)
	}
}

func TestOnlinePrune(t *testing.T) {
	h := setupBase(t, "1.4.20")
	h.mustRun("online")
	h.config(strings.Replace(baseConfig, "  lun 1 @DIR@/a1 IOMode=wb ScsiId=ALPHA-1\n", "", 1))

	r := h.mustRun("online")
	if !strings.Contains(r.stdout, "lun 1 of "+alpha+" (") || !strings.Contains(r.stdout, "left alone (--prune deletes it)") {
		t.Errorf("without --prune:\n%s", r)
	}
	if err := h.sim.AddSession(1, 7, "iqn.1993-08.org.debian:01:host1", ietsim.Conn{CID: 0, IP: netip.MustParseAddr("198.51.100.10")}); err != nil {
		t.Fatal(err)
	}
	r = h.run("online", "--prune")
	if r.code != 1 || !strings.Contains(r.stdout, "Refused:\n  - delete lun 1 of "+alpha) || !strings.Contains(r.stderr, "1 change(s) refused") {
		t.Errorf("prune with a session:\n%s", r)
	}
	if len(h.simTarget(alpha).LUNs) != 2 {
		t.Error("lun deleted despite the refusal")
	}
	r = h.mustRun("online", "--prune", "--force")
	if len(h.simTarget(alpha).LUNs) != 1 || !strings.Contains(r.stdout, "while 1 session(s) are open (--force)") {
		t.Errorf("prune --force:\n%s\n%+v", r, h.simTarget(alpha))
	}

	// A target left out of the config: deleted with --prune once its
	// sessions are gone.
	h.sim.RemoveSession(1, 7)
	h.config("prefix iqn.2001-04.com.example:\ntarget beta\n  lun 0 @DIR@/b0\n")
	h.mustRun("online", "--prune")
	if ts := h.sim.Targets(); len(ts) != 1 || ts[0].Name != beta {
		t.Errorf("targets after prune: %+v", ts)
	}
}

// TestBadConfigChangesNothing: every malformed config is reported at its
// line, exits 2, and neither writes a file nor calls ietadm.
func TestBadConfigChangesNothing(t *testing.T) {
	tests := []struct{ name, conf, want string }{
		{"unknown statement", "tagret x\n", "target.conf:1: unknown statement \"tagret\""},
		{"host name", "prefix iqn.2001-04.com.example:\ntarget t nas.example.org\n", "target.conf:2: target t: allow list: nas.example.org looks like a host name"},
		{"duplicate lun", "prefix iqn.2001-04.com.example:\ntarget t\nlun 0 @DIR@/a0\nlun 0 @DIR@/a1\n", "target.conf:4: target t: LUN 0 defined twice"},
		{"bad option", "option MaxRecvDataSegmentLength 1048576\n", "target.conf:1: MaxRecvDataSegmentLength 1048576 is out of range"},
		{"quote", "prefix \"iqn.2001-04.com.example:\n", "target.conf:1: column 8: unterminated quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := setupBase(t, "1.4.20")
			h.config(tt.conf)
			for _, cmd := range []string{"online", "offline", "plan"} {
				r := h.run(cmd)
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "nothing was changed") {
					t.Errorf("%s: %s", cmd, r)
				}
			}
			if c := h.calls(); len(c) != 0 {
				t.Errorf("ietadm was called: %+v", c)
			}
			if _, err := os.Stat(h.path("etc")); !os.IsNotExist(err) {
				t.Errorf("files were written under %s", h.path("etc"))
			}
		})
	}
}

func TestMissingDeviceChangesNothing(t *testing.T) {
	h := setupBase(t, "1.4.20")
	os.Remove(filepath.Join(h.dir, "a1"))
	r := h.run("online")
	if r.code != 1 || !strings.Contains(r.stderr, "target.conf:7: lun 1 of alpha: size of "+filepath.Join(h.dir, "a1")+": no such file or directory") {
		t.Errorf("%s", r)
	}
	for _, c := range h.calls() {
		if c.Argv[1] != "show" {
			t.Errorf("ietadm changed something: %v", c.Argv)
		}
	}
	if _, err := os.Stat(h.path("etc")); !os.IsNotExist(err) {
		t.Error("files were written")
	}
}

func TestOfflineWhenIETDStopped(t *testing.T) {
	h := setupBase(t, "1.4.20")
	if err := h.sim.SetRunning(false); err != nil {
		t.Fatal(err)
	}
	r := h.run("online")
	if r.code != 1 || !strings.Contains(r.stderr, "use offline to write the files only") {
		t.Errorf("online with ietd stopped: %s", r)
	}
	r = h.mustRun("offline")
	if !strings.Contains(r.stdout, "(files only)") || !strings.Contains(r.stdout, "Done 3 of 3") {
		t.Errorf("%s", r)
	}
	conf, _ := os.ReadFile(h.path("etc/iet/ietd.conf"))
	if !strings.Contains(string(conf), "\tIncomingUser alice alicesecret-01\n") {
		t.Errorf("ietd.conf:\n%s", conf)
	}
	if len(h.calls()) != 0 {
		t.Error("offline called ietadm")
	}
	// Changed config: the previous file is kept as .bak.
	h.config(strings.Replace(baseConfig, "alicesecret-01", "alicesecret-02", 1))
	r = h.mustRun("offline")
	bak, _ := os.ReadFile(h.path("etc/iet/ietd.conf.bak"))
	if !strings.Contains(string(bak), "alicesecret-01") {
		t.Error("no .bak of the previous ietd.conf")
	}
	if !strings.Contains(r.stdout, "- \tIncomingUser alice ***") || !strings.Contains(r.stdout, "+ \tIncomingUser alice ***") {
		t.Errorf("diff of ietd.conf does not show the changed account line:\n%s", r)
	}
}

func TestPlanJSONAndExitCodes(t *testing.T) {
	h := setupBase(t, "1.4.20")
	r := h.run("plan", "--json", "--detailed-exitcode")
	if r.code != 3 {
		t.Fatalf("%s", r)
	}
	var got struct {
		Changes int              `json:"changes"`
		Actions []map[string]any `json:"actions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range got.Actions {
		kinds = append(kinds, a["action"].(string))
	}
	want := []string{"write-file", "write-file", "write-file", "add-user", "add-target", "set-options", "add-user",
		"add-lun", "add-lun", "add-target", "set-options", "add-lun"}
	if diff := cmp.Diff(want, kinds); diff != "" || got.Changes != len(want) {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	h.mustRun("online")
	if r := h.run("plan", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after online: %s", r)
	}
	for _, args := range [][]string{{"plan", "extra"}, {"plan", "--bogus"}, {"nosuch"}, {}} {
		if r := h.run(args...); r.code != 2 {
			t.Errorf("%v: %s", args, r)
		}
	}
}

// TestSecretsNeverPrinted: no command prints a CHAP secret, whatever the
// output format.
func TestSecretsNeverPrinted(t *testing.T) {
	h := setupBase(t, "1.4.20")
	var all strings.Builder
	for _, args := range [][]string{{"plan"}, {"plan", "--json"}, {"online"}, {"status"}, {"status", "--json"}, {"--log-level", "debug", "plan"}} {
		r := h.run(args...)
		all.WriteString(r.stdout + r.stderr)
	}
	h.config(strings.Replace(baseConfig, "alicesecret-01", "alicesecret-02", 1))
	r := h.run("online")
	all.WriteString(r.stdout + r.stderr)
	for _, s := range []string{"alicesecret", "discoverysecret"} {
		if strings.Contains(all.String(), s) {
			t.Errorf("output shows a secret (%s):\n%s", s, all.String())
		}
	}
	if !strings.Contains(r.stdout, "change secret of incoming user alice of "+alpha) {
		t.Errorf("secret change not planned:\n%s", r)
	}
}

func TestImportLegacyCommand(t *testing.T) {
	h := newHarness(t, "1.4.20")
	dir := filepath.Join("..", "..", "testdata", "legacy")
	r := h.run("import-legacy", "--common", filepath.Join(dir, "common.conf"), "--targets", filepath.Join(dir, "target-fixed.conf"))
	if r.code != 0 || !strings.Contains(r.stdout, "target clustertarget2 10.0.0.7,10.0.0.8\n") {
		t.Errorf("%s", r)
	}
	r = h.run("import-legacy", "--common", filepath.Join(dir, "common.conf"), "--targets", filepath.Join(dir, "target.conf"))
	if r.code != 2 || !strings.Contains(r.stderr, "target.conf:23: /dev/vg_test/lv_test2_0 is already exported") {
		t.Errorf("%s", r)
	}
}
