package iet

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

func TestArgv(t *testing.T) {
	u := targetconf.User{Dir: targetconf.Outgoing, Name: "tgt", Secret: "s3cret-secret"}
	l := targetconf.LUN{Number: 3, Path: "/dev/vg/lv", Type: "blockio", ScsiID: "ID1", IOMode: "wb"}
	tests := []struct {
		name string
		got  []string
		want string
	}{
		{"new target", argvNewTarget(4, "iqn.2001-04.com.example:t"), "--op new --tid=4 --params Name=iqn.2001-04.com.example:t"},
		{"delete target", argvDeleteTarget(4), "--op delete --tid=4"},
		{"update", argvUpdateTarget(4, []targetconf.Option{{Key: "InitialR2T", Value: "No"}, {Key: "Wthreads", Value: "4"}}), "--op update --tid=4 --params InitialR2T=No,Wthreads=4"},
		{"show", argvShowTarget(4), "--op show --tid=4"},
		{"show users", argvShowUsers(0), "--op show --tid=0 --user"},
		{"new user", argvNewUser(4, u), "--op new --tid=4 --user --params OutgoingUser=tgt,Password=s3cret-secret"},
		{"delete user", argvDeleteUser(0, targetconf.Incoming, "disc"), "--op delete --tid=0 --user --params IncomingUser=disc"},
		{"new lun", argvNewLUN(4, l), "--op new --tid=4 --lun=3 --params Path=/dev/vg/lv,Type=blockio,ScsiId=ID1,IOMode=wb"},
		{"delete lun", argvDeleteLUN(4, 3), "--op delete --tid=4 --lun=3"},
		{"delete conn", argvDeleteConn(4, 281474997486080, 1), "--op delete --tid=4 --sid=281474997486080 --cid=1"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, strings.Join(tt.got, " ")); diff != "" {
			t.Errorf("%s: %s", tt.name, diff)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		code   int
		stderr string
		want   error
	}{
		{254, "No such file or directory", ietd.ErrNotFound},
		{239, "File exists", ietd.ErrExists},
		{240, "Device or resource busy", ietd.ErrBusy},
		{145, "Connection refused", ietd.ErrNotRunning},
		{234, "Invalid argument", ietd.ErrInvalid},
		{234, "Unsupported.", ietd.ErrUnsupported},
		{241, "Block device required", ietd.ErrInvalid},
	}
	for _, tt := range tests {
		err := classify(&remote.ExitError{Argv: []string{"ietadm"}, Code: tt.code, Stderr: tt.stderr})
		if !errors.Is(err, tt.want) {
			t.Errorf("exit %d %q: %v is not %v", tt.code, tt.stderr, err, tt.want)
		}
		var ee *remote.ExitError
		if !errors.As(err, &ee) {
			t.Errorf("exit %d: lost the command error", tt.code)
		}
	}
	if err := classify(&remote.ExitError{Code: 251}); errors.Is(err, ietd.ErrBusy) || errors.Is(err, ietd.ErrNotFound) {
		t.Errorf("EIO classified as %v", err)
	}
}
