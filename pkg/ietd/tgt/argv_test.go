package tgt

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

func TestArgv(t *testing.T) {
	tests := []struct {
		name string
		got  []string
		want string
	}{
		{"prefix default port", prefix(0), "--lld iscsi"},
		{"prefix control port", prefix(3777), "-C 3777 --lld iscsi"},
		{"show sys", argvShowSys(), "--op show --mode sys"},
		{"show targets", argvShowTargets(), "--op show --mode target"},
		{"show params", argvShowParams(4), "--op show --mode target --tid 4"},
		{"new target", argvNewTarget(4, "iqn.2001-04.com.example:t"), "--op new --mode target --tid 4 --targetname iqn.2001-04.com.example:t"},
		{"delete target", argvDeleteTarget(4), "--op delete --mode target --tid 4"},
		{"update param", argvUpdateParam(4, targetconf.Option{Key: "HeaderDigest", Value: "CRC32C,None"}), "--op update --mode target --tid 4 --name HeaderDigest --value CRC32C,None"},
		{"new lu plain", argvNewLU(4, 1, "/dev/vg/lv", "", 0), "--op new --mode logicalunit --tid 4 --lun 1 --backing-store /dev/vg/lv"},
		{"new lu flags", argvNewLU(4, 2, "/dev/vg/lv", "sync:direct", 4096), "--op new --mode logicalunit --tid 4 --lun 2 --backing-store /dev/vg/lv --bsoflags sync:direct --blocksize 4096"},
		{"update lu", argvUpdateLU(4, 2, []string{"scsi_id=ID1", "readonly=1"}), "--op update --mode logicalunit --tid 4 --lun 2 --params scsi_id=ID1,readonly=1"},
		{"delete lu", argvDeleteLU(4, 2), "--op delete --mode logicalunit --tid 4 --lun 2"},
		{"delete conn", argvDeleteConn(4, 18446744073709551615, 3), "--op delete --mode conn --tid 4 --sid 18446744073709551615 --cid 3"},
		{"new account", argvNewAccount("alice", "s3cret-secret"), "--op new --mode account --user alice --password s3cret-secret"},
		{"delete account", argvDeleteAccount("alice"), "--op delete --mode account --user alice"},
		{"bind incoming", argvBindAccount(true, 4, targetconf.Incoming, "alice"), "--op bind --mode account --tid 4 --user alice"},
		{"unbind outgoing", argvBindAccount(false, 4, targetconf.Outgoing, "tgt"), "--op unbind --mode account --tid 4 --user tgt --outgoing"},
		{"bind all", argvBindACL(true, 4, "ALL"), "--op bind --mode target --tid 4 --initiator-address ALL"},
		{"bind net6", argvBindACL(true, 4, "2001:db8:1::/64"), "--op bind --mode target --tid 4 --initiator-address 2001:db8:1::/64"},
		{"unbind iqn", argvBindACL(false, 4, "iqn.1993-08.org.debian:01:host1"), "--op unbind --mode target --tid 4 --initiator-name iqn.1993-08.org.debian:01:host1"},
		{"bind eui", argvBindACL(true, 4, "eui.02004567A425678D"), "--op bind --mode target --tid 4 --initiator-name eui.02004567A425678D"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, strings.Join(tt.got, " ")); diff != "" {
			t.Errorf("%s: %s", tt.name, diff)
		}
	}
}

func TestLUOptions(t *testing.T) {
	tests := []struct {
		name   string
		lun    targetconf.LUN
		flags  string
		params string
		err    bool
	}{
		{"fileio default wt", targetconf.LUN{Type: "fileio"}, "sync", "", false},
		{"fileio wb", targetconf.LUN{Type: "fileio", IOMode: "wb"}, "", "", false},
		{"blockio wt", targetconf.LUN{Type: "blockio", IOMode: "wt"}, "sync:direct", "", false},
		{"blockio wb", targetconf.LUN{Type: "blockio", IOMode: "wb"}, "direct", "", false},
		{"blockio ro with ids", targetconf.LUN{Type: "blockio", IOMode: "ro", ScsiID: "ID1", ScsiSN: "SN1"}, "direct", "scsi_id=ID1,scsi_sn=SN1,readonly=1", false},
		{"fileio ro", targetconf.LUN{Type: "fileio", IOMode: "ro"}, "", "readonly=1", false},
		{"nullio", targetconf.LUN{Type: "nullio"}, "", "", true},
		{"bad blocksize", targetconf.LUN{Type: "fileio", BlockSize: 1000}, "", "", true},
		{"comma in id", targetconf.LUN{Type: "fileio", ScsiID: "a,b"}, "", "", true},
	}
	for _, tt := range tests {
		flags, params, err := luOptions(tt.lun)
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		if flags != tt.flags || strings.Join(params, ",") != tt.params {
			t.Errorf("%s: flags %q params %q, want %q %q", tt.name, flags, params, tt.flags, tt.params)
		}
	}
}

func TestTgtLUN(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, 1}, {7, 8}, {MaxLUN, 16383}} {
		if got, err := tgtLUN(tt.in); err != nil || got != tt.want {
			t.Errorf("tgtLUN(%d) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, n := range []int{-1, MaxLUN + 1} {
		if _, err := tgtLUN(n); err == nil || !strings.Contains(err.Error(), "cannot be served by tgt") {
			t.Errorf("tgtLUN(%d): %v", n, err)
		}
	}
}

func TestCanonicalACL(t *testing.T) {
	tests := map[string]string{
		"ALL": "ALL", "all": "ALL",
		"198.51.100.5": "198.51.100.5", "198.51.100.5/32": "198.51.100.5", "198.51.100.7/24": "198.51.100.0/24",
		"2001:DB8::5": "2001:db8::5", "[2001:db8::5]": "2001:db8::5", "2001:db8:0::5/64": "2001:db8::/64",
		"::ffff:198.51.100.5":             "198.51.100.5",
		"IQN.1993-08.org.debian:01:Host1": "iqn.1993-08.org.debian:01:host1",
	}
	for in, want := range tests {
		if got, err := canonicalACL(in); err != nil || got != want {
			t.Errorf("canonicalACL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"garbage", "", "iqn.a b", "198.51.100.300"} {
		if got, err := canonicalACL(bad); err == nil {
			t.Errorf("canonicalACL(%q) = %q, want an error", bad, got)
		}
	}
}
