package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Outputs of libiscsi 1.19's tools against tgtd 1.0.85, captured from a
// host of a test network; the tools print nothing else.
const (
	// iscsi-ls -s, host in the ACL of every target.
	lsOutput = `Target:iqn.2001-04.com.example:empty Portal:198.51.100.1:3260,1
Lun:0    Type:STORAGE_ARRAY_CONTROLLER
Target:iqn.2001-04.com.example:t2 Portal:198.51.100.1:3260,1
Lun:0    Type:STORAGE_ARRAY_CONTROLLER
Target:iqn.2001-04.com.example:t1 Portal:198.51.100.1:3260,1
Lun:0    Type:STORAGE_ARRAY_CONTROLLER
Lun:1    Type:DIRECT_ACCESS (Size:99M)
Lun:2    Type:DIRECT_ACCESS (Size:2G)
Lun:3    Type:DIRECT_ACCESS (Size:1023k)
Lun:4    Type:DIRECT_ACCESS (Size:1024 )
Lun:5    Type:DIRECT_ACCESS (Size:1023G)
`
	// iscsi-ls -s, exit status 10: a target with CHAP, and no or wrong
	// credentials. The error is on stdout.
	lsAuthFailureStdout = `Target:iqn.2001-04.com.example:t1 Portal:198.51.100.1:3260,1
list_luns: iscsi_connect failed. Failed to log in to target. Status: Authentication failure(513)
`
	// iscsi-readcapacity16 of a 100 MiB LUN.
	readCapacityOutput = `RETURNED LOGICAL BLOCK ADDRESS:204799
LOGICAL BLOCK LENGTH IN BYTES:512
P_TYPE:0 PROT_EN:0
P_I_EXPONENT:0 LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT:3
LBPME:0 LBPRZ:0
LOWEST ALIGNED LOGICAL BLOCK ADDRESS:0
Total size:104857600
`
	// Stderr of iscsi-readcapacity16 and iscsi-inq (exit status 10) for a
	// host not in the target's ACL, and for a missing target.
	loginNotFoundStderr = "Login Failed. Failed to log in to target. Status: Target not found(515)\n"
	// The same, for a target with CHAP and a wrong password.
	loginAuthStderr = "Login Failed. Failed to log in to target. Status: Authentication failure(513)\n"
	// iscsi-io, exit status 1, host not in the ACL.
	iscsiIONotFoundStderr = "iscsi-io capacity: log in to iscsi://198.51.100.1:3260/iqn.2001-04.com.example:t1/1: Failed to log in to target. Status: Target not found(515)\n"
	// Failures that are not refused logins.
	lunMissingStderr      = "Login Failed. SENSE KEY:ILLEGAL_REQUEST(5) ASCQ:LOGICAL_UNIT_NOT_SUPPORTED(0x2500)\n"
	connRefusedStderr     = "discoveryconnect_cb: connection failed : iscsi_service: socket error Connection refused(111).\n"
	noReconnectStderr     = "Login Failed. iscsi_service failed with : iscsi_service_reconnect_if_loggedin. Can not reconnect right now.\n"
	iscsiIOSenseLoopError = "iscsi-io loop: read 4096 bytes at lba 160: CHECK CONDITION, SENSE KEY:ILLEGAL_REQUEST(5) ASCQ:LOGICAL_UNIT_NOT_SUPPORTED(0x2500)\n"
)

