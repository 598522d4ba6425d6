// Package remote runs commands: on this host (Local) or, later, on another
// host over ssh, behind one Runner interface.
//
// A Cmd is an argv, never a shell string: nothing ietkit runs is parsed by
// a shell. A command that exits non-zero comes back as *ExitError carrying
// its argv, exit code and stderr, with secrets redacted so that the error
// can be logged and shown as it is.
package remote
