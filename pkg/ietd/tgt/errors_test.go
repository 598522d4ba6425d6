package tgt

import (
	"errors"
	"testing"

	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
)

// TestClassify covers the message table with what tgtadm 1.0.85 printed
// in the live tests (exit 22 for everything tgtd refuses).
func TestClassify(t *testing.T) {
	tests := []struct {
		code   int
		stderr string
		want   error
	}{
		{107, "tgtadm: failed to send request hdr to tgt daemon, Transport endpoint is not connected", ietd.ErrNotRunning},
		{111, "tgtadm: can't connect to the tgt daemon, Connection refused", ietd.ErrNotRunning},
		{107, "", ietd.ErrNotRunning},
		{22, "tgtadm: tgtd closed the socket", ietd.ErrNotRunning},
		{22, "tgtadm: this target already exists", ietd.ErrExists},
		{22, "tgtadm: this logical unit number already exists", ietd.ErrExists},
		{22, "tgtadm: this account already exists", ietd.ErrExists},
		{22, "tgtadm: this access control rule already exists", ietd.ErrExists},
		{22, "tgtadm: this target already has an outgoing account", ietd.ErrExists},
		{22, "tgtadm: this target is still active", ietd.ErrBusy},
		{22, "tgtadm: this logical unit is still active", ietd.ErrBusy},
		{22, "tgtadm: can't find the target", ietd.ErrNotFound},
		{22, "tgtadm: can't find the logical unit", ietd.ErrNotFound},
		{22, "tgtadm: can't find the session", ietd.ErrNotFound},
		{22, "tgtadm: can't find the connection", ietd.ErrNotFound},
		{22, "tgtadm: can't find the account", ietd.ErrNotFound},
		{22, "tgtadm: this access control rule does not exist", ietd.ErrNotFound},
		{22, "tgtadm: invalid request", ietd.ErrInvalid},
		{22, "tgtadm: unknown parameter", ietd.ErrInvalid},
		{22, "-C argument value '41999' out of range", ietd.ErrInvalid},
		{22, "tgtadm: this operation isn't supported", ietd.ErrUnsupported},
	}
	for _, tt := range tests {
		err := classify(&remote.ExitError{Argv: []string{"tgtadm"}, Code: tt.code, Stderr: tt.stderr})
		if !errors.Is(err, tt.want) {
			t.Errorf("exit %d %q: %v is not %v", tt.code, tt.stderr, err, tt.want)
		}
		var ee *remote.ExitError
		if !errors.As(err, &ee) {
			t.Errorf("exit %d %q: lost the command error", tt.code, tt.stderr)
		}
	}
	err := classify(&remote.ExitError{Argv: []string{"tgtadm"}, Code: 22, Stderr: "tgtadm: something new"})
	for _, s := range []error{ietd.ErrNotFound, ietd.ErrExists, ietd.ErrBusy, ietd.ErrNotRunning, ietd.ErrInvalid} {
		if errors.Is(err, s) {
			t.Errorf("an unknown message classified as %v", s)
		}
	}
	plain := errors.New("exec: tgtadm: not found")
	if classify(plain) != plain {
		t.Error("an error without exit status changed")
	}
}
