package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Run implements Runner: it runs c on the remote host in a session of its
// own, feeding c.Stdin and capturing stdout and stderr. A non-zero exit
// comes back as an error wrapping *ExitError whose message names the host
// ("on backup01: lvs ...: exit status 5: ..."); a dropped connection as
// *ConnLostError. When ctx is done the remote command is sent SIGTERM and
// its session closed, and Run returns ctx's error at once.
//
// c.Stdin may still be read by a goroutine after Run returned on a
// cancelled ctx, until that read returns.
func (s *SSH) Run(ctx context.Context, c Cmd) (Result, error) {
	argv := RedactArgv(c.Argv, c.Secrets)
	if c.Line != "" {
		argv = []string{Redact(c.Line, c.Secrets)}
	}
	line, err := remoteCommand(c)
	if err != nil {
		return Result{}, fmt.Errorf("on %s: %w", s.name, err)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, s.cmdErr(argv, err)
	}
	sess, err := s.session(argv)
	if err != nil {
		return Result{}, err
	}
	var stdout, stderr bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = c.Stdin, &stdout, &stderr
	s.log.Debug("run", "host", s.name, "argv", argv)
	if err := sess.Start(line); err != nil {
		sess.Close()
		return Result{}, s.startErr(argv, err)
	}
	waitc := make(chan error, 1)
	go func() { waitc <- sess.Wait() }()
	select {
	case err = <-waitc:
	case <-ctx.Done():
		// The server confirms the close only once the command has
		// ended, which may be never: don't wait for it. The buffers may
		// still be written to, so hand out neither.
		abort(sess)
		return Result{}, s.cmdErr(argv, ctx.Err())
	}
	sess.Close()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	return res, s.waitErr(argv, c.Secrets, err, res.Stderr)
}

// session opens a session, telling a lost connection from a refusal.
func (s *SSH) session(argv []string) (*ssh.Session, error) {
	sess, err := s.client.NewSession()
	if err == nil {
		return sess, nil
	}
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) {
		if lost := s.lost(argv); lost != nil {
			return nil, lost
		}
	}
	return nil, s.cmdErr(argv, fmt.Errorf("open session: %w", err))
}

func (s *SSH) startErr(argv []string, err error) error {
	if lost := s.lost(argv); lost != nil {
		return lost
	}
	return s.cmdErr(argv, fmt.Errorf("start: %w", err))
}

// waitErr turns what Session.Wait returned into the error Run and
// Process.Wait return.
func (s *SSH) waitErr(argv, secrets []string, err error, stderr []byte) error {
	if err == nil {
		return nil
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		if len(stderr) > maxStderr {
			stderr = stderr[:maxStderr]
		}
		msg := Redact(strings.TrimSpace(string(stderr)), secrets)
		if sig := ee.Signal(); sig != "" {
			msg = strings.TrimSuffix("killed by signal "+sig+": "+msg, ": ")
		}
		return fmt.Errorf("on %s: %w", s.name, &ExitError{Argv: argv, Code: ee.ExitStatus(), Stderr: msg})
	}
	if lost := s.lost(argv); lost != nil {
		return lost
	}
	var em *ssh.ExitMissingError
	if errors.As(err, &em) {
		return s.cmdErr(argv, errors.New("the remote command ended without an exit status"))
	}
	return s.cmdErr(argv, err)
}

func (s *SSH) cmdErr(argv []string, err error) error {
	return fmt.Errorf("on %s: %s: %w", s.name, strings.Join(argv, " "), err)
}

// abort stops a remote command: SIGTERM, then the session's close, which
// gives the command EOF on stdin and EPIPE on output. Not every server
// delivers the signal (OpenSSH before 9.8 refuses it for root's
// sessions), and without a pty there is no SIGHUP, so a remote command
// that neither reads nor writes runs on to its end.
func abort(sess *ssh.Session) {
	sess.Signal(ssh.SIGTERM)
	sess.Close()
}
