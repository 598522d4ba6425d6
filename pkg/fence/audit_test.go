package fence

import (
	"bytes"
	"fmt"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// syslogSocket listens on a datagram socket of the test's own, as
// /dev/log would, and points OpenAudit's syslog at it.
func syslogSocket(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	old := dialSyslog
	dialSyslog = func() (*syslog.Writer, error) {
		return syslog.Dial("unixgram", path, syslog.LOG_AUTH|syslog.LOG_NOTICE, "stonith-proxy")
	}
	t.Cleanup(func() { dialSyslog = old })
	return c
}

// syslogLine is one datagram as the local syslog daemon receives it:
// <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG (log/syslog's local format).
var syslogLine = regexp.MustCompile(`^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d stonith-proxy\[(\d+)\]: (.*?)\n?$`)

func TestAuditToSyslog(t *testing.T) {
	sock := syslogSocket(t)
	a, err := OpenAudit("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	outlets := []OutletRef{{PDU: "pdu-a", Outlet: 3}}
	tests := []struct {
		rec AuditRecord
		// pri is facility auth (4) × 8 + the severity.
		pri  string
		want string
	}{
		{AuditRecord{Caller: "node2", From: "198.51.100.2 40022", Node: "node1", Action: "off", Outlets: outlets, Result: "ok", Duration: 120 * time.Millisecond},
			"37", `caller=node2 from="198.51.100.2 40022" node=node1 action=off outlets=pdu-a:3 result=ok duration=120ms`},
		{AuditRecord{Caller: "node2", Node: "node2", Action: "off", Result: "refused", Reason: "a node may not fence itself"},
			"36", `caller=node2 node=node2 action=off result=refused reason="a node may not fence itself"`},
		{AuditRecord{Node: "node1", Action: "reboot", Outlets: outlets, Result: "failed", Reason: "pdu-a: no answer"},
			"35", `caller=unknown node=node1 action=reboot outlets=pdu-a:3 result=failed reason="pdu-a: no answer"`},
	}
	buf := make([]byte, 4096)
	for _, tc := range tests {
		a.Record(tc.rec)
		sock.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := sock.Read(buf)
		if err != nil {
			t.Fatalf("no datagram for %s: %v", tc.rec.Result, err)
		}
		m := syslogLine.FindStringSubmatch(string(buf[:n]))
		if m == nil {
			t.Fatalf("datagram %q is not a syslog line", buf[:n])
		}
		got := []string{m[1], m[2], m[3]}
		want := []string{tc.pri, fmt.Sprint(os.Getpid()), tc.want}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s record (-want +got):\n%s", tc.rec.Result, diff)
		}
	}
}

// TestAuditSyslogGone: a record syslog cannot take goes to the fallback,
// with the reason, instead of being lost.
func TestAuditSyslogGone(t *testing.T) {
	sock := syslogSocket(t)
	var fallback bytes.Buffer
	a, err := OpenAudit("", &fallback)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	path := sock.LocalAddr().String()
	sock.Close()
	os.Remove(path)
	a.Record(AuditRecord{Caller: "node2", Node: "node1", Action: "off", Result: "ok"})
	got := fallback.String()
	if !strings.HasPrefix(got, "stonith-proxy: audit: ") || !strings.Contains(got, "caller=node2 node=node1 action=off result=ok") {
		t.Errorf("fallback got %q", got)
	}
}

func TestAuditNoSyslog(t *testing.T) {
	old := dialSyslog
	dialSyslog = func() (*syslog.Writer, error) {
		return syslog.Dial("unixgram", filepath.Join(t.TempDir(), "missing"), syslog.LOG_AUTH, "stonith-proxy")
	}
	defer func() { dialSyslog = old }()
	_, err := OpenAudit("", nil)
	if err == nil || !strings.Contains(err.Error(), "--audit-log") {
		t.Errorf("no syslog daemon: %v", err)
	}
}
