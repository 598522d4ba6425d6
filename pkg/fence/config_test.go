package fence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testHash is the sha256 of testToken.
var testHash = mustHash(testToken)

func mustHash(tok string) string {
	h, err := HashToken(tok, false)
	if err != nil {
		panic(err)
	}
	return h
}

const fpA = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"
const fpB = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"

func sampleConfig() string {
	return `# the proxy's config
confirm-timeout 5s
reboot-delay 1s
lockout-failures 3
state-dir /tmp/x

pdu pdu-a address=198.51.100.21 version=1 community=private
pdu pdu-b address=198.51.100.22:1161 version=3 user=fence \
    auth=SHA auth-password="a \"secret\" pw" priv=AES priv-password=another1 table=spdu timeout=500ms retries=0
node node1 outlets=pdu-a:3,pdu-b:3
node node2 outlets=pdu-a:4,pdu-b:4   # second node
caller node2 token=` + testHash + ` may-fence=node1 key=` + fpA + `
caller node1 token=` + testHash + ` may-fence=node2
`
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(strings.NewReader(sampleConfig()), "proxy.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		PDUs: map[string]PDUConfig{
			"pdu-a": {Name: "pdu-a", Address: "198.51.100.21", Version: "1", Community: "private", Table: TableRPDU,
				Timeout: DefaultSNMPTimeout, Retries: DefaultSNMPRetries},
			"pdu-b": {Name: "pdu-b", Address: "198.51.100.22:1161", Version: "3", User: "fence",
				AuthProtocol: "SHA", AuthPassword: `a "secret" pw`, PrivProtocol: "AES", PrivPassword: "another1",
				Table: TableSPDU, Timeout: 500 * time.Millisecond, Retries: 0},
		},
		Nodes: map[string]Node{
			"node1": {Name: "node1", Outlets: []OutletRef{{"pdu-a", 3}, {"pdu-b", 3}}},
			"node2": {Name: "node2", Outlets: []OutletRef{{"pdu-a", 4}, {"pdu-b", 4}}},
		},
		Callers: map[string]Caller{
			"node2": {Name: "node2", MayFence: []string{"node1"}, Keys: []string{fpA}},
			"node1": {Name: "node1", MayFence: []string{"node2"}},
		},
		ConfirmTimeout:  5 * time.Second,
		ConfirmInterval: DefaultConfirmInterval,
		RebootDelay:     time.Second,
		LockoutFailures: 3,
		LockoutTime:     DefaultLockoutTime,
		StateDir:        "/tmp/x",
	}
	if diff := cmp.Diff(want, c, cmpopts.IgnoreFields(Caller{}, "Token")); diff != "" {
		t.Errorf("ParseConfig (-want +got):\n%s", diff)
	}
	if !c.Callers["node2"].Token.Verify(testToken) || c.Callers["node2"].Token.Verify(testToken+"x") {
		t.Error("caller node2's token hash does not verify as it should")
	}
}

