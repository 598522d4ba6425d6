package fence

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

const testToken = "a098sdfsad8f90asdf09s8adf08as"

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Request
		wantErr string
	}{
		{name: "bare token is off", in: testToken, want: Request{Action: ActionOff, Token: testToken}},
		{name: "off", in: "off " + testToken, want: Request{Action: ActionOff, Token: testToken}},
		{name: "on", in: "on " + testToken, want: Request{Action: ActionOn, Token: testToken}},
		{name: "reboot", in: "reboot " + testToken, want: Request{Action: ActionReboot, Token: testToken}},
		{name: "status", in: "status " + testToken, want: Request{Action: ActionStatus, Token: testToken}},
		{name: "with node", in: "off node1 " + testToken, want: Request{Action: ActionOff, Node: "node1", Token: testToken}},
		{name: "base64 token", in: "off abc+def/ghi=jkl_mno-pq.r~", want: Request{Action: ActionOff, Token: "abc+def/ghi=jkl_mno-pq.r~"}},

		{name: "empty", in: "", wantErr: "empty command"},
		{name: "action only", in: "off", wantErr: "missing token"},
		{name: "status only", in: "status", wantErr: "missing token"},
		{name: "short token", in: "off abc", wantErr: "missing token"},
		{name: "extra words", in: "off node1 " + testToken + " now", wantErr: "4 words"},
		{name: "chained command", in: "off " + testToken + "; reboot", wantErr: "second word is not a node name"},
		{name: "chained command with node", in: "off node1 " + testToken + "; reboot", wantErr: "4 words"},
		{name: "semicolon glued", in: "off " + testToken + ";reboot", wantErr: "not allowed"},
		{name: "command substitution", in: "off $(reboot)xxxxxxxxxxxx", wantErr: "not allowed"},
		{name: "backticks", in: "`id`xxxxxxxxxxxxxxxxxx", wantErr: "not allowed"},
		{name: "pipe", in: "off " + testToken + "|sh", wantErr: "not allowed"},
		{name: "quotes", in: "off '" + testToken + "'", wantErr: "not allowed"},
		{name: "unknown action", in: "shoot " + testToken, wantErr: `unknown action "shoot"`},
		{name: "upper-case action", in: "OFF " + testToken, wantErr: `unknown action "OFF"`},
		{name: "bad node", in: "off ../x " + testToken, wantErr: "not a node name"},
		{name: "double space", in: "off  " + testToken, wantErr: "double space"},
		{name: "leading space", in: " off " + testToken, wantErr: "leading"},
		{name: "trailing newline", in: "off " + testToken + "\n", wantErr: "control"},
		{name: "tab", in: "off\t" + testToken, wantErr: "control"},
		{name: "non-ASCII", in: "off " + testToken + "é", wantErr: "non-ASCII"},
		{name: "not UTF-8", in: "off " + testToken + "\xff", wantErr: "UTF-8"},
		{name: "64 KiB", in: strings.Repeat("A", 64<<10), wantErr: "more than the 512 allowed"},
		{name: "long token", in: "off " + strings.Repeat("A", 300), wantErr: "token is 300 characters"},
		{name: "token-like first word not echoed", in: testToken + " " + testToken, wantErr: "first word is not an action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRequest(%.40q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				if !errors.Is(err, ErrBadRequest) {
					t.Errorf("error %v is not ErrBadRequest", err)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("error repeats the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRequest(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRequest(%q) (-want +got):\n%s", tt.in, diff)
			}
			if got.Line() != tt.in && tt.in != testToken {
				t.Errorf("Line() = %q, want %q", got.Line(), tt.in)
			}
			if strings.Contains(got.String(), testToken) {
				t.Errorf("String() shows the token: %q", got.String())
			}
		})
	}
}

// FuzzParseRequest checks that whatever arrives, a parsed request is one
// the grammar allows and renders back to its input, and that no error
// repeats a word long enough to be a token.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{testToken, "off " + testToken, "reboot node1 " + testToken, "off $(id)", "", "status", "off  x", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequest(s)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error %v is not ErrBadRequest", err)
			}
			for _, w := range strings.Fields(s) {
				if len(w) >= MinTokenLen && strings.Contains(err.Error(), w) {
					t.Fatalf("error %q repeats input word %q", err, w)
				}
			}
			return
		}
		if !utf8.ValidString(s) || len(s) > MaxRequestLen {
			t.Fatalf("accepted %q", s)
		}
		if !ValidToken(r.Token) {
			t.Fatalf("accepted token %q", r.Token)
		}
		if _, err := ParseAction(string(r.Action)); err != nil {
			t.Fatalf("accepted action %q", r.Action)
		}
		if r.Node != "" && !ValidName(r.Node) {
			t.Fatalf("accepted node %q", r.Node)
		}
		if s != r.Token && r.Line() != s {
			t.Fatalf("Line() = %q, input %q", r.Line(), s)
		}
		if strings.ContainsAny(s, "$`;|&<>()'\"\\*?!{}[]") {
			t.Fatalf("accepted shell metacharacters: %q", s)
		}
	})
}