func TestParseLs(t *testing.T) {
	t1 := LsTarget{IQN: "iqn.2001-04.com.example:t1", Portal: "198.51.100.1:3260,1", LUNs: []LsLUN{
		{LUN: 0, Type: "STORAGE_ARRAY_CONTROLLER"},
		{LUN: 1, Type: "DIRECT_ACCESS", Size: "99M"},
		{LUN: 2, Type: "DIRECT_ACCESS", Size: "2G"},
		{LUN: 3, Type: "DIRECT_ACCESS", Size: "1023k"},
		{LUN: 4, Type: "DIRECT_ACCESS", Size: "1024"},
		{LUN: 5, Type: "DIRECT_ACCESS", Size: "1023G"},
	}}
	ctrl := []LsLUN{{LUN: 0, Type: "STORAGE_ARRAY_CONTROLLER"}}
	tests := []struct {
		name    string
		out     string
		want    []LsTarget
		wantErr bool
	}{
		{"targets", lsOutput, []LsTarget{
			{IQN: "iqn.2001-04.com.example:empty", Portal: "198.51.100.1:3260,1", LUNs: ctrl},
			{IQN: "iqn.2001-04.com.example:t2", Portal: "198.51.100.1:3260,1", LUNs: ctrl},
			t1,
		}, false},
		{"nothing offered", "", nil, false},
		{"ipv6 portal and no media", "Target:iqn.x:cd Portal:[2001:db8:100::1]:3260,1\nLun:1    Type:CDROM (No media loaded)\n",
			[]LsTarget{{IQN: "iqn.x:cd", Portal: "[2001:db8:100::1]:3260,1", LUNs: []LsLUN{{LUN: 1, Type: "CDROM"}}}}, false},
		{"error line", lsAuthFailureStdout, nil, true},
		{"lun first", "Lun:0    Type:DIRECT_ACCESS\n", nil, true},
		{"no portal", "Target:iqn.x:t\n", nil, true},
		{"bad lun", "Target:iqn.x:t Portal:h:3260,1\nLun:x    Type:DIRECT_ACCESS\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLs(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseLs: %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseLs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReadCapacity16(t *testing.T) {
	tests := []struct {
		name                   string
		out                    string
		wantBlocks, wantLength uint64
		wantErr                bool
	}{
		{"100 MiB", readCapacityOutput, 204800, 512, false},
		{"3 blocks, no total", "RETURNED LOGICAL BLOCK ADDRESS:2\nLOGICAL BLOCK LENGTH IN BYTES:4096\n", 3, 4096, false},
		{"size only (-s)", "104857600\n", 0, 0, true},
		{"total disagrees", strings.Replace(readCapacityOutput, "Total size:104857600", "Total size:104857088", 1), 0, 0, true},
		{"not a number", "RETURNED LOGICAL BLOCK ADDRESS:x\nLOGICAL BLOCK LENGTH IN BYTES:512\n", 0, 0, true},
		{"zero block length", "RETURNED LOGICAL BLOCK ADDRESS:1\nLOGICAL BLOCK LENGTH IN BYTES:0\n", 0, 0, true},
		{"lba overflows", "RETURNED LOGICAL BLOCK ADDRESS:18446744073709551615\nLOGICAL BLOCK LENGTH IN BYTES:512\n", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, length, err := parseReadCapacity16(tt.out)
			if (err != nil) != tt.wantErr || blocks != tt.wantBlocks || length != tt.wantLength {
				t.Errorf("parseReadCapacity16 = %d, %d, %v; want %d, %d, error %v", blocks, length, err, tt.wantBlocks, tt.wantLength, tt.wantErr)
			}
		})
	}
}

func TestClassifyLogin(t *testing.T) {
	tests := []struct {
		name       string
		output     string
		wantStatus int // 0: not a refused login
		wantReason string
	}{
		{"acl or missing target", loginNotFoundStderr, LoginStatusTargetNotFound, "Target not found"},
		{"chap", loginAuthStderr, LoginStatusAuthenticationFailure, "Authentication failure"},
		{"iscsi-ls on stdout", lsAuthFailureStdout, LoginStatusAuthenticationFailure, "Authentication failure"},
		{"iscsi-io", iscsiIONotFoundStderr, LoginStatusTargetNotFound, "Target not found"},
		{"mutual chap", "Failed to log in to target. It did not return CHAP_N during SECNEG.", LoginStatusAuthenticationFailure, "It did not return CHAP_N"},
		{"missing lun", lunMissingStderr, 0, ""},
		{"connection refused", connRefusedStderr, 0, ""},
		{"no reconnect", noReconnectStderr, 0, ""},
		{"scsi error", iscsiIOSenseLoopError, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classifyLogin(tt.output)
			if tt.wantStatus == 0 {
				if got != nil {
					t.Errorf("classifyLogin = %+v, want nil", got)
				}
				return
			}
			if got == nil || got.Status != tt.wantStatus || got.Reason != tt.wantReason {
				t.Errorf("classifyLogin = %+v, want status 0x%04x, reason %q", got, tt.wantStatus, tt.wantReason)
			}
		})
	}
}

