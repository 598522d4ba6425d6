package tgt

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ietkit/ietkit/internal/testenv"
	"github.com/ietkit/ietkit/pkg/remote"
)

// live is a tgtd of its own in the server namespace of a test network
// with two hosts, and the backend driving it.
type live struct {
	net *testenv.Network
	d   *testenv.Tgtd
	b   *Backend
	dir string
}

func newLive(t *testing.T) *live {
	t.Helper()
	n := testenv.NewNetwork(t, 2)
	d := testenv.StartTgtd(t, n.Server, netip.AddrPortFrom(n.ServerAddr4, 3260))
	return &live{net: n, d: d, b: &Backend{ControlPort: d.ControlPort, Runner: remote.Local{}}, dir: t.TempDir()}
}

// tgtadm runs tgtadm on the test's tgtd directly, failing the test on
// error.
func (l *live) tgtadm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := l.d.Tgtadm(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// accounts lists the accounts tgtd holds, bound or not.
func (l *live) accounts(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, line := range strings.Split(l.tgtadm(t, "--op", "show", "--mode", "account"), "\n") {
		if strings.HasPrefix(line, "    ") {
			names = append(names, strings.TrimSpace(line))
		}
	}
	return names
}

// login starts libiscsi's iscsi-perf in host h against tgt LUN 1 of
// target iqn (config LUN 0), as initiator, with CHAP credentials cred
// ("user%password" or ""). It keeps a session open and logs in again
// when the session drops, until the returned function (also run at
// cleanup) kills it.
func (l *live) login(t *testing.T, h *testenv.Host, iqn, initiator, cred string) func() {
	t.Helper()
	testenv.RequireTool(t, "iscsi-perf")
	if cred != "" {
		cred += "@"
	}
	url := fmt.Sprintf("iscsi://%s%s/%s/1", cred, l.net.ServerAddr4, iqn)
	log, err := os.Create(filepath.Join(t.TempDir(), "iscsi-perf.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("iscsi-perf", "-i", initiator, "-m", "1", "-x", "1000", "-n", url)
	cmd.Stdout, cmd.Stderr = log, log
	if err := h.NS.Do(cmd.Start); err != nil {
		t.Fatalf("start iscsi-perf: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); log.Close(); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { cmd.Process.Kill(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// readCapacity logs in to target iqn from host h as initiator, with
// CHAP credentials cred ("user%password" or ""), and reads the capacity
// of tgt LUN lun with libiscsi's iscsi-readcapacity16, which logs in to
// that one target only (iscsi-ls would try every target it discovers).
// It returns the size in bytes, or false when the login or read failed.
func (l *live) readCapacity(t *testing.T, h *testenv.Host, iqn, initiator, cred string, lun int) (int64, bool) {
	t.Helper()
	testenv.RequireTool(t, "iscsi-readcapacity16")
	if cred != "" {
		cred += "@"
	}
	url := fmt.Sprintf("iscsi://%s%s/%s/%d", cred, l.net.ServerAddr4, iqn, lun)
	var out []byte
	var runErr error
	err := h.NS.Do(func() error {
		out, runErr = exec.Command("iscsi-readcapacity16", "-i", initiator, url).CombinedOutput()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if runErr != nil {
		shown := string(out)
		if cred != "" {
			url, shown = strings.ReplaceAll(url, cred, "***@"), strings.ReplaceAll(shown, cred, "***@")
		}
		t.Logf("iscsi-readcapacity16 %s: %v: %s", url, runErr, strings.TrimSpace(shown))
		return 0, false
	}
	m := regexp.MustCompile(`RETURNED LOGICAL BLOCK ADDRESS:(\d+)\s+LOGICAL BLOCK LENGTH IN BYTES:(\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("iscsi-readcapacity16: unexpected output %q", out)
	}
	lba, _ := strconv.ParseInt(m[1], 10, 64)
	bs, _ := strconv.ParseInt(m[2], 10, 64)
	return (lba + 1) * bs, true
}

// canLogin tells whether initiator logs in to target iqn (which has LUN
// 0) from host h with CHAP credentials cred.
func (l *live) canLogin(t *testing.T, h *testenv.Host, iqn, initiator, cred string) bool {
	t.Helper()
	_, ok := l.readCapacity(t, h, iqn, initiator, cred, 1)
	return ok
}
