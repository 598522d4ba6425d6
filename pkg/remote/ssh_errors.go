package remote

import (
	"errors"
	"fmt"
	"strings"
)

// Failures of DialSSH that a retry cannot fix: an admin must act. Test
// them with errors.Is.
var (
	// ErrUnknownHostKey: no known_hosts file names the host, and
	// AcceptNewHostKey is off.
	ErrUnknownHostKey = errors.New("unknown host key")
	// ErrHostKeyChanged: the host offered a key other than the one
	// known for it (or a revoked one). Always refused.
	ErrHostKeyChanged = errors.New("host key changed")
	// ErrAuthRefused: the server accepted none of the keys offered.
	ErrAuthRefused = errors.New("authentication refused")
)

// ConnLostError is a command whose ssh connection went away before it
// finished: the server died, the network dropped, or Close was called.
// Whether the command ran to its end on the remote side is unknown.
type ConnLostError struct {
	Host string
	Argv []string // redacted; empty when no command was involved
	Err  error    // what ended the connection
}

func (e *ConnLostError) Error() string {
	msg := "connection to " + e.Host + " lost"
	if len(e.Argv) > 0 {
		msg += " during " + strings.Join(e.Argv, " ")
	}
	return fmt.Sprintf("%s: %v", msg, e.Err)
}

func (e *ConnLostError) Unwrap() error { return e.Err }

// IsConnLost reports whether err says that an ssh connection was lost.
func IsConnLost(err error) bool {
	var cl *ConnLostError
	return errors.As(err, &cl)
}
