package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFenceThroughProxy(t *testing.T) {
	e := newProxyEnv(t, proxyOptions{})

	r := e.fence(t, "off")
	if r.code != 0 {
		t.Fatalf("fence off: %s", r)
	}
	if a, b := e.pduA.Outlet(t, 3), e.pduB.Outlet(t, 3); a != "off" || b != "off" {
		t.Fatalf("after off: pdu-a:3 %s, pdu-b:3 %s; want both off", a, b)
	}
	if a, b := e.pduA.Outlet(t, 4), e.pduB.Outlet(t, 5); a != "on" || b != "on" {
		t.Errorf("another node's outlet changed: pdu-a:4 %s, pdu-b:5 %s", a, b)
	}
	if !strings.Contains(r.stdout, "node1: off, confirmed on 2 outlets") {
		t.Errorf("fence off output: %s", r)
	}

	r = e.fence(t, "status")
	if r.code != 2 || !strings.Contains(r.stdout, "outlet pdu-a:3: off\noutlet pdu-b:3: off\nnode1: off\n") {
		t.Errorf("status after off: want exit 2 and both outlets off: %s", r)
	}

	if r = e.fence(t, "on"); r.code != 0 {
		t.Fatalf("fence on: %s", r)
	}
	if a, b := e.pduA.Outlet(t, 3), e.pduB.Outlet(t, 3); a != "on" || b != "on" {
		t.Fatalf("after on: pdu-a:3 %s, pdu-b:3 %s; want both on", a, b)
	}
	if r = e.fence(t, "status"); r.code != 0 || !strings.Contains(r.stdout, "node1: on") {
		t.Errorf("status after on: want exit 0: %s", r)
	}

	if r = e.fence(t, "reboot"); r.code != 0 {
		t.Fatalf("fence reboot: %s", r)
	}
	var values []string
	for _, s := range e.pduB.Sets(t) {
		values = append(values, fmt.Sprintf("%s=%d", s.OID, s.Value))
	}
	oid := ".1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.3"
	want := []string{oid + "=2", oid + "=1", oid + "=2", oid + "=1"} // off, on, reboot's off and on
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("pdu-b's sets (-want +got):\n%s", diff)
	}
	if e.pduA.Outlet(t, 3) != "on" {
		t.Error("after reboot, pdu-a:3 is not on")
	}

	lines := e.auditLines(t)
	var actions []string
	for _, l := range lines {
		if strings.Contains(l, e.token) {
			t.Fatalf("the audit log holds the token: %s", l)
		}
		if !strings.Contains(l, "caller=node2 from=127.0.0.1:") || !strings.Contains(l, "node=node1") || !strings.Contains(l, "outlets=pdu-a:3,pdu-b:3") {
			t.Errorf("audit line lacks caller, address, node or outlets: %s", l)
		}
		f := strings.Fields(l)
		for _, kv := range f {
			if strings.HasPrefix(kv, "action=") || strings.HasPrefix(kv, "result=") {
				actions = append(actions, kv)
			}
		}
	}
	wantAudit := []string{"action=off", "result=ok", "action=status", "result=ok", "action=on", "result=ok", "action=status", "result=ok", "action=reboot", "result=ok"}
	if diff := cmp.Diff(wantAudit, actions); diff != "" {
		t.Errorf("audited actions (-want +got):\n%s\n%s", diff, strings.Join(lines, "\n"))
	}
}

func TestFenceCallerFoundByKey(t *testing.T) {
	// The authorized_keys example: "serve --node node1" only; the
	// proxy tells the caller by its key, which sshd exposes.
	e := newProxyEnv(t, proxyOptions{byKey: true})
	if r := e.fence(t, "off"); r.code != 0 {
		t.Fatalf("fence off: %s", r)
	}
	if e.pduA.Outlet(t, 3) != "off" || e.pduB.Outlet(t, 3) != "off" {
		t.Fatal("outlets not off")
	}
	if l := e.auditLines(t); len(l) != 1 || !strings.Contains(l[0], "caller=node2") {
		t.Errorf("audit: %q", l)
	}
}

