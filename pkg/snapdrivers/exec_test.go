package snapdrivers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/remote"
)

func TestExecLogsLikeTheOriginal(t *testing.T) {
	var buf bytes.Buffer
	h := NewLineHandler(&buf, "iiststnec02", slog.LevelInfo)
	h.clock = func() time.Time { return time.Date(2014, 9, 18, 5, 14, 25, 547e6, time.UTC) }
	e := &Exec{Runner: remote.Local{}, Log: slog.New(h).With(ResourceAttr, "sync#1"), Secrets: []string{"s3cret"}}
	ctx := context.Background()

	if _, err := e.Run(ctx, Step{Argv: []string{"sh", "-c", "echo 'iSMsc_unlink:Info: iSM20030: iSMsc_unlink has normally terminated.'; echo 'Please wait...' >&2", "x"}}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Run(ctx, Step{Argv: []string{"sh", "-c", "echo 'CMUN00000E pw s3cret refused' >&2; exit 3"}})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Code != 3 || ce.Output != "CMUN00000E pw *** refused" {
		t.Fatalf("failure: %#v", err)
	}
	_, err = e.Run(ctx, Step{Argv: []string{"/nonexistent/dscli"}})
	if !errors.As(err, &ce) || ce.Code != -1 || ce.Err == nil {
		t.Fatalf("not started: %#v", err)
	}
	// Log lines: each starts with the stamp, the prefix and the level.
	stamp := regexp.MustCompile(`^2014-09-18 05:14:25,547 - iiststnec02\.SYNC#1 - (INFO|WARNING|ERROR) - `)
	var levels []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if m := stamp.FindStringSubmatch(l); m != nil {
			levels = append(levels, m[1])
		}
	}
	if diff := cmp.Diff([]string{"INFO", "INFO", "WARNING", "INFO", "ERROR", "INFO", "ERROR"}, levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s\n%s", diff, buf.String())
	}
	if strings.Contains(buf.String(), "s3cret") {
		t.Errorf("a secret was logged:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "iiststnec02.SYNC#1 - INFO - iSMsc_unlink:Info: iSM20030: iSMsc_unlink has normally terminated.") {
		t.Errorf("output line missing:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "WARNING - command successful but stderr:\nPlease wait...") {
		t.Errorf("stderr of a successful command is not a warning:\n%s", buf.String())
	}
}
