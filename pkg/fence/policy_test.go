package fence

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustConfig(t testing.TB, s string) *Config {
	t.Helper()
	c, err := ParseConfig(strings.NewReader(s), "test.conf")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIdentifyCaller(t *testing.T) {
	c := mustConfig(t, sampleConfig())
	tests := []struct {
		name    string
		id      Identity
		want    string
		wantErr string
	}{
		{name: "--caller", id: Identity{Caller: "node1"}, want: "node1"},
		{name: "--caller with its key", id: Identity{Caller: "node2", Keys: []string{fpA}}, want: "node2"},
		{name: "--caller without configured keys ignores the session key", id: Identity{Caller: "node1", Keys: []string{fpB}}, want: "node1"},
		{name: "key alone", id: Identity{Keys: []string{fpA}}, want: "node2"},
		{name: "--caller with another key", id: Identity{Caller: "node2", Keys: []string{fpB}}, wantErr: "is not one of caller node2's"},
		{name: "unknown --caller", id: Identity{Caller: "node9"}, wantErr: `caller "node9" is not configured`},
		{name: "unknown key", id: Identity{Keys: []string{fpB}}, wantErr: "is no configured caller's"},
		{name: "nothing to go by", id: Identity{}, wantErr: "cannot tell which caller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.IdentifyCaller(tt.id)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("IdentifyCaller = %q, %v; want ErrNotAllowed containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("IdentifyCaller = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	other := "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	conf := sampleConfig() + "caller node3 token=" + mustHash(other) + " may-fence=node1\n"
	c := mustConfig(t, conf)
	tests := []struct {
		name         string
		caller, node string
		req          Request
		want         Decision
		wantErr      string
	}{
		{name: "allowed", caller: "node2", node: "node1", req: Request{Action: ActionOff, Token: testToken},
			want: Decision{Caller: "node2", Node: "node1", Action: ActionOff, Outlets: []OutletRef{{"pdu-a", 3}, {"pdu-b", 3}}}},
		{name: "allowed, node named", caller: "node2", node: "node1", req: Request{Action: ActionReboot, Node: "node1", Token: testToken},
			want: Decision{Caller: "node2", Node: "node1", Action: ActionReboot, Outlets: []OutletRef{{"pdu-a", 3}, {"pdu-b", 3}}}},
		{name: "wrong token", caller: "node2", node: "node1", req: Request{Action: ActionOff, Token: testToken + "x"}, wantErr: "wrong token for caller node2"},
		{name: "another caller's token", caller: "node2", node: "node1", req: Request{Action: ActionOff, Token: other}, wantErr: "wrong token for caller node2"},
		{name: "node not allowed", caller: "node2", node: "node2", req: Request{Action: ActionOff, Token: testToken}, wantErr: "caller node2 may not fence node node2"},
		{name: "request names another node", caller: "node2", node: "node1", req: Request{Action: ActionOff, Node: "node2", Token: testToken},
			wantErr: "the request names node node2, but this key may fence only node1"},
		{name: "unknown node", caller: "node2", node: "node7", req: Request{Action: ActionOff, Token: testToken}, wantErr: `node "node7" is not configured`},
		{name: "no node", caller: "node2", req: Request{Action: ActionOff, Token: testToken}, wantErr: "names no node"},
		{name: "unknown caller", caller: "node9", node: "node1", req: Request{Action: ActionOff, Token: testToken}, wantErr: "is not configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Authorize(tt.caller, tt.node, tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("Authorize = %v, %v; want ErrNotAllowed containing %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), other) {
					t.Errorf("error shows a token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Authorize (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenHashes(t *testing.T) {
	slow, err := HashToken(testToken, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{testHash, slow} {
		h, err := ParseTokenHash(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !h.Verify(testToken) {
			t.Errorf("%s does not verify its token", s)
		}
		if h.Verify(strings.ToUpper(testToken)) || h.Verify("") {
			t.Errorf("%s verifies another token", s)
		}
		if h.String() != s {
			t.Errorf("String() = %q, want %q", h.String(), s)
		}
	}
	if _, err := HashToken("short", false); err == nil {
		t.Error("HashToken accepted a short token")
	}
	for _, bad := range []string{"sha256:abc", "md5:00", "$2b$xx", testToken} {
		if _, err := ParseTokenHash(bad); err == nil {
			t.Errorf("ParseTokenHash(%q) accepted it", bad)
		}
	}
	tok, err := NewToken()
	if err != nil || !ValidToken(tok) || len(tok) != 43 {
		t.Fatalf("NewToken = %q, %v", tok, err)
	}
}
