package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ietkit/ietkit/internal/testenv"
	"github.com/ietkit/ietkit/pkg/fence"
	"golang.org/x/crypto/ssh"
)

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr
}

// stonithProxy runs the command in process, as argv0, with env as its
// whole environment and stdin as its input.
func stonithProxy(ctx context.Context, argv0 string, env map[string]string, stdin string, args ...string) result {
	var out, errOut bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := run(ctx, append([]string{argv0}, args...), strings.NewReader(stdin), &out, &errOut, lookup)
	return result{code, out.String(), errOut.String()}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds stonith-proxy once per test run: sshd runs it as the
// forced command.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stonith-proxy-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "stonith-proxy")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// proxyEnv is a proxy host on loopback: a real sshd whose authorized_keys
// runs "stonith-proxy serve" for the caller's key, and two real snmpd
// standing in for the two APC PDUs that feed node1 (outlet 3 on each).
type proxyEnv struct {
	dir        string
	bin        string
	sshd       *testenv.Sshd
	pduA, pduB *testenv.Snmpd
	conf       string // the proxy's config
	audit      string // its audit log
	key        string // node2's private key
	keyFP      string
	token      string
	tokenFile  string
	otherToken string // caller node9's
}

type proxyOptions struct {
	// settings are extra global lines for the config.
	settings string
	// byKey leaves --caller out of the forced command: the proxy finds
	// the caller by the session's key (ExposeAuthInfo).
	byKey bool
}

func newProxyEnv(t testing.TB, o proxyOptions) *proxyEnv {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "sshd", "ssh-keygen", "snmpd")
	e := &proxyEnv{dir: t.TempDir(), bin: binary(t)}
	e.pduA = testenv.StartSnmpd(t, testenv.SnmpdOptions{})
	e.pduB = testenv.StartSnmpd(t, testenv.SnmpdOptions{})
	e.sshd = testenv.StartSshd(t)

	e.key = filepath.Join(e.dir, "node2_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@node2", "-f", e.key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pubLine, err := os.ReadFile(e.key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(pubLine)
	if err != nil {
		t.Fatal(err)
	}
	e.keyFP = ssh.FingerprintSHA256(pub)

	if e.token, err = fence.NewToken(); err != nil {
		t.Fatal(err)
	}
	if e.otherToken, err = fence.NewToken(); err != nil {
		t.Fatal(err)
	}
	e.tokenFile = filepath.Join(e.dir, "node2.token")
	if err := os.WriteFile(e.tokenFile, []byte(e.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hash, _ := fence.HashToken(e.token, false)
	otherHash, _ := fence.HashToken(e.otherToken, true)
	e.conf = filepath.Join(e.dir, "stonith-proxy.conf")
	e.audit = filepath.Join(e.dir, "audit.log")
	conf := fmt.Sprintf(`# written by the test
confirm-timeout 2s
confirm-interval 50ms
reboot-delay 100ms
snmp-timeout 300ms
snmp-retries 1
state-dir %s
%s
pdu pdu-a address=%s version=2c community=%s
pdu pdu-b address=%s version=3 user=%s auth=%s auth-password=%q priv=%s priv-password=%q table=rpdu
node node1 outlets=pdu-a:3,pdu-b:3
node node3 outlets=pdu-a:5
caller node2 token=%s may-fence=node1 key=%s
caller node9 token=%s may-fence=node3
`, filepath.Join(e.dir, "state"), o.settings,
		e.pduA.Addr, e.pduA.Community,
		e.pduB.Addr, e.pduB.User, testenv.SnmpdAuthProtocol, e.pduB.AuthPassword, testenv.SnmpdPrivProtocol, e.pduB.PrivPassword,
		hash, e.keyFP, otherHash)
	if err := os.WriteFile(e.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	forced := fmt.Sprintf("%s serve --node node1 --config %s --audit-log %s", e.bin, e.conf, e.audit)
	if !o.byKey {
		forced += " --caller node2"
	}
	e.sshd.AddAuthorizedKey(t, fmt.Sprintf(`from="127.0.0.1",restrict,command="%s" %s`, forced, strings.TrimSpace(string(pubLine))))
	return e
}

// proxy is the fence client's --proxy.
func (e *proxyEnv) proxy() string { return fmt.Sprintf("root@%s", e.sshd.Addr) }

// fence runs "stonith-proxy fence" against the proxy.
func (e *proxyEnv) fence(t testing.TB, action string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return stonithProxy(ctx, "stonith-proxy", nil, "", "fence", "--proxy", e.proxy(), "--identity", e.key,
		"--token-file", e.tokenFile, "--known-hosts", e.sshd.KnownHosts, "--node", "node1", "--action", action)
}

// raw sends line to the forced command as it is, over a session of its
// own; shell asks for a login shell instead (no command at all).
func (e *proxyEnv) raw(t testing.TB, line string, shell bool) result {
	t.Helper()
	signer, err := ssh.ParsePrivateKey(mustRead(t, e.key))
	if err != nil {
		t.Fatal(err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.SplitN(e.sshd.HostKeyLine, " ", 2)[1]))
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", e.sshd.Addr.String(), &ssh.ClientConfig{
		User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh: %v", err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	if shell {
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		err = sess.Wait()
	} else {
		err = sess.Run(line)
	}
	code := 0
	if ee, ok := err.(*ssh.ExitError); ok {
		code = ee.ExitStatus()
	} else if err != nil {
		t.Fatalf("ssh session: %v", err)
	}
	return result{code, out.String(), errOut.String()}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// auditLines returns the audit log's lines.
func (e *proxyEnv) auditLines(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(e.audit)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

// sets counts the SNMP sets both PDUs took.
func (e *proxyEnv) sets(t testing.TB) int {
	return len(e.pduA.Sets(t)) + len(e.pduB.Sets(t))
}
