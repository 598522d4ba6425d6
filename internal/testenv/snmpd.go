package testenv

import (
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

	"github.com/gosnmp/gosnmp"

	"github.com/ietkit/ietkit/internal/pdusim"
)

// snmpdPath is Debian's net-snmp agent (package snmpd).
const snmpdPath = "/usr/sbin/snmpd"

// pdusimPackage is the pass_persist handler StartSnmpd builds.
const pdusimPackage = "github.com/ietkit/ietkit/internal/pdusim/cmd/pdusim"

// APCSysObjectID is the sysObjectID a Snmpd reports by default: an APC
// Switched Rack PDU (AP7900).
const APCSysObjectID = ".1.3.6.1.4.1.318.1.3.4.5"

// The SNMPv3 protocols of a Snmpd's user; net-snmp's names, which
// pkg/fence takes too.
const (
	SnmpdAuthProtocol = "SHA"
	SnmpdPrivProtocol = "AES"
)

// SnmpdOptions configure StartSnmpd; a zero field takes its default.
type SnmpdOptions struct {
	// Community may read and write over SNMP v1 and v2c ("private").
	Community string
	// User may read and write over SNMPv3 with authPriv, authenticated
	// with SHA and AuthPassword, encrypted with AES and PrivPassword
	// ("fence", "fence-auth-pass", "fence-priv-pass"). Passwords need 8
	// characters at least.
	User, AuthPassword, PrivPassword string
	// Outlets is the number of outlets of the PDU (8), all on at first.
	Outlets int
	// SysObjectID is what sysObjectID.0 reports (APCSysObjectID).
	SysObjectID string
}

func (o *SnmpdOptions) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Community, "private")
	def(&o.User, "fence")
	def(&o.AuthPassword, "fence-auth-pass")
	def(&o.PrivPassword, "fence-priv-pass")
	def(&o.SysObjectID, APCSysObjectID)
	if o.Outlets == 0 {
		o.Outlets = 8
	}
}

// check refuses what the config file cannot carry.
func (o *SnmpdOptions) check() error {
	for _, w := range []struct{ name, v string }{
		{"community", o.Community}, {"user", o.User},
		{"auth password", o.AuthPassword}, {"priv password", o.PrivPassword},
		{"sysObjectID", o.SysObjectID},
	} {
		if strings.ContainsAny(w.v, " \t\r\n\"\\#") {
			return fmt.Errorf("snmpd %s %q: no blanks, quotes, backslashes or #", w.name, w.v)
		}
	}
	if len(o.AuthPassword) < 8 || len(o.PrivPassword) < 8 {
		return errors.New("snmpd v3 passwords need 8 characters at least")
	}
	if o.Outlets < 1 {
		return fmt.Errorf("snmpd with %d outlets", o.Outlets)
	}
	return nil
}

// Snmpd is a real net-snmp agent of one test standing in for an APC PDU:
// on 127.0.0.1 and a free UDP port, its outlets answered by pdusim from
// a state file the test can read and change (see package pdusim).
type Snmpd struct {
	Addr netip.AddrPort
	// Credentials, as configured (see SnmpdOptions).
	Community, User, AuthPassword, PrivPassword string
	SysObjectID                                 string
	Dir                                         string
	// StatePath is pdusim's state file; its sets log is beside it.
	StatePath string

	store *pdusim.Store
	cmd   *exec.Cmd
	done  chan struct{} // closed when snmpd has been waited for
	mu    sync.Mutex    // serializes Stop
}

// StartSnmpd starts snmpd in the foreground for t, with a configuration
// of its own only (no file of /etc/snmp is read) and a persistent
// directory of its own, and stops it when t ends; its log is shown if t
// failed. It returns once snmpd answers, through pdusim too. It skips t
// without snmpd or go (to build pdusim).
func StartSnmpd(t testing.TB, opts SnmpdOptions) *Snmpd {
	t.Helper()
	if _, err := os.Stat(snmpdPath); err != nil {
		Skip(t, "test requires %s (Debian package snmpd): %v", snmpdPath, err)
	}
	opts.setDefaults()
	if err := opts.check(); err != nil {
		t.Fatal(err)
	}
	bin := buildPdusim(t)
	dir := t.TempDir()
	store := &pdusim.Store{Path: filepath.Join(dir, "pdu.json")}
	if err := store.Write(pdusim.NewState(opts.Outlets)); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freeUDPPort()
		if err != nil {
			t.Fatalf("snmpd: %v", err)
		}
		d := &Snmpd{
			Addr:         netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)),
			Community:    opts.Community,
			User:         opts.User,
			AuthPassword: opts.AuthPassword,
			PrivPassword: opts.PrivPassword,
			SysObjectID:  opts.SysObjectID,
			Dir:          dir,
			StatePath:    store.Path,
			store:        store,
			done:         make(chan struct{}),
		}
		if lastErr = d.start(bin, opts.Outlets); lastErr == nil {
			t.Cleanup(func() {
				d.Stop()
				if t.Failed() {
					t.Logf("snmpd log:\n%s", d.Log())
				}
			})
			return d
		}
		// Another process may have taken the port meanwhile.
		os.Remove(d.logPath())
	}
	t.Fatalf("start snmpd: %v", lastErr)
	return nil
}

