package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// sshdPrivsepDir is the privilege separation directory that Debian's
// sshd checks for at start-up.
const sshdPrivsepDir = "/run/sshd"

// Sshd is an OpenSSH server of one test, on 127.0.0.1 and a free port,
// with its own host key, authorized_keys and config under Dir. It lets
// User (root) log in with ClientKey and nothing else.
type Sshd struct {
	Addr netip.AddrPort
	User string
	// HostKeyLine is a known_hosts line for Addr and the server's key.
	HostKeyLine string
	// ClientKey is the path of a private key (mode 0600) that may log in.
	ClientKey string
	// KnownHosts is the path of a known_hosts file holding HostKeyLine.
	KnownHosts string
	Dir        string

	cmd  *exec.Cmd
	done chan struct{} // closed when sshd has been waited for
	mu   sync.Mutex    // serializes Kill and AddAuthorizedKey
}

// StartSshd starts /usr/sbin/sshd -D in the foreground for t and kills it
// (and every connection's process) when t ends. Its log, at VERBOSE, is
// shown if t failed. It skips t without root, sshd or ssh-keygen.
func StartSshd(t testing.TB) *Sshd {
	t.Helper()
	RequireRoot(t)
	RequireTool(t, "sshd", "ssh-keygen")
	bin, err := exec.LookPath("sshd")
	if err == nil {
		// sshd re-executes itself and refuses a relative path.
		bin, err = filepath.Abs(bin)
	}
	if err != nil {
		t.Fatalf("sshd: %v", err)
	}
	// Kill's victims are orphaned when their parents die with them; as a
	// subreaper, this process gets them and reaps them, instead of leaving
	// zombies to an init that may not reap.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Logf("sshd: cannot become a child subreaper: %v", err)
	}
	if err := os.MkdirAll(sshdPrivsepDir, 0o755); err != nil {
		t.Fatalf("sshd privilege separation dir: %v", err)
	}
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "ssh_host_ed25519_key")
	clientKey := filepath.Join(dir, "client_ed25519")
	sshKeygen(t, hostKey, "ietkit-test-host")
	sshKeygen(t, clientKey, "ietkit-test-client")
	clientPub, err := os.ReadFile(clientKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), clientPub, 0o600); err != nil {
		t.Fatal(err)
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	hostFields := strings.Fields(string(hostPub))
	if len(hostFields) < 2 {
		t.Fatalf("sshd host key: bad public key %q", hostPub)
	}

	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freeTCPPort()
		if err != nil {
			t.Fatalf("sshd: %v", err)
		}
		d := &Sshd{
			Addr:       netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
			User:       "root",
			ClientKey:  clientKey,
			KnownHosts: filepath.Join(dir, "known_hosts"),
			Dir:        dir,
			done:       make(chan struct{}),
		}
		d.HostKeyLine = fmt.Sprintf("[%s]:%d %s %s", d.Addr.Addr(), port, hostFields[0], hostFields[1])
		if err := os.WriteFile(d.KnownHosts, []byte(d.HostKeyLine+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if lastErr = d.start(bin, hostKey); lastErr == nil {
			t.Cleanup(func() {
				d.Kill()
				if t.Failed() {
					t.Logf("sshd log:\n%s", d.Log())
				}
			})
			return d
		}
	}
	t.Fatalf("start sshd: %v", lastErr)
	return nil
}

func (d *Sshd) configPath() string { return filepath.Join(d.Dir, "sshd_config") }
func (d *Sshd) pidPath() string    { return filepath.Join(d.Dir, "sshd.pid") }
func (d *Sshd) logPath() string    { return filepath.Join(d.Dir, "sshd.log") }

func (d *Sshd) start(bin, hostKey string) error {
	config := fmt.Sprintf(`# written by internal/testenv for one test
Port %d
ListenAddress %s
HostKey %s
PidFile %s
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
LogLevel VERBOSE
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitUserEnvironment no
ExposeAuthInfo yes
MaxSessions 32
MaxStartups 64
`, d.Addr.Port(), d.Addr.Addr(), hostKey, d.pidPath(), filepath.Join(d.Dir, "authorized_keys"))
	if err := os.WriteFile(d.configPath(), []byte(config), 0o600); err != nil {
		return err
	}
	os.Remove(d.pidPath())
	logf, err := os.OpenFile(d.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	d.cmd = exec.Command(bin, "-D", "-e", "-f", d.configPath())
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		return err
	}
	go func() { d.cmd.Wait(); close(d.done) }()

	ready := func() error {
		if d.ready() {
			return nil
		}
		return errors.New("no pid file or no SSH greeting yet")
	}
	return awaitDaemon("sshd", d.Addr.String(), d.done, ready, d.Kill, d.Log)
}

// ready reports whether our sshd wrote its pid file (it does so once it
// listens) and greets on Addr.
func (d *Sshd) ready() bool {
	pid, err := os.ReadFile(d.pidPath())
	if err != nil || strings.TrimSpace(string(pid)) != strconv.Itoa(d.cmd.Process.Pid) {
		return false
	}
	c, err := net.DialTimeout("tcp", d.Addr.String(), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	banner, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(banner, "SSH-2.0-")
}

// Log returns what sshd logged so far.
func (d *Sshd) Log() string {
	b, err := os.ReadFile(d.logPath())
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// AddAuthorizedKey lets the public key pubLine (an authorized_keys line,
// "ssh-ed25519 AAAA... comment") log in as User too.
func (d *Sshd) AddAuthorizedKey(t testing.TB, pubLine string) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(d.Dir, "authorized_keys"), os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.TrimSpace(pubLine) + "\n"); err != nil {
		t.Fatal(err)
	}
}

// Kill kills sshd and every process it started with SIGKILL at once:
// the connections drop mid-transfer, as when a host dies. Each
// connection's sshd runs in a session of its own, and a command can
// outlive its connection, so the victims are found through /proc: the
// descendants of sshd and any process whose SSH_CONNECTION names Addr.
// They are frozen with SIGSTOP first so that nothing forks past us, and
// reaped afterwards. Kill may be called more than once.
func (d *Sshd) Kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.done:
		return
	default:
	}
	root := d.cmd.Process.Pid
	victims := map[int]bool{root: true}
	syscall.Kill(root, syscall.SIGSTOP)
	for {
		added := false
		for _, p := range processes() {
			if !victims[p.pid] && (victims[p.ppid] || d.startedBy(p.pid)) {
				syscall.Kill(p.pid, syscall.SIGSTOP)
				victims[p.pid] = true
				added = true
			}
		}
		if !added {
			break
		}
	}
	for pid := range victims {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	<-d.done
	delete(victims, root)
	// sshd also orphans processes of its own accord (the unprivileged
	// child of a refused login outlives its monitor); they came to this
	// process, the subreaper. A connection's processes run in a process
	// group other than their pid, which no sshd of StartSshd does.
	me := os.Getpid()
	for _, p := range processes() {
		if p.ppid == me && p.state == 'Z' && p.comm == "sshd" && p.pgrp != p.pid {
			victims[p.pid] = true
		}
	}
	reap(victims)
}

