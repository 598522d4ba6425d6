package snapdrivers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// ResourceAttr is the slog attribute that names the resource a line is
// about ("sync#1"); LineHandler puts it in the prefix.
const ResourceAttr = "resource"

// LineHandler writes log records as the original agent did:
//
//	2014-09-18 05:14:25,547 - iiststnec02.SYNC#1 - INFO - iSMsc_unlink -lv SOURCE_0001_LV00A6 -lvflg ld
//
// The prefix is the service name, then "." and the upper-cased resource
// when the record or logger has a "resource" attribute. Other attributes
// follow the message as key=value.
type LineHandler struct {
	mu      *sync.Mutex
	w       io.Writer
	service string
	level   slog.Leveler
	attrs   []slog.Attr
	clock   func() time.Time // overrides the records' times (tests)
}

// NewLineHandler writes to w for service, from level on.
func NewLineHandler(w io.Writer, service string, level slog.Leveler) *LineHandler {
	return &LineHandler{mu: &sync.Mutex{}, w: w, service: service, level: level}
}

// Enabled implements slog.Handler.
func (h *LineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// WithAttrs implements slog.Handler.
func (h *LineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(append([]slog.Attr{}, h.attrs...), as...)
	return &h2
}

// WithGroup implements slog.Handler; groups are flattened.
func (h *LineHandler) WithGroup(string) slog.Handler { return h }

// Handle implements slog.Handler.
func (h *LineHandler) Handle(_ context.Context, r slog.Record) error {
	prefix := h.service
	var extra []string
	add := func(a slog.Attr) bool {
		if a.Key == ResourceAttr {
			prefix = h.service + "." + strings.ToUpper(a.Value.String())
			return true
		}
		extra = append(extra, fmt.Sprintf("%s=%v", a.Key, a.Value.Any()))
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	t := r.Time
	if h.clock != nil {
		t = h.clock()
	} else if t.IsZero() {
		t = time.Now()
	}
	msg := r.Message
	if len(extra) > 0 {
		msg += " " + strings.Join(extra, " ")
	}
	line := fmt.Sprintf("%s,%03d - %s - %s - %s\n", t.Format("2006-01-02 15:04:05"), t.Nanosecond()/1e6, prefix, levelName(r.Level), msg)
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, line)
	return err
}

func levelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}
