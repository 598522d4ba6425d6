package remote

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocalRun(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		cmd        Cmd
		wantOut    string
		wantCode   int
		wantErrSub string
	}{
		{name: "ok", cmd: Cmd{Argv: []string{"sh", "-c", "echo hi"}}, wantOut: "hi\n"},
		{name: "stdin", cmd: Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("data")}, wantOut: "data"},
		{name: "env", cmd: Cmd{Argv: []string{"sh", "-c", "echo $X"}, Env: []string{"X=y"}}, wantOut: "y\n"},
		{
			name:       "exit code and redacted stderr",
			cmd:        Cmd{Argv: []string{"sh", "-c", "echo bad s3cret >&2; exit 22", "s3cret"}, Secrets: []string{"s3cret"}},
			wantCode:   22,
			wantErrSub: "exit status 22: bad ***",
		},
		{name: "not found", cmd: Cmd{Argv: []string{"/nonexistent/prog"}}, wantErrSub: "/nonexistent/prog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Local{}.Run(ctx, tt.cmd)
			if tt.wantErrSub == "" {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.wantOut, string(res.Stdout)); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.wantErrSub) {
				t.Errorf("error %q does not contain %q", err, tt.wantErrSub)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("secret leaked: %q", err)
			}
			code, ok := ExitCode(err)
			if tt.wantCode != 0 && (!ok || code != tt.wantCode) {
				t.Errorf("exit code %d,%v want %d", code, ok, tt.wantCode)
			}
		})
	}
}

func TestLocalRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Local{}.Run(ctx, Cmd{Argv: []string{"sleep", "5"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