func TestProxyRefusals(t *testing.T) {
	e := newProxyEnv(t, proxyOptions{settings: "lockout-failures 100"})
	tests := []struct {
		name  string
		line  string
		shell bool
		why   string
	}{
		{name: "wrong token", line: "off " + strings.Repeat("x", 43), why: "wrong token for caller node2"},
		{name: "token of another caller", line: "off " + e.otherToken, why: "wrong token for caller node2"},
		{name: "another node", line: "off node3 " + e.token, why: "the request names node node3, but this key may fence only node1"},
		{name: "chained command", line: "off " + e.token + "; reboot", why: "the second word is not a node name"},
		{name: "command substitution", line: "off $(reboot)", why: "not allowed"},
		{name: "empty command", line: "", why: "empty command"},
		{name: "64 KiB command", line: strings.Repeat("A", 64<<10), why: "65536 bytes, more than the 512 allowed"},
		{name: "interactive login", shell: true, why: "no command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.auditLines(t))
			r := e.raw(t, tt.line, tt.shell)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1: %s", r.code, r)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "refused: ") || !strings.Contains(r.stderr, tt.why) {
				t.Errorf("want one line saying %q: %s", tt.why, r)
			}
			lines := e.auditLines(t)
			if len(lines) != before+1 {
				t.Fatalf("audit has %d new lines, want 1", len(lines)-before)
			}
			last := lines[len(lines)-1]
			if !strings.Contains(last, "result=refused") || !strings.Contains(last, tt.why) || !strings.Contains(last, "caller=node2") {
				t.Errorf("audit line: %s", last)
			}
			if strings.Contains(last, e.token) || strings.Contains(last, e.otherToken) {
				t.Errorf("audit line holds a token: %s", last)
			}
			if n := e.sets(t); n != 0 {
				t.Errorf("%d SNMP sets were sent", n)
			}
		})
	}

	t.Run("config readable by others", func(t *testing.T) {
		if err := os.Chmod(e.conf, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(e.conf, 0o600)
		before := len(e.auditLines(t))
		r := e.fence(t, "off")
		if r.code != 1 || !strings.Contains(r.stderr, "mode 0644") {
			t.Errorf("want exit 1 naming the mode: %s", r)
		}
		lines := e.auditLines(t)
		if len(lines) != before+1 || !strings.Contains(lines[len(lines)-1], "result=failed") || !strings.Contains(lines[len(lines)-1], "mode 0644") {
			t.Errorf("audit: %q", lines[before:])
		}
		if n := e.sets(t); n != 0 {
			t.Errorf("%d SNMP sets were sent", n)
		}
	})

	t.Run("token file readable by others", func(t *testing.T) {
		if err := os.Chmod(e.tokenFile, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(e.tokenFile, 0o600)
		if r := e.fence(t, "off"); r.code != 1 || !strings.Contains(r.stderr, "mode 0644") {
			t.Errorf("want exit 1 naming the mode: %s", r)
		}
	})
}

func TestProxyLockout(t *testing.T) {
	e := newProxyEnv(t, proxyOptions{settings: "lockout-failures 3\nlockout-time 1m"})
	for i := 0; i < 3; i++ {
		if r := e.raw(t, "off "+strings.Repeat("y", 43), false); r.code != 1 {
			t.Fatalf("attempt %d: %s", i, r)
		}
	}
	r := e.fence(t, "off")
	if r.code != 1 || !strings.Contains(r.stderr, "locked out: 3 refused requests from caller:node2") {
		t.Fatalf("the right token after 3 refusals: want a lock-out: %s", r)
	}
	if n := e.sets(t); n != 0 {
		t.Errorf("%d SNMP sets were sent", n)
	}
}

func TestFenceFailures(t *testing.T) {
	e := newProxyEnv(t, proxyOptions{})

	t.Run("PDU does not answer", func(t *testing.T) {
		e.pduB.Pause(t)
		defer e.pduB.Resume(t)
		r := e.fence(t, "off")
		t.Logf("%s", r)
		if r.code != 1 {
			t.Fatalf("want exit 1: %s", r)
		}
		if !strings.Contains(r.stderr, "FAILED: off node1") || !strings.Contains(r.stderr, "pdu-b") || !strings.Contains(r.stderr, "unreachable") {
			t.Errorf("want a message naming pdu-b as unreachable: %s", r)
		}
		if e.pduA.Outlet(t, 3) != "off" {
			t.Error("the PDU that answered was not switched off")
		}
		if l := e.auditLines(t); !strings.Contains(l[len(l)-1], "result=failed") {
			t.Errorf("audit: %s", l[len(l)-1])
		}
	})
	e.pduA.SetOutlet(t, 3, true)

	t.Run("outlet keeps reporting on", func(t *testing.T) {
		e.pduB.SetStuck(t, 3, true)
		defer e.pduB.SetStuck(t, 3, false)
		r := e.fence(t, "off")
		t.Logf("%s", r)
		if r.code != 1 || !strings.Contains(r.stderr, "not confirmed off: pdu-b:3 still on after 2s") {
			t.Fatalf("want exit 1 and pdu-b:3 named: %s", r)
		}
		if len(e.pduB.Sets(t)) == 0 {
			t.Error("pdu-b was never sent the set")
		}
	})

	t.Run("status with a PDU that does not answer", func(t *testing.T) {
		e.pduA.Pause(t)
		defer e.pduA.Resume(t)
		if r := e.fence(t, "status"); r.code != 1 {
			t.Errorf("want exit 1: %s", r)
		}
	})

	t.Run("proxy not listening", func(t *testing.T) {
		r := stonithProxy(context.Background(), "stonith-proxy", nil, "", "fence", "--proxy", "root@127.0.0.1:1", "--identity", e.key,
			"--token-file", e.tokenFile, "--known-hosts", e.sshd.KnownHosts, "--node", "node1", "--connect-timeout", "3s")
		if r.code != 1 || !strings.Contains(r.stderr, "127.0.0.1:1") {
			t.Errorf("want exit 1 naming the proxy: %s", r)
		}
	})
}

func TestFenceAgentThroughProxy(t *testing.T) {
	e := newProxyEnv(t, proxyOptions{})
	stdin := func(action string) string {
		return fmt.Sprintf("action=%s\nnodename=node2\nplug=node1\nproxy=%s\nidentity=%s\ntoken_file=%s\nknown_hosts=%s\nhostlist=node1\n",
			action, e.proxy(), e.key, e.tokenFile, e.sshd.KnownHosts)
	}
	agent := func(action string) result {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return stonithProxy(ctx, "/usr/sbin/fence_ietkit_proxy", nil, stdin(action))
	}
	if r := agent("monitor"); r.code != 0 {
		t.Errorf("monitor: %s", r)
	}
	if r := agent("list"); r.code != 0 || r.stdout != "node1,\n" {
		t.Errorf("list: %s", r)
	}
	if r := agent("status"); r.code != 0 || r.stdout != "Status: ON\n" {
		t.Errorf("status of an on node: %s", r)
	}
	if r := agent("off"); r.code != 0 || !strings.Contains(r.stdout, "Success: Powered OFF") {
		t.Fatalf("off: %s", r)
	}
	if e.pduA.Outlet(t, 3) != "off" || e.pduB.Outlet(t, 3) != "off" {
		t.Fatal("off through the agent left an outlet on")
	}
	if r := agent("status"); r.code != 2 || r.stdout != "Status: OFF\n" {
		t.Errorf("status of an off node: %s", r)
	}
	r := agent("metadata")
	if r.code != 0 {
		t.Fatalf("metadata: %s", r)
	}
	dec := xml.NewDecoder(strings.NewReader(r.stdout))
	dec.Strict = true
	var md struct {
		XMLName xml.Name `xml:"resource-agent"`
		Name    string   `xml:"name,attr"`
	}
	if err := dec.Decode(&md); err != nil || md.Name != "fence_ietkit_proxy" {
		t.Errorf("metadata: %v, name %q", err, md.Name)
	}
	if _, err := exec.LookPath("xmllint"); err == nil {
		cmd := exec.Command("xmllint", "--noout", "-")
		cmd.Stdin = strings.NewReader(r.stdout)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("xmllint: %v\n%s", err, out)
		}
	}
}