func TestCommandErrorRedactsAndClassifies(t *testing.T) {
	url := "iscsi://alice%topsecret1@198.51.100.1:3260/iqn.2001-04.com.example:t1/1"
	exitErr := exitError(t, 10)
	err := commandError([]string{"iscsi-inq", "-i", "iqn.x:h0", url}, "", "echo of "+url+"\n"+loginAuthStderr, exitErr)
	if !IsLoginRefused(err) {
		t.Fatalf("IsLoginRefused(%v) = false", err)
	}
	if IsLoginRefused(fmt.Errorf("wrapped: %w", commandError([]string{"iscsi-inq"}, "", lunMissingStderr, exitErr))) {
		t.Error("a missing lun counts as a refused login")
	}
	var le *LoginRefusedError
	var ce *CommandError
	if !errors.As(err, &le) || !errors.As(err, &ce) {
		t.Fatalf("%v is not a LoginRefusedError wrapping a CommandError", err)
	}
	if le.Status != LoginStatusAuthenticationFailure || ce.ExitCode != 10 {
		t.Errorf("status 0x%04x, exit code %d; want 0x0201, 10", le.Status, ce.ExitCode)
	}
	wantArgs := []string{"iscsi-inq", "-i", "iqn.x:h0", "iscsi://alice%xxxxx@198.51.100.1:3260/iqn.2001-04.com.example:t1/1"}
	if diff := cmp.Diff(wantArgs, ce.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if msg := err.Error(); strings.Contains(msg, "topsecret1") || !strings.Contains(msg, "alice%xxxxx@") || !strings.Contains(msg, "Authentication failure") {
		t.Errorf("error message %q", msg)
	}
}

// exitError returns the *exec.ExitError of a command exiting with code.
func exitError(t *testing.T, code int) error {
	t.Helper()
	RequireTool(t, "sh")
	err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", code)).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("sh exit %d: %v", code, err)
	}
	return err
}

func TestURL(t *testing.T) {
	portal := netip.MustParseAddrPort("198.51.100.1:3260")
	if got, want := URL(portal, "", "", "iqn.2001-04.com.example:t1", 1), "iscsi://198.51.100.1:3260/iqn.2001-04.com.example:t1/1"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got, want := URL(portal, "alice", "pw", "", 0), "iscsi://alice%pw@198.51.100.1:3260"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	defer func() {
		r := recover()
		if r == nil || strings.Contains(fmt.Sprint(r), "top@secret") {
			t.Errorf("URL with an unusable password: panic %v", r)
		}
	}()
	URL(portal, "alice", "top@secret", "iqn.x:t", 0)
}

func FuzzParseLs(f *testing.F) {
	for _, s := range []string{lsOutput, lsAuthFailureStdout, "", "Target:a Portal:b\nLun:1 Type:X (Size:1 )"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		targets, err := parseLs(out)
		if err != nil {
			return
		}
		for _, tg := range targets {
			if tg.IQN == "" {
				t.Fatalf("target without an iqn from %q", out)
			}
			for _, l := range tg.LUNs {
				if l.LUN < 0 {
					t.Fatalf("negative lun from %q", out)
				}
			}
		}
	})
}

func FuzzParseReadCapacity16(f *testing.F) {
	f.Add(readCapacityOutput)
	f.Add("RETURNED LOGICAL BLOCK ADDRESS:2\nLOGICAL BLOCK LENGTH IN BYTES:4096\n")
	f.Fuzz(func(t *testing.T, out string) {
		blocks, length, err := parseReadCapacity16(out)
		if err == nil && (blocks == 0 || length == 0) {
			t.Fatalf("parseReadCapacity16(%q) = %d, %d without error", out, blocks, length)
		}
	})
}

// Live tests: one tgtd on a network of two hosts; each test makes its own
// target, with LUN 1 over a sparse file and host 0 alone in its ACL.

const (
	host0IQN = "iqn.2026-11.org.ietkit.test:host0"
	host1IQN = "iqn.2026-11.org.ietkit.test:host1"
	lunSize  = 100 << 20
)