func (d *Snmpd) configPath() string  { return filepath.Join(d.Dir, "snmpd.conf") }
func (d *Snmpd) pidPath() string     { return filepath.Join(d.Dir, "snmpd.pid") }
func (d *Snmpd) logPath() string     { return filepath.Join(d.Dir, "snmpd.log") }
func (d *Snmpd) persistPath() string { return filepath.Join(d.Dir, "persist") }

func (d *Snmpd) start(pdusimBin string, outlets int) error {
	// snmpd splits the pass_persist command line at blanks, quotes or no.
	for _, p := range []string{pdusimBin, d.StatePath, d.Dir} {
		if strings.ContainsAny(p, " \t\n\"'#") {
			return fmt.Errorf("path %q: snmpd.conf cannot carry blanks, quotes or #", p)
		}
	}
	config := fmt.Sprintf(`# written by internal/testenv for one test
[snmp] persistentDir %s
agentAddress udp:%s
rwcommunity %s 127.0.0.1
createUser %s %s "%s" %s "%s"
rwuser %s priv
sysObjectID %s
sysDescr ietkit test snmpd standing in for an APC PDU
pass_persist %s %s --state %s
`, d.persistPath(), d.Addr, d.Community,
		d.User, SnmpdAuthProtocol, d.AuthPassword, SnmpdPrivProtocol, d.PrivPassword, d.User,
		d.SysObjectID, pdusim.Enterprise, pdusimBin, d.StatePath)
	if err := os.WriteFile(d.configPath(), []byte(config), 0o600); err != nil {
		return err
	}
	if err := os.MkdirAll(d.persistPath(), 0o700); err != nil {
		return err
	}
	os.Remove(d.pidPath())
	logf, err := os.OpenFile(d.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	// -C: our configuration only; -m "": load no MIB files (only numeric
	// OIDs are used, and the missing ones would fill the log);
	// -I -smux: no SMUX listener, on TCP port 199 of every snmpd;
	// -Ducd-snmp/pass_persist: every exchange with pdusim in the log.
	d.cmd = exec.Command(snmpdPath, "-f", "-C", "-c", d.configPath(), "-p", d.pidPath(),
		"-Lf", d.logPath(), "-m", "", "-I", "-smux", "-Ducd-snmp/pass_persist")
	d.cmd.Env = append(os.Environ(),
		"SNMP_PERSISTENT_DIR="+d.persistPath(),
		"SNMPCONFPATH="+d.Dir,
		"MIBS=",
	)
	// pdusim's stderr is snmpd's: both end up in the log.
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		return err
	}
	go func() { d.cmd.Wait(); close(d.done) }()

	return awaitDaemon("snmpd", d.Addr.String(), d.done, func() error { return d.ready(outlets) }, d.Stop, d.Log)
}

// ready checks that our snmpd answers on Addr: sysObjectID.0 as
// configured (not some other agent's), and the number of outlets from
// pdusim.
func (d *Snmpd) ready(outlets int) error {
	c := &gosnmp.GoSNMP{
		Target:    d.Addr.Addr().String(),
		Port:      d.Addr.Port(),
		Community: d.Community,
		Version:   gosnmp.Version2c,
		Timeout:   200 * time.Millisecond,
		Retries:   0,
	}
	if err := c.Connect(); err != nil {
		return err
	}
	defer c.Close()
	const sysObjectID = ".1.3.6.1.2.1.1.2.0"
	res, err := c.Get([]string{sysObjectID, pdusim.OIDNumOutlets})
	if err != nil {
		return err
	}
	if res.Error != gosnmp.NoError || len(res.Variables) != 2 {
		return fmt.Errorf("GET: error status %v, %d variables", res.Error, len(res.Variables))
	}
	if v, _ := res.Variables[0].Value.(string); v != d.SysObjectID {
		return fmt.Errorf("sysObjectID.0 is %v (%v), want %s", res.Variables[0].Value, res.Variables[0].Type, d.SysObjectID)
	}
	if v, _ := res.Variables[1].Value.(int); v != outlets {
		return fmt.Errorf("rPDUIdentDeviceNumOutlets.0 is %v (%v), want %d", res.Variables[1].Value, res.Variables[1].Type, outlets)
	}
	return nil
}