func TestHeartbeatPluginWrapper(t *testing.T) {
	e := newProxyEnv(t, proxyOptions{})
	wrapper, err := filepath.Abs("../../etc/ha.d/ietkit-proxy")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(wrapper)
	if err != nil {
		t.Fatal(err)
	}
	// cluster-glue refuses a plugin that group or others can write.
	if fi.Mode().Perm()&0o022 != 0 || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("%s: mode %v; heartbeat wants it executable and not group/other-writable", wrapper, fi.Mode())
	}
	plugin := func(args ...string) result {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// As cluster-glue runs it: through sh, with the configuration in
		// the environment.
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", wrapper+` "$@"`, "sh")
		cmd.Args = append(cmd.Args, args...)
		cmd.Env = []string{
			"PATH=/usr/bin:/bin", "STONITH_PROXY=" + e.bin,
			"hostlist=node1", "proxy=" + e.proxy(), "identity=" + e.key, "token_file=" + e.tokenFile, "known_hosts=" + e.sshd.KnownHosts,
		}
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{code, out.String(), errOut.String()}
	}
	if r := plugin("getconfignames"); r.code != 0 || r.stdout != "hostlist proxy identity token_file known_hosts\n" {
		t.Errorf("getconfignames: %s", r)
	}
	if r := plugin("gethosts"); r.code != 0 || r.stdout != "node1\n" {
		t.Errorf("gethosts: %s", r)
	}
	if r := plugin("status"); r.code != 0 {
		t.Errorf("status: %s", r)
	}
	if r := plugin("reset", "node1"); r.code != 0 {
		t.Fatalf("reset: %s", r)
	}
	if n := len(e.pduA.Sets(t)); n != 2 {
		t.Errorf("reset: pdu-a took %d sets, want 2 (off, on)", n)
	}
	if r := plugin("off", "node1"); r.code != 0 || e.pduB.Outlet(t, 3) != "off" {
		t.Errorf("off: %s", r)
	}
	if r := plugin("off", "node2"); r.code == 0 {
		t.Errorf("off of a host not in hostlist succeeded: %s", r)
	}
}