type liveFixture struct {
	net     *Network
	tgtd    *Tgtd
	iscsiIO string
	lastTID atomic.Int32
}

func newLiveFixture(t *testing.T) *liveFixture {
	t.Helper()
	n := NewNetwork(t, 2)
	f := &liveFixture{net: n, tgtd: StartTgtd(t, n.Server, netip.AddrPortFrom(n.ServerAddr4, 3260))}
	f.iscsiIO = BuildIscsiIO(t)
	return f
}

// initiator returns host i's initiator, with iscsi-io, owned by t.
func (f *liveFixture) initiator(t *testing.T, i int) *Initiator {
	t.Helper()
	in := NewInitiator(t, f.net.Hosts[i], []string{host0IQN, host1IQN}[i])
	in.IscsiIO = f.iscsiIO
	return in
}

type liveTarget struct {
	tid  int
	iqn  string
	file string // LUN 1's backing file
}

// newTarget creates a target whose LUN 1 is a sparse file of size bytes,
// open to host 0.
func (f *liveFixture) newTarget(t *testing.T, size int64) liveTarget {
	t.Helper()
	tg := liveTarget{tid: int(f.lastTID.Add(1))}
	tg.iqn = fmt.Sprintf("iqn.2001-04.com.example:%s-%d", strings.ToLower(filepath.Base(t.Name())), tg.tid)
	tg.file = filepath.Join(t.TempDir(), "lun1")
	if err := os.WriteFile(tg.file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(tg.file, size); err != nil {
		t.Fatal(err)
	}
	tid := fmt.Sprint(tg.tid)
	f.tgtadm(t, "--op", "new", "--mode", "target", "--tid", tid, "-T", tg.iqn)
	f.tgtadm(t, "--op", "new", "--mode", "logicalunit", "--tid", tid, "--lun", "1", "-b", tg.file)
	f.tgtadm(t, "--op", "bind", "--mode", "target", "--tid", tid, "-I", f.net.Hosts[0].Addr4.String())
	return tg
}

func (f *liveFixture) tgtadm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := f.tgtd.Tgtadm(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *liveFixture) url(tg liveTarget, lun int) string {
	return URL(f.tgtd.Portal, "", "", tg.iqn, lun)
}

func (f *liveFixture) portalURL() string {
	return URL(f.tgtd.Portal, "", "", "", 0)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestInitiatorLive runs the live tests on one tgtd. The Ls test lists the
// whole portal, so it runs alone, before the others start their targets.
func TestInitiatorLive(t *testing.T) {
	f := newLiveFixture(t)
	t.Run("Ls", func(t *testing.T) { testLs(t, f) })
	for _, tt := range []struct {
		name string
		fn   func(*testing.T, *liveFixture)
	}{
		{"RefusedLogins", testRefusedLogins},
		{"ReadCapacityAndInquiry", testReadCapacityAndInquiry},
		{"WriteRead", testWriteRead},
		{"Loop", testLoop},
		{"LoopOnDeletedLUN", testLoopOnDeletedLUN},
		{"Hold", testHold},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, f)
		})
	}
}

