package remote

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShellQuote(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{nil, ""},
		{[]string{""}, "''"},
		{[]string{"lvs"}, "'lvs'"},
		{[]string{"lvs", "--reportformat", "json"}, "'lvs' '--reportformat' 'json'"},
		{[]string{"a b"}, "'a b'"},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{"'"}, `''\'''`},
		{[]string{"$HOME", "`id`", "$(id)"}, "'$HOME' '`id`' '$(id)'"},
		{[]string{"; touch /tmp/x"}, "'; touch /tmp/x'"},
		{[]string{`back\slash`, `"dq"`}, `'back\slash' '"dq"'`},
		{[]string{"new\nline"}, "'new\nline'"},
	}
	for _, tt := range tests {
		if got := ShellQuote(tt.argv); got != tt.want {
			t.Errorf("ShellQuote(%q) = %q, want %q", tt.argv, got, tt.want)
		}
	}
}

// shSplit has the local sh split a quoted line back into arguments.
func shSplit(t testing.TB, line string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", `printf '%s\000' `+line).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", line, err)
	}
	return strings.Split(string(out), "\x00")
}

// TestShellQuoteRoundTrip has a real shell parse what ShellQuote built.
func TestShellQuoteRoundTrip(t *testing.T) {
	argv := []string{"plain", "", " ", "it's", `''`, `'\''`, "$x", "${x:-y}", "$(false)", "`false`",
		"a;b", "a&&b", "a|b", "a>b", "*", "?", "[a]", "~", "#", "!", "\\", "\t", "\n", "é"}
	if diff := cmp.Diff(append(argv, ""), shSplit(t, ShellQuote(argv))); diff != "" {
		t.Errorf("sh split differs (-want +got):\n%s", diff)
	}
}

func FuzzShellQuote(f *testing.F) {
	for _, s := range []string{"", "a b", "it's", `'\''`, "$(id)", "\n"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsRune(a, 0) || strings.ContainsRune(b, 0) {
			t.Skip("a NUL cannot pass through a command line")
		}
		argv := []string{a, b}
		if diff := cmp.Diff(append(argv, ""), shSplit(t, ShellQuote(argv))); diff != "" {
			t.Errorf("sh split differs (-want +got):\n%s", diff)
		}
	})
}

func TestRemoteCommand(t *testing.T) {
	tests := []struct {
		name    string
		cmd     Cmd
		want    string
		wantErr string
	}{
		{name: "argv", cmd: Cmd{Argv: []string{"lvs", "vg/lv 1"}}, want: "'lvs' 'vg/lv 1'"},
		{name: "env", cmd: Cmd{Argv: []string{"lvmcopy", "agent"}, Env: []string{"LC_ALL=C", "X=a 'b'"}},
			want: `'env' 'LC_ALL=C' 'X=a '\''b'\''' 'lvmcopy' 'agent'`},
		{name: "empty env value", cmd: Cmd{Argv: []string{"true"}, Env: []string{"X="}}, want: "'env' 'X=' 'true'"},
		{name: "empty", cmd: Cmd{}, wantErr: "empty command"},
		{name: "NUL", cmd: Cmd{Argv: []string{"echo", "a\x00b"}}, wantErr: "argument 1 contains a NUL byte"},
		{name: "env without =", cmd: Cmd{Argv: []string{"true"}, Env: []string{"X"}}, wantErr: `bad environment entry "X"`},
		{name: "env bad name", cmd: Cmd{Argv: []string{"true"}, Env: []string{"A-B=1"}}, wantErr: "want NAME=VALUE"},
		{name: "env name starts with digit", cmd: Cmd{Argv: []string{"true"}, Env: []string{"1A=1"}}, wantErr: "want NAME=VALUE"},
		{name: "env secret redacted", cmd: Cmd{Argv: []string{"true"}, Env: []string{"pw s3cret"}, Secrets: []string{"s3cret"}},
			wantErr: `bad environment entry "pw ***"`},
		{name: "program with = after env", cmd: Cmd{Argv: []string{"A=b"}, Env: []string{"X=1"}}, wantErr: "cannot follow env"},
		{name: "program with = without env", cmd: Cmd{Argv: []string{"A=b"}}, want: "'A=b'"},
		{name: "line as is", cmd: Cmd{Line: "off node1 tok$en"}, want: "off node1 tok$en"},
		{name: "line and argv", cmd: Cmd{Line: "off", Argv: []string{"x"}}, wantErr: "either Line or Argv"},
		{name: "line and env", cmd: Cmd{Line: "off", Env: []string{"X=1"}}, wantErr: "either Line or Argv"},
		{name: "line with NUL", cmd: Cmd{Line: "off\x00"}, wantErr: "NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := remoteCommand(tt.cmd)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("secret leaked: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
