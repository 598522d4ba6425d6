package remote

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHConfig says how to reach one host over ssh. The zero values of the
// optional fields are filled in by DialSSH (see each field).
type SSHConfig struct {
	Host string
	Port int    // 22 when 0
	User string // the current user when empty
	// IdentityFiles are private keys, offered in order. Empty means those
	// of ~/.ssh/id_ed25519, id_ecdsa and id_rsa that exist. Each must be
	// mode 0600 or stricter.
	IdentityFiles []string
	// UseAgent offers the keys of the agent at $SSH_AUTH_SOCK too, after
	// the identity files.
	UseAgent bool
	// KnownHostsFiles hold the trusted host keys. Empty means
	// ~/.ssh/known_hosts, plus /etc/ssh/ssh_known_hosts if it exists.
	KnownHostsFiles []string
	// AcceptNewHostKey trusts a host that no known_hosts file names: its
	// key is appended to the first known_hosts file. A key that differs
	// from a known one is refused all the same.
	AcceptNewHostKey bool
	// ConnectTimeout bounds the TCP connect and the ssh handshake; 10 s
	// when 0.
	ConnectTimeout time.Duration
	// KeepAliveInterval is how often the server is asked whether it is
	// still there; a connection that leaves three in a row unanswered is
	// closed as lost. 15 s when 0; negative turns keepalives off.
	KeepAliveInterval time.Duration
	// Logger gets warnings (skipped keys, new host keys) and the stderr
	// lines of processes started with Start. Nothing is logged when nil.
	Logger *slog.Logger
}

const (
	defaultSSHPort        = 22
	defaultConnectTimeout = 10 * time.Second
	defaultKeepAlive      = 15 * time.Second
	// lostGrace is how long a session that ended without an exit status
	// waits to learn whether the connection under it died.
	lostGrace = time.Second
)

// SSH is one ssh connection to a host. It runs any number of commands,
// each in its own session, concurrently (up to the server's MaxSessions,
// 10 for OpenSSH).
type SSH struct {
	name   string // host, or host:port when the port is not 22: for messages
	client *ssh.Client
	log    *slog.Logger

	done      chan struct{} // closed when the connection has ended
	mu        sync.Mutex
	lostCause error // why it ended, set before done is closed
	closed    bool  // by Close
}

// DialSSH connects and logs in to cfg.Host. The host key is always
// checked against the known_hosts files; see the Err* values for the
// failures a caller may want to tell apart.
func DialSSH(ctx context.Context, cfg SSHConfig) (*SSH, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	where := fmt.Sprintf("%s port %d", cfg.Host, cfg.Port)

	keys, err := loadKeys(cfg)
	if err != nil {
		return nil, err
	}
	defer keys.close()
	hk, err := newHostKeyCheck(cfg)
	if err != nil {
		return nil, err
	}

	d := net.Dialer{Timeout: cfg.ConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to %s: %w", where, ctx.Err())
		}
		if isTimeout(err) {
			return nil, fmt.Errorf("connect to %s: no answer within %s: %w", where, cfg.ConnectTimeout, err)
		}
		return nil, fmt.Errorf("connect to %s: %w", where, err)
	}

	// The handshake is bounded by the timeout and by ctx: either one
	// expires the connection's deadline, which fails the handshake.
	conn.SetDeadline(time.Now().Add(cfg.ConnectTimeout))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	clientCfg := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeysCallback(keys.signers)},
		HostKeyCallback:   hk.check,
		HostKeyAlgorithms: hk.algorithms(addr, conn.RemoteAddr()),
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, clientCfg)
	cancelled := !stop()
	if err == nil && cancelled {
		c.Close()
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		switch {
		case hk.err != nil:
			return nil, hk.err
		case ctx.Err() != nil:
			return nil, fmt.Errorf("ssh handshake with %s: %w", where, ctx.Err())
		case isTimeout(err):
			return nil, fmt.Errorf("ssh handshake with %s: no answer within %s: %w", where, cfg.ConnectTimeout, err)
		case hk.verified:
			// Past the host key, only authentication is left.
			return nil, fmt.Errorf("log in to %s as %s: %w (offered %s): %w",
				where, cfg.User, ErrAuthRefused, keys.describe(), err)
		}
		return nil, fmt.Errorf("ssh handshake with %s: %w", where, err)
	}
	conn.SetDeadline(time.Time{})

	s := &SSH{
		name:   cfg.Host,
		client: ssh.NewClient(c, chans, reqs),
		log:    cfg.Logger,
		done:   make(chan struct{}),
	}
	if cfg.Port != defaultSSHPort {
		s.name = addr
	}
	cfg.Logger.Debug("ssh connected", "host", s.name, "user", cfg.User)
	go s.watch()
	if cfg.KeepAliveInterval > 0 {
		go s.keepAlive(cfg.KeepAliveInterval)
	}
	return s, nil
}

// Close closes the connection. Commands still running get EOF on stdin
// and EPIPE on output on the remote side, and their Run or Wait reports
// the connection lost.
func (s *SSH) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	err := s.client.Close()
	<-s.done
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// watch records why the connection ended.
func (s *SSH) watch() {
	err := s.client.Wait()
	s.setLost(err)
}

func (s *SSH) setLost(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return
	default:
	}
	switch {
	case s.closed:
		cause = errors.New("closed by this side")
	case cause == nil || errors.Is(cause, io.EOF):
		cause = errors.New("the server closed the connection")
	}
	s.lostCause = cause
	close(s.done)
}

// keepAlive asks the server for a reply every interval and closes the
// connection when three intervals pass without one: a peer that vanished
// without a FIN would otherwise leave a transfer hanging forever.
func (s *SSH) keepAlive(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := s.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case <-s.done:
			return
		case err := <-reply:
			if err != nil {
				return // the connection is going; watch records why
			}
		case <-time.After(3 * interval):
			s.setLost(fmt.Errorf("no answer to keepalive within %s", 3*interval))
			s.client.Close()
			return
		}
	}
}

// lost returns the connection's end as a *ConnLostError when it ended,
// waiting up to lostGrace for it to end, or nil if it lives on.
func (s *SSH) lost(argv []string) error {
	select {
	case <-s.done:
	case <-time.After(lostGrace):
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &ConnLostError{Host: s.name, Argv: argv, Err: s.lostCause}
}

// hostKeyAlgorithms lists the host key algorithms to ask for: those of
// the keys known for the host first, so that a server with several host
// keys shows the one we can check, then every other supported one.
func hostKeyAlgorithms(known []ssh.PublicKey) []string {
	supported := ssh.SupportedAlgorithms().HostKeys
	var out []string
	add := func(a string) {
		for _, s := range supported {
			if s == a {
				for _, o := range out {
					if o == a {
						return
					}
				}
				out = append(out, a)
				return
			}
		}
	}
	for _, k := range known {
		if k.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
			continue
		}
		add(k.Type())
	}
	for _, a := range supported {
		add(a)
	}
	return out
}

// probeKey is a throwaway public key that matches nothing, used to ask a
// host key callback which keys it knows for a host.
func probeKey() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	return k
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
