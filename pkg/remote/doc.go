// Package remote runs commands: on this host (Local) or on another host
// over ssh (SSH), behind one Runner interface.
//
// A Cmd is an argv, never a shell string: nothing ietkit runs is parsed by
// a shell. A command that exits non-zero comes back as *ExitError carrying
// its argv, exit code and stderr, with secrets redacted so that the error
// can be logged and shown as it is.
//
// Over ssh, host keys are always checked against known_hosts
// (ErrUnknownHostKey, ErrHostKeyChanged), a long-running command with
// streaming stdin and stdout is a Process, and a connection that drops
// under a command is a *ConnLostError.
package remote
