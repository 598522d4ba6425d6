package fence

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AuditRecord is one line of the proxy's audit trail: every action and
// every refusal. It never holds the token.
type AuditRecord struct {
	Caller   string // "" when the proxy could not tell
	From     string // SSH_CONNECTION's client address and port
	Node     string
	Action   string
	Outlets  []OutletRef
	Result   string // ok, refused, failed, dry-run
	Reason   string
	Duration time.Duration
}

// String renders the record as key=value pairs, quoting values that need
// it, in a fixed order.
func (r AuditRecord) String() string {
	var b strings.Builder
	add := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		if strings.ContainsAny(v, " \"=\\") || !printable(v) {
			v = strconv.Quote(v)
		}
		b.WriteString(v)
	}
	caller := r.Caller
	if caller == "" {
		caller = "unknown"
	}
	add("caller", caller)
	add("from", r.From)
	add("node", r.Node)
	add("action", r.Action)
	outs := make([]string, len(r.Outlets))
	for i, o := range r.Outlets {
		outs[i] = o.String()
	}
	add("outlets", strings.Join(outs, ","))
	add("result", r.Result)
	if r.Duration > 0 {
		add("duration", r.Duration.Round(time.Millisecond).String())
	}
	add("reason", r.Reason)
	return b.String()
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// dialSyslog connects to the local syslog daemon (/dev/log); tests point
// it at a socket of their own.
var dialSyslog = func() (*syslog.Writer, error) {
	return syslog.New(syslog.LOG_AUTH|syslog.LOG_NOTICE, "stonith-proxy")
}

// Auditor writes audit records to syslog (facility auth, tag
// stonith-proxy) or to an append-only file.
type Auditor struct {
	mu     sync.Mutex
	sys    *syslog.Writer
	file   io.WriteCloser
	now    func() time.Time
	failed io.Writer // where a record goes when the audit log cannot take it
}

// OpenAudit opens the audit trail: path when not empty (created mode
// 0600, appended to), else syslog. fallback gets records the audit trail
// could not take, and the reason, so that none is lost silently.
func OpenAudit(path string, fallback io.Writer) (*Auditor, error) {
	a := &Auditor{now: time.Now, failed: fallback}
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		a.file = f
		return a, nil
	}
	w, err := dialSyslog()
	if err != nil {
		return nil, fmt.Errorf("audit: syslog: %w (give --audit-log FILE where there is no syslog daemon)", err)
	}
	a.sys = w
	return a, nil
}

// Record writes r. Refusals and failures go to syslog as warnings and
// errors.
func (a *Auditor) Record(r AuditRecord) {
	line := r.String()
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	switch {
	case a.file != nil:
		_, err = fmt.Fprintf(a.file, "%s stonith-proxy[%d]: %s\n", a.now().UTC().Format(time.RFC3339Nano), os.Getpid(), line)
	case a.sys != nil:
		switch r.Result {
		case "ok", "dry-run":
			err = a.sys.Notice(line)
		case "refused":
			err = a.sys.Warning(line)
		default:
			err = a.sys.Err(line)
		}
	}
	if err != nil && a.failed != nil {
		fmt.Fprintf(a.failed, "stonith-proxy: audit: %v: %s\n", err, line)
	}
}

// Close closes the audit trail.
func (a *Auditor) Close() error {
	if a.file != nil {
		return a.file.Close()
	}
	if a.sys != nil {
		return a.sys.Close()
	}
	return nil
}