// startedBy reports whether pid's environment says it runs for a
// connection to d.
func (d *Sshd) startedBy(pid int) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	suffix := fmt.Sprintf(" %s %d", d.Addr.Addr(), d.Addr.Port())
	for _, kv := range strings.Split(string(env), "\x00") {
		if v, ok := strings.CutPrefix(kv, "SSH_CONNECTION="); ok && strings.HasSuffix(v, suffix) {
			return true
		}
	}
	return false
}

// reap waits for the killed processes in pids that are, or become as
// their parents die, children of this process (a subreaper), so that
// none is left a zombie. Others are their parents' business. It gives up
// after a few seconds.
func reap(pids map[int]bool) {
	me := os.Getpid()
	deadline := time.Now().Add(5 * time.Second)
	for len(pids) > 0 && time.Now().Before(deadline) {
		procs := map[int]procStat{}
		for _, p := range processes() {
			procs[p.pid] = p
		}
		for pid := range pids {
			p, ok := procs[pid]
			switch {
			case !ok:
				delete(pids, pid) // gone
			case p.ppid == me && p.state == 'Z':
				var ws unix.WaitStatus
				unix.Wait4(pid, &ws, unix.WNOHANG, nil)
				delete(pids, pid)
			case p.state == 'Z' && !pids[p.ppid] && procs[p.ppid].state != 'Z':
				delete(pids, pid) // a living parent will reap it
			}
		}
		if len(pids) > 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// procStat is what /proc/PID/stat says of a process.
type procStat struct {
	pid, ppid, pgrp int
	comm            string
	state           byte
}

// processes lists every process.
func processes() []procStat {
	var out []procStat
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and parens.
		open, closing := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || closing < open {
			continue
		}
		f := strings.Fields(string(stat[closing+1:]))
		if len(f) < 3 || len(f[0]) != 1 {
			continue
		}
		ppid, err1 := strconv.Atoi(f[1])
		pgrp, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, procStat{pid: pid, ppid: ppid, pgrp: pgrp, comm: string(stat[open+1 : closing]), state: f[0][0]})
	}
	return out
}

// sshKeygen writes a new ed25519 key pair without passphrase to path
// and path.pub.
func sshKeygen(t testing.TB, path, comment string) {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen %s: %v: %s", path, err, out)
	}
}

// freeTCPPort returns a port of 127.0.0.1 that was free a moment ago.
func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
