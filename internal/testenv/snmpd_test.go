package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/ietkit/ietkit/internal/pdusim"
)

// snmpClient is gosnmp talking to d with version "1", "2c" or "3": the
// oracle that d is usable, independent of pkg/fence.
func snmpClient(t *testing.T, d *Snmpd, version, community string) *gosnmp.GoSNMP {
	t.Helper()
	c := &gosnmp.GoSNMP{
		Target:    d.Addr.Addr().String(),
		Port:      d.Addr.Port(),
		Community: community,
		Timeout:   300 * time.Millisecond,
		Retries:   0,
	}
	switch version {
	case "1":
		c.Version = gosnmp.Version1
	case "2c":
		c.Version = gosnmp.Version2c
	case "3":
		c.Version = gosnmp.Version3
		c.SecurityModel = gosnmp.UserSecurityModel
		c.MsgFlags = gosnmp.AuthPriv
		c.SecurityParameters = &gosnmp.UsmSecurityParameters{
			UserName:                 d.User,
			AuthenticationProtocol:   gosnmp.SHA,
			AuthenticationPassphrase: d.AuthPassword,
			PrivacyProtocol:          gosnmp.AES,
			PrivacyPassphrase:        d.PrivPassword,
		}
	}
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// getInt GETs oid, an integer.
func getInt(c *gosnmp.GoSNMP, oid string) (int, error) {
	res, err := c.Get([]string{oid})
	if err != nil {
		return 0, err
	}
	if res.Error != gosnmp.NoError {
		return 0, errors.New(res.Error.String())
	}
	v, ok := res.Variables[0].Value.(int)
	if !ok {
		return 0, errors.New("not an integer: " + res.Variables[0].Type.String())
	}
	return v, nil
}

func TestSnmpdOutlets(t *testing.T) {
	d := StartSnmpd(t, SnmpdOptions{Outlets: 4})
	if !d.Addr.Addr().IsLoopback() || d.Addr.Port() == 0 {
		t.Errorf("Addr = %s, want 127.0.0.1 and a port", d.Addr)
	}
	status1 := pdusim.OIDStatus + ".1"
	for _, version := range []string{"1", "2c", "3"} {
		c := snmpClient(t, d, version, d.Community)
		if v, err := getInt(c, status1); err != nil || v != 1 {
			t.Errorf("v%s: outlet 1 status = %d, %v; want 1 (on)", version, v, err)
		}
	}
	c := snmpClient(t, d, "2c", d.Community)

	// A change behind SNMP's back shows at the next request.
	d.SetOutlet(t, 1, false)
	if got := d.Outlet(t, 1); got != "off" {
		t.Errorf("Outlet(1) after SetOutlet(off) = %q", got)
	}
	if v, err := getInt(c, status1); err != nil || v != 2 {
		t.Errorf("outlet 1 status after SetOutlet(off) = %d, %v; want 2 (off)", v, err)
	}
	if sets := d.Sets(t); len(sets) != 0 {
		t.Errorf("Sets after reads only = %v, want none", sets)
	}

	// A SET through snmpd reaches the state file and the sets log.
	res, err := c.Set([]gosnmp.SnmpPDU{{Name: pdusim.OIDControl + ".2", Type: gosnmp.Integer, Value: 2}})
	if err != nil || res.Error != gosnmp.NoError {
		t.Fatalf("SET outlet 2 off: %v, %v", err, res)
	}
	if got := d.Outlet(t, 2); got != "off" {
		t.Errorf("Outlet(2) after SET immediateOff = %q, want off", got)
	}
	sets := d.Sets(t)
	if len(sets) != 1 || sets[0].OID != pdusim.OIDControl+".2" || sets[0].Value != 2 {
		t.Errorf("Sets = %+v, want one immediateOff of outlet 2", sets)
	}

	// A stuck outlet takes the SET and stays on.
	d.SetStuck(t, 3, true)
	res, err = c.Set([]gosnmp.SnmpPDU{{Name: pdusim.OIDSPDUCtl + ".3", Type: gosnmp.Integer, Value: 2}})
	if err != nil || res.Error != gosnmp.NoError {
		t.Fatalf("SET outlet 3 off: %v, %v", err, res)
	}
	if got := d.Outlet(t, 3); got != "on" {
		t.Errorf("stuck Outlet(3) after SET off = %q, want on", got)
	}
	if got := len(d.Sets(t)); got != 2 {
		t.Errorf("Sets has %d records, want 2", got)
	}

	// A read-only object refuses a SET with snmpd's error.
	res, err = c.Set([]gosnmp.SnmpPDU{{Name: status1, Type: gosnmp.Integer, Value: 1}})
	if err != nil || res.Error != gosnmp.NotWritable {
		t.Errorf("SET of the status column: %v, %v; want notWritable", err, res.Error)
	}

	// snmpd keeps its persistent files where it was told.
	if _, err := os.Stat(filepath.Join(d.Dir, "persist", "snmpd.conf")); err != nil {
		t.Errorf("no persistent snmpd.conf in the test's directory: %v", err)
	}
}

func TestSnmpdWrongCredentials(t *testing.T) {
	d := StartSnmpd(t, SnmpdOptions{Community: "sEcret-c0mm", User: "u1", AuthPassword: "authpass1", PrivPassword: "privpass1"})
	c := snmpClient(t, d, "2c", "public")
	if _, err := getInt(c, pdusim.OIDStatus+".1"); err == nil {
		t.Errorf("GET with a wrong community succeeded")
	}
	d.AuthPassword = "wrong-password"
	c = snmpClient(t, d, "3", "")
	if _, err := getInt(c, pdusim.OIDStatus+".1"); err == nil {
		t.Errorf("GET with a wrong v3 password succeeded")
	}
}

func TestSnmpdSysObjectID(t *testing.T) {
	const netSnmp = ".1.3.6.1.4.1.8072.3.2.10"
	d := StartSnmpd(t, SnmpdOptions{SysObjectID: netSnmp})
	c := snmpClient(t, d, "2c", d.Community)
	res, err := c.Get([]string{".1.3.6.1.2.1.1.2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Variables[0].Value; got != netSnmp {
		t.Errorf("sysObjectID.0 = %v, want %s", got, netSnmp)
	}
}

func TestSnmpdPauseResumeStop(t *testing.T) {
	d := StartSnmpd(t, SnmpdOptions{})
	c := snmpClient(t, d, "2c", d.Community)
	oid := pdusim.OIDStatus + ".1"
	d.Pause(t)
	start := time.Now()
	if _, err := getInt(c, oid); err == nil {
		t.Errorf("GET from a paused snmpd succeeded")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("GET from a paused snmpd took %v", el)
	}
	d.Resume(t)
	if v, err := getInt(c, oid); err != nil || v != 1 {
		t.Errorf("GET after Resume = %d, %v; want 1", v, err)
	}

	pdusims := pdusimProcesses(d)
	if len(pdusims) == 0 {
		t.Errorf("no pdusim process found for %s", d.StatePath)
	}
	d.Pause(t) // Stop must end a paused snmpd too
	d.Stop()
	d.Stop()
	select {
	case <-d.done:
	default:
		t.Fatal("snmpd still runs after Stop")
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pdusims {
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			if p := procStatOf(pid); p.state == 'Z' {
				break // exited; reaping is its parent's business
			}
			time.Sleep(20 * time.Millisecond)
		}
		if p := procStatOf(pid); syscall.Kill(pid, 0) == nil && p.state != 'Z' {
			t.Errorf("pdusim %d still runs after Stop", pid)
		}
	}
}

// pdusimProcesses returns the pids of the pdusims serving d.
func pdusimProcesses(d *Snmpd) []int {
	var pids []int
	for _, p := range processes() {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/cmdline")
		if err == nil && strings.Contains(string(cmdline), d.StatePath) && p.comm == "pdusim" {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

func procStatOf(pid int) procStat {
	for _, p := range processes() {
		if p.pid == pid {
			return p
		}
	}
	return procStat{}
}
