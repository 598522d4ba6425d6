package fence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/remote"
)

// DefaultProxyUser is the account on the proxy host whose authorized_keys
// holds the forced command.
const DefaultProxyUser = "stonith"

// ClientConfig says how a cluster node reaches the proxy.
type ClientConfig struct {
	// Proxy is [USER@]HOST[:PORT]; USER is DefaultProxyUser when absent,
	// an IPv6 HOST goes in brackets.
	Proxy string
	// Identity is the private key the proxy's authorized_keys names.
	Identity string
	// TokenFile holds the caller's token (mode 0600).
	TokenFile string
	// KnownHosts holds the proxy's host key; ~/.ssh/known_hosts when empty.
	KnownHosts string
	// ConnectTimeout bounds the connection and login; 10 s when 0.
	ConnectTimeout time.Duration
	Logger         *slog.Logger
}

// Reply is what the proxy answered.
type Reply struct {
	Code           int // the proxy's exit code: ExitOK, ExitFailed or ExitOff
	Stdout, Stderr string
}

// ParseProxy splits [USER@]HOST[:PORT].
func ParseProxy(s string) (user, host string, port int, err error) {
	user = DefaultProxyUser
	if u, rest, ok := strings.Cut(s, "@"); ok {
		if u == "" || strings.ContainsAny(u, " \t/:") {
			return "", "", 0, fmt.Errorf("proxy %q: bad user name", s)
		}
		user, s = u, rest
	}
	host, port = s, 22
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, perr := strconv.Atoi(p)
		if perr != nil || n < 1 || n > 65535 {
			return "", "", 0, fmt.Errorf("proxy %q: bad port %q", s, p)
		}
		host, port = h, n
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	}
	if host == "" || strings.ContainsAny(host, " \t/@[]") {
		return "", "", 0, fmt.Errorf("proxy %q: want [USER@]HOST[:PORT]", s)
	}
	return user, host, port, nil
}

// Ask sends "ACTION NODE TOKEN" to the proxy and returns its answer. The
// token goes only inside the encrypted channel: it is in no process's
// arguments, and never in an error or a log line. An error means the
// proxy was not reached or did not answer with an exit status; a refusal
// or a failed fence is a Reply with Code ExitFailed.
func Ask(ctx context.Context, cc ClientConfig, action Action, node string) (Reply, error) {
	if _, err := ParseAction(string(action)); err != nil {
		return Reply{}, err
	}
	if !ValidName(node) {
		return Reply{}, fmt.Errorf("node %q: not a node name", node)
	}
	user, host, port, err := ParseProxy(cc.Proxy)
	if err != nil {
		return Reply{}, err
	}
	if cc.Identity == "" {
		return Reply{}, errors.New("no identity: give the private key the proxy accepts")
	}
	token, err := ReadTokenFile(cc.TokenFile)
	if err != nil {
		return Reply{}, err
	}
	sc := remote.SSHConfig{
		Host: host, Port: port, User: user,
		IdentityFiles:     []string{cc.Identity},
		ConnectTimeout:    cc.ConnectTimeout,
		KeepAliveInterval: -1,
		Logger:            cc.Logger,
	}
	if cc.KnownHosts != "" {
		sc.KnownHostsFiles = []string{cc.KnownHosts}
	}
	conn, err := remote.DialSSH(ctx, sc)
	if err != nil {
		return Reply{}, fmt.Errorf("proxy %s: %w", cc.Proxy, err)
	}
	defer conn.Close()
	req := Request{Action: action, Node: node, Token: token}
	res, err := conn.Run(ctx, remote.Cmd{Line: req.Line(), Secrets: []string{token}})
	reply := Reply{Stdout: remote.Redact(string(res.Stdout), []string{token}), Stderr: remote.Redact(string(res.Stderr), []string{token})}
	if err == nil {
		return reply, nil
	}
	var ee *remote.ExitError
	if errors.As(err, &ee) {
		reply.Code = ee.Code
		if ee.Code != ExitFailed && ee.Code != ExitOff {
			// Not an answer of the proxy's: a shell that could not find
			// it (127), a signal.
			return reply, fmt.Errorf("proxy %s: %w", cc.Proxy, err)
		}
		return reply, nil
	}
	return reply, fmt.Errorf("proxy %s: %w", cc.Proxy, err)
}
