package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/testenv"
)

// BenchmarkFenceRoundTrip is issue 5's benchmark: one fence, end to end,
// on loopback: the client's ssh connection, the forced command, SNMP sets
// on two PDUs (a real snmpd each), the read-back until both report off,
// the exit code back at the client. The outlets are switched back on
// between runs, untimed. "original" is the procedure ietkit replaces, in
// the same run: OpenSSH's client sending the token to a forced shell
// script that runs snmpset once per PDU and confirms nothing.
//
//	bench/stonith-roundtrip.sh   # = IETKIT_BENCH_FENCE=1 go test -run '^$' -bench BenchmarkFenceRoundTrip -benchtime 20x ./cmd/stonith-proxy/
func BenchmarkFenceRoundTrip(b *testing.B) {
	if os.Getenv("IETKIT_BENCH_FENCE") == "" {
		b.Skip("set IETKIT_BENCH_FENCE=1 (starts sshd and two snmpd; see bench/stonith-roundtrip.sh)")
	}
	testenv.RequireTool(b, "ssh", "snmpset")
	e := newProxyEnv(b, proxyOptions{})
	ssh := originalProxy(b, e)
	reset := func() {
		e.pduA.SetOutlet(b, 3, true)
		e.pduB.SetOutlet(b, 3, true)
	}
	report := func(b *testing.B, d []time.Duration) {
		slices.Sort(d)
		b.ReportMetric(float64(d[(len(d)-1)/2].Microseconds())/1000, "median-ms")
		b.ReportMetric(float64(d[len(d)-1].Microseconds())/1000, "max-ms")
		b.ReportMetric(0, "ns/op")
	}

	b.Run("ietkit", func(b *testing.B) {
		var d []time.Duration
		for i := 0; i < b.N; i++ {
			reset()
			start := time.Now()
			r := e.fence(b, "off")
			d = append(d, time.Since(start))
			if r.code != 0 {
				b.Fatalf("fence: %s", r)
			}
			if e.pduA.Outlet(b, 3) != "off" || e.pduB.Outlet(b, 3) != "off" {
				b.Fatal("an outlet is still on")
			}
		}
		report(b, d)
	})

	b.Run("original", func(b *testing.B) {
		var d []time.Duration
		for i := 0; i < b.N; i++ {
			reset()
			start := time.Now()
			out, err := exec.Command(ssh[0], ssh[1:]...).CombinedOutput()
			d = append(d, time.Since(start))
			if err != nil {
				b.Fatalf("original: %v\n%s", err, out)
			}
			if e.pduA.Outlet(b, 3) != "off" || e.pduB.Outlet(b, 3) != "off" {
				b.Fatalf("original: an outlet is still on\n%s", out)
			}
		}
		report(b, d)
	})
}

// originalProxy sets up the original's stonith.sh as the forced command
// of a key of its own and returns the ssh command line that fences node1.
func originalProxy(b *testing.B, e *proxyEnv) []string {
	key := filepath.Join(e.dir, "orig_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		b.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	oid := ".1.3.6.1.4.1.318.1.1.12.3.3.1.1.4.3"
	script := filepath.Join(e.dir, "stonith.sh")
	body := fmt.Sprintf(`#!/bin/sh
# The original's stonith.sh, as its documentation summarizes it.
sys=$1
key=$SSH_ORIGINAL_COMMAND
case "$sys" in
node1)
	if [ "$key" = "%s" ]; then
		snmpset -v 2c -c %s %s %s i 2
		snmpset -v 3 -l authPriv -u %s -a %s -A %s -x %s -X %s %s %s i 2
	fi
	;;
esac
`, e.token, e.pduA.Community, e.pduA.Addr, oid,
		e.pduB.User, testenv.SnmpdAuthProtocol, e.pduB.AuthPassword, testenv.SnmpdPrivProtocol, e.pduB.PrivPassword, e.pduB.Addr, oid)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		b.Fatal(err)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		b.Fatal(err)
	}
	e.sshd.AddAuthorizedKey(b, fmt.Sprintf(`from="127.0.0.1",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty,command="%s node1" %s`,
		script, strings.TrimSpace(string(pub))))
	return []string{"ssh", "-i", key, "-p", fmt.Sprint(e.sshd.Addr.Port()), "-o", "UserKnownHostsFile=" + e.sshd.KnownHosts,
		"-o", "BatchMode=yes", "root@" + e.sshd.Addr.Addr().String(), e.token}
}