func TestParseConfigErrors(t *testing.T) {
	pdus := "pdu a address=127.0.0.1 community=private\n"
	caller := "caller c token=" + testHash + " may-fence=n1\n"
	tests := []struct {
		name, conf, wantErr string
	}{
		{"unknown setting", "frobnicate\n", `proxy.conf:1: "frobnicate": want a setting`},
		{"unknown setting with value", "frobnicate 1s\n", "frobnicate \"1s\": unknown setting"},
		{"bad duration", "confirm-timeout soon\n", "positive duration"},
		{"interval longer than timeout", "confirm-timeout 1s\nconfirm-interval 2s\n", "longer than confirm-timeout"},
		{"setting twice", "reboot-delay 1s\nreboot-delay 2s\n", "proxy.conf:2: reboot-delay is already set at line 1"},
		{"relative state dir", "state-dir var/x\n", "absolute path"},
		{"pdu without name", "pdu address=1.2.3.4\n", "pdu needs a name"},
		{"pdu bad name", "pdu a/b address=1.2.3.4\n", "pdu name"},
		{"pdu twice", pdus + pdus, "proxy.conf:2: pdu a is already defined at line 1"},
		{"pdu no address", "pdu a community=x\n", "address= is required"},
		{"pdu unknown key", "pdu a address=1.2.3.4 colour=red\n", `unknown key "colour"`},
		{"pdu not key=value", "pdu a address=1.2.3.4 loose\n", `"loose": want key=value`},
		{"pdu bad retries", "pdu a address=1.2.3.4 community=x retries=99\n", "retries=99"},
		{"unterminated quote", `pdu a address=1.2.3.4 community="x` + "\n", "unterminated double quote"},
		{"node no outlets", pdus + "node n1\n", "outlets= is required"},
		{"node bad outlet", pdus + "node n1 outlets=a:0\n", `outlet "a:0"`},
		{"node outlet twice", pdus + "node n1 outlets=a:1,a:1\n", "listed twice"},
		{"node unknown pdu", pdus + "node n1 outlets=b:1\n", "pdu b, which is not defined"},
		{"outlet shared", pdus + "node n1 outlets=a:1\nnode n2 outlets=a:1\n", "also feeds node"},
		{"caller no token", pdus + "node n1 outlets=a:1\ncaller c may-fence=n1\n", "token= is required"},
		{"caller bad token", pdus + "node n1 outlets=a:1\ncaller c token=plain may-fence=n1\n", "want sha256:HEX"},
		{"caller no may-fence", pdus + "node n1 outlets=a:1\ncaller c token=" + testHash + "\n", "may-fence= is required"},
		{"caller unknown node", pdus + caller, "may-fence names node n1, which is not defined"},
		{"caller fences itself", pdus + "node c outlets=a:1\ncaller c token=" + testHash + " may-fence=c\n", "may not fence itself"},
		{"caller bad key", pdus + "node n1 outlets=a:1\ncaller c token=" + testHash + " may-fence=n1 key=MD5:aa\n", "fingerprint"},
		{"key of two callers", pdus + "node n1 outlets=a:1\ncaller c token=" + testHash + " may-fence=n1 key=" + fpB +
			"\ncaller d token=" + testHash + " may-fence=n1 key=" + fpB + "\n", "is also caller c's"},
		{"continued at end", "pdu a address=1.2.3.4 \\\n", "ends in a continued line"},
		{"control char", "pdu a address=1.2.3.4\x01\n", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tt.conf), "proxy.conf")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseConfigNeverShowsSecrets(t *testing.T) {
	for _, conf := range []string{
		"pdu a address=1.2.3.4 version=9 community=s3cretcommunity\n",
		"pdu a address=1.2.3.4 version=3 user=u auth=SHA auth-password=s3cretcommunity priv=ROT13 priv-password=s3cretcommunity\n",
		"pdu a address=1.2.3.4 community=s3cretcommunity bogus\n",
		"pdu a address=1.2.3.4 community=s3cretcommunity bogus=1\n",
	} {
		_, err := ParseConfig(strings.NewReader(conf), "p.conf")
		if err == nil {
			t.Fatalf("%q: no error", conf)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}

func TestLoadConfigRefusesLoosePermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stonith-proxy.conf")
	if err := os.WriteFile(path, []byte(sampleConfig()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), "mode 0644") || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("mode 0644: err = %v, want a refusal naming the mode", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(path); err != nil {
		t.Fatalf("mode 0600: %v", err)
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(path); err != nil {
		t.Fatalf("mode 0400: %v", err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(path, 12345, 12345); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), "owned by uid 12345") {
			t.Errorf("foreign owner: err = %v, want a refusal", err)
		}
	}
	if _, err := LoadConfig(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: err = %v", err)
	}
}

// FuzzParseConfig checks the parser never panics, and that whatever it
// accepts is consistent: every outlet on a defined PDU, every may-fence
// node defined.
func FuzzParseConfig(f *testing.F) {
	f.Add(sampleConfig())
	f.Add("pdu a address=1.2.3.4 community=\"x y\"\nnode n outlets=a:1\n")
	f.Add("confirm-timeout 1s \\\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConfig(strings.NewReader(s), "fuzz.conf")
		if err != nil {
			return
		}
		for _, n := range c.Nodes {
			if len(n.Outlets) == 0 {
				t.Fatalf("node %s without outlets", n.Name)
			}
			for _, o := range n.Outlets {
				if _, ok := c.PDUs[o.PDU]; !ok || o.Outlet < 1 {
					t.Fatalf("node %s: outlet %v", n.Name, o)
				}
			}
		}
		for _, cl := range c.Callers {
			if cl.Token == nil {
				t.Fatalf("caller %s without a token", cl.Name)
			}
			for _, n := range cl.MayFence {
				if _, ok := c.Nodes[n]; !ok {
					t.Fatalf("caller %s may fence undefined %s", cl.Name, n)
				}
			}
		}
		if c.ConfirmInterval > c.ConfirmTimeout || c.ConfirmTimeout <= 0 {
			t.Fatalf("confirm %s/%s", c.ConfirmInterval, c.ConfirmTimeout)
		}
	})
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a b\tc", []string{"a", "b", "c"}},
		{`k="a b" x`, []string{"k=a b", "x"}},
		{`k="a\"b\\c\d"`, []string{`k=a"b\c\d`}},
		{"a # comment", []string{"a"}},
		{"a#b", []string{"a#b"}},
		{`k="#"`, []string{"k=#"}},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := splitWords(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("splitWords(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	f, err := os.Open("../../etc/examples/stonith-proxy.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ParseConfig(f, "stonith-proxy.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.PDUs) != 2 || len(c.Nodes) != 2 || len(c.Callers) != 2 {
		t.Errorf("example: %d PDUs, %d nodes, %d callers; want 2 each", len(c.PDUs), len(c.Nodes), len(c.Callers))
	}
	if _, err := c.Plan("iscsi-target1-node1", ActionReboot); err != nil {
		t.Error(err)
	}
}
