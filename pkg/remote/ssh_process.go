package remote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Process is a remote command started with SSH.Start whose stdin and
// stdout are streams, for moving data. Its stderr goes, line by line, to
// the connection's logger, prefixed with the program name.
type Process struct {
	s       *SSH
	sess    *ssh.Session
	ctx     context.Context
	argv    []string // redacted
	secrets []string
	stdin   io.WriteCloser
	stdout  io.Reader

	stderrDone chan struct{}
	stderr     []byte // its first maxStderr bytes; the reader's until stderrDone
	stopWatch  func() bool

	waitOnce sync.Once
	waitErr  error
}

// Start starts c on the remote host and returns at once. c.Stdin must be
// nil: write to Process.Stdin instead. Cancelling ctx stops the command as
// Run does. The caller must read Stdout to its end before calling Wait,
// since a remote command blocks once it has filled the window, and must
// call Wait.
func (s *SSH) Start(ctx context.Context, c Cmd) (*Process, error) {
	argv := RedactArgv(c.Argv, c.Secrets)
	if c.Stdin != nil {
		return nil, s.cmdErr(argv, errors.New("start: Cmd.Stdin is set; write to Process.Stdin instead"))
	}
	line, err := remoteCommand(c)
	if err != nil {
		return nil, fmt.Errorf("on %s: %w", s.name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, s.cmdErr(argv, err)
	}
	sess, err := s.session(argv)
	if err != nil {
		return nil, err
	}
	p := &Process{s: s, sess: sess, ctx: ctx, argv: argv, secrets: c.Secrets, stderrDone: make(chan struct{})}
	stderr, err := sess.StderrPipe()
	if err == nil {
		p.stdout, err = sess.StdoutPipe()
	}
	if err == nil {
		p.stdin, err = sess.StdinPipe()
	}
	if err != nil {
		sess.Close()
		return nil, s.cmdErr(argv, err)
	}
	s.log.Debug("start", "host", s.name, "argv", argv)
	if err := sess.Start(line); err != nil {
		sess.Close()
		return nil, s.startErr(argv, err)
	}
	go p.readStderr(stderr)
	p.stopWatch = context.AfterFunc(ctx, func() { abort(sess) })
	return p, nil
}

// Stdin is the command's standard input; Close sends it EOF.
func (p *Process) Stdin() io.WriteCloser { return p.stdin }

// Stdout is the command's standard output.
func (p *Process) Stdout() io.Reader { return p.stdout }

// Wait waits for the command to end and returns nil if it exited 0; an
// error wrapping *ExitError if it exited otherwise; *ConnLostError if the
// connection dropped first; ctx's error, at once, if ctx was cancelled
// (even if the command then exited 0, since it may have done so on
// input cut short). It may be called more than once and returns the same
// each time.
func (p *Process) Wait() error {
	p.waitOnce.Do(func() { p.waitErr = p.wait() })
	return p.waitErr
}

func (p *Process) wait() error {
	waitc := make(chan error, 1)
	go func() { waitc <- p.sess.Wait() }()
	var err error
	select {
	case err = <-waitc:
		if !p.stopWatch() {
			// Aborted for ctx: the command may have ended well only
			// because its input was cut short.
			return p.s.cmdErr(p.argv, p.ctx.Err())
		}
	case <-p.ctx.Done():
		p.stopWatch()
		abort(p.sess)
		return p.s.cmdErr(p.argv, p.ctx.Err())
	}
	p.sess.Close()
	<-p.stderrDone
	return p.s.waitErr(p.argv, p.secrets, err, p.stderr)
}

// readStderr logs each stderr line and keeps the first maxStderr bytes
// for the error. It reads to the end, so that the command never blocks
// on a full stderr.
func (p *Process) readStderr(r io.Reader) {
	defer close(p.stderrDone)
	prog := p.argv[0]
	br := bufio.NewReaderSize(r, 4096)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if room := maxStderr - len(p.stderr); room > 0 {
				p.stderr = append(p.stderr, line[:min(room, len(line))]...)
			}
			if text := strings.TrimRight(string(line), "\r\n"); text != "" {
				p.s.log.Info(prog+": "+Redact(text, p.secrets), "host", p.s.name)
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}