// Log returns what snmpd (and pdusim) logged so far.
func (d *Snmpd) Log() string {
	b, err := os.ReadFile(d.logPath())
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// Outlet returns the state of outlet n (1-based): "on" or "off".
func (d *Snmpd) Outlet(t testing.TB, n int) string {
	t.Helper()
	st, err := d.store.Load()
	if err != nil {
		t.Fatalf("snmpd outlet %d: %v", n, err)
	}
	o, err := st.Outlet(n)
	if err != nil {
		t.Fatalf("snmpd: %v", err)
	}
	return o.State
}

// SetOutlet switches outlet n on or off behind SNMP's back, as someone
// at the PDU's front panel would.
func (d *Snmpd) SetOutlet(t testing.TB, n int, on bool) {
	t.Helper()
	d.update(t, n, func(o *pdusim.Outlet) {
		o.State = pdusim.Off
		if on {
			o.State = pdusim.On
		}
	})
}

// SetStuck makes outlet n accept SETs but keep its state (or heals it).
func (d *Snmpd) SetStuck(t testing.TB, n int, stuck bool) {
	t.Helper()
	d.update(t, n, func(o *pdusim.Outlet) { o.Stuck = stuck })
}

func (d *Snmpd) update(t testing.TB, n int, fn func(*pdusim.Outlet)) {
	t.Helper()
	err := d.store.Update(func(st *pdusim.State) error {
		o, err := st.Outlet(n)
		if err != nil {
			return err
		}
		fn(o)
		return nil
	})
	if err != nil {
		t.Fatalf("snmpd outlet %d: %v", n, err)
	}
}

// Sets returns every SET the PDU accepted, oldest first.
func (d *Snmpd) Sets(t testing.TB) []pdusim.SetRecord {
	t.Helper()
	recs, err := d.store.Sets()
	if err != nil {
		t.Fatalf("snmpd: %v", err)
	}
	return recs
}

// Pause stops snmpd (SIGSTOP): requests go unanswered, as from a PDU
// that hangs or is cut off. Resume undoes it.
func (d *Snmpd) Pause(t testing.TB) {
	t.Helper()
	d.signal(t, syscall.SIGSTOP)
}

// Resume continues a paused snmpd (SIGCONT); it then answers what
// queued up meanwhile.
func (d *Snmpd) Resume(t testing.TB) {
	t.Helper()
	d.signal(t, syscall.SIGCONT)
}

func (d *Snmpd) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	select {
	case <-d.done:
		t.Fatalf("snmpd %v: snmpd has exited", sig)
	default:
	}
	if err := d.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("snmpd %v: %v", sig, err)
	}
}

// Stop ends snmpd: SIGTERM (and SIGCONT, should it be paused), which
// lets it end pdusim too; SIGKILL to its process group if it has not
// exited after a few seconds. Stop may be called more than once.
func (d *Snmpd) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.done:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Process.Signal(syscall.SIGCONT)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
}

// freeUDPPort returns a UDP port of 127.0.0.1 that was free a moment
// ago.
func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// pdusimBuild is the pdusim binary of this test binary, built once.
var pdusimBuild struct {
	sync.Mutex
	path string
}

// pdusimDirPrefix names the directory of a test process's pdusim:
// the prefix and the process id.
const pdusimDirPrefix = "ietkit-pdusim-"

// buildPdusim builds pdusim once per test binary, into a directory of
// the temporary directory named after this process. Any snmpd of any
// test may run it until the process ends, so no test's cleanup may
// remove it: instead each build removes those of processes that are
// gone.
func buildPdusim(t testing.TB) string {
	t.Helper()
	pdusimBuild.Lock()
	defer pdusimBuild.Unlock()
	if pdusimBuild.path != "" {
		return pdusimBuild.path
	}
	RequireTool(t, "go")
	removeStalePdusimDirs()
	dir := filepath.Join(os.TempDir(), pdusimDirPrefix+strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("build pdusim: %v", err)
	}
	bin := filepath.Join(dir, "pdusim")
	if out, err := exec.Command("go", "build", "-o", bin, pdusimPackage).CombinedOutput(); err != nil {
		t.Fatalf("build pdusim: %v\n%s", err, out)
	}
	pdusimBuild.path = bin
	return bin
}

func removeStalePdusimDirs() {
	ents, _ := os.ReadDir(os.TempDir())
	for _, e := range ents {
		pid, err := strconv.Atoi(strings.TrimPrefix(e.Name(), pdusimDirPrefix))
		if !e.IsDir() || !strings.HasPrefix(e.Name(), pdusimDirPrefix) || err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(filepath.Join(os.TempDir(), e.Name()))
		}
	}
}