func testLs(t *testing.T, f *liveFixture) {
	tg := f.newTarget(t, lunSize)
	ctx := testContext(t)
	got, err := f.initiator(t, 0).Ls(ctx, f.portalURL())
	if err != nil {
		t.Fatal(err)
	}
	want := []LsTarget{{IQN: tg.iqn, Portal: f.tgtd.Portal.String() + ",1", LUNs: []LsLUN{
		{LUN: 0, Type: "STORAGE_ARRAY_CONTROLLER"},
		{LUN: 1, Type: "DIRECT_ACCESS", Size: "99M"},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Ls from host 0 (-want +got):\n%s", diff)
	}
	// tgtd does not show host 1 a target it may not log in to.
	got, err = f.initiator(t, 1).Ls(ctx, f.portalURL())
	if err != nil || len(got) != 0 {
		t.Errorf("Ls from host 1 = %+v, %v; want nothing", got, err)
	}
}

func testRefusedLogins(t *testing.T, f *liveFixture) {
	tg := f.newTarget(t, lunSize)
	ctx := testContext(t)
	in1 := f.initiator(t, 1)
	_, _, err := in1.ReadCapacity(ctx, f.url(tg, 1))
	var le *LoginRefusedError
	if !errors.As(err, &le) || le.Status != LoginStatusTargetNotFound {
		t.Errorf("ReadCapacity from host 1, not in the ACL: %v; want a login refused as target not found", err)
	}
	t.Logf("host 1, not in the ACL: %v", err)
	if _, err := in1.Read(ctx, f.url(tg, 1), 0, 1); !IsLoginRefused(err) {
		t.Errorf("Read from host 1: %v; want a refused login", err)
	}
	if _, err := in1.StartLoop(ctx, f.url(tg, 1), time.Second); !IsLoginRefused(err) {
		t.Errorf("StartLoop from host 1: %v; want a refused login", err)
	}

	// CHAP: a wrong password is refused, and appears in no error.
	user, password := fmt.Sprintf("user%d", tg.tid), "rightpassword1"
	f.tgtadm(t, "--op", "new", "--mode", "account", "--user", user, "--password", password)
	f.tgtadm(t, "--op", "bind", "--mode", "account", "--tid", fmt.Sprint(tg.tid), "--user", user)
	in0 := f.initiator(t, 0)
	wrong := URL(f.tgtd.Portal, user, "wrongpassword1", tg.iqn, 1)
	for name, call := range map[string]func() error{
		"ReadCapacity": func() error { _, _, err := in0.ReadCapacity(ctx, wrong); return err },
		"Inquiry":      func() error { _, err := in0.Inquiry(ctx, wrong); return err },
		"Write":        func() error { return in0.Write(ctx, wrong, 0, make([]byte, 512)) },
	} {
		err := call()
		if !errors.As(err, &le) || le.Status != LoginStatusAuthenticationFailure {
			t.Errorf("%s with a wrong password: %v; want a login refused as authentication failure", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "wrongpassword1") {
			t.Errorf("%s: error shows the password: %v", name, err)
		}
		t.Logf("%s with a wrong password: %v", name, err)
	}
	if _, _, err := in0.ReadCapacity(ctx, URL(f.tgtd.Portal, user, password, tg.iqn, 1)); err != nil {
		t.Errorf("ReadCapacity with the right password: %v", err)
	}
}

func testReadCapacityAndInquiry(t *testing.T, f *liveFixture) {
	tg := f.newTarget(t, lunSize)
	ctx := testContext(t)
	in := f.initiator(t, 0)
	blocks, bs, err := in.ReadCapacity(ctx, f.url(tg, 1))
	if err != nil || blocks*bs != lunSize || bs != 512 {
		t.Fatalf("ReadCapacity = %d blocks of %d bytes, %v; want %d bytes in 512-byte blocks", blocks, bs, err, lunSize)
	}
	inq, err := in.Inquiry(ctx, f.url(tg, 1))
	if err != nil || !strings.Contains(inq, "Peripheral Device Type:DIRECT_ACCESS") {
		t.Errorf("Inquiry = %q, %v", inq, err)
	}
	if _, _, err := in.ReadCapacity(ctx, f.url(tg, 7)); err == nil || IsLoginRefused(err) {
		t.Errorf("ReadCapacity of a missing lun: %v; want an error that is not a refused login", err)
	}

	// tgtd reads a LU's size when the LU is added.
	const grown = 2 * lunSize
	if err := os.Truncate(tg.file, grown); err != nil {
		t.Fatal(err)
	}
	tid := fmt.Sprint(tg.tid)
	f.tgtadm(t, "--op", "delete", "--mode", "logicalunit", "--tid", tid, "--lun", "1")
	f.tgtadm(t, "--op", "new", "--mode", "logicalunit", "--tid", tid, "--lun", "1", "-b", tg.file)
	blocks, bs, err = in.ReadCapacity(ctx, f.url(tg, 1))
	if err != nil || blocks*bs != grown {
		t.Errorf("ReadCapacity after growing = %d blocks of %d bytes, %v; want %d bytes", blocks, bs, err, grown)
	}
}
