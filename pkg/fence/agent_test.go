package fence

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeAsk records what it was asked and answers with code.
type fakeAsk struct {
	code  int
	err   error
	calls []string
}

func (f *fakeAsk) ask(_ context.Context, cc ClientConfig, a Action, node string) (Reply, error) {
	f.calls = append(f.calls, cc.Proxy+" "+string(a)+" "+node)
	return Reply{Code: f.code, Stdout: "outlet pdu-a:3: off\n"}, f.err
}

func tokenFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseAgentStdin(t *testing.T) {
	in := `# from pacemaker-fenced
action=off
nodename=node2
plug=node1
proxy="stonith@198.51.100.9:2222"
identity = /etc/ietkit/id_ed25519
token-file=/etc/ietkit/token
hostlist=node1,node3
login_timeout=2.5
pcmk_host_list=node1
colour=blue
action=reboot
`
	o, err := ParseAgentStdin(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := AgentOptions{
		Action: "reboot", Plug: "node1", HostList: []string{"node1", "node3"},
		Client: ClientConfig{Proxy: "stonith@198.51.100.9:2222", Identity: "/etc/ietkit/id_ed25519", TokenFile: "/etc/ietkit/token",
			ConnectTimeout: 2500 * time.Millisecond},
		Warnings: []string{`ignoring unknown parameter "colour"`},
	}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("ParseAgentStdin (-want +got):\n%s", diff)
	}
	if _, err := ParseAgentStdin(strings.NewReader("action off\n")); err == nil {
		t.Error("a line without = was accepted")
	}

	args, err := ParseAgentArgs([]string{"-o", "status", "-n", "node1", "--proxy=p", "--identity", "k", "--token-file=t"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(AgentOptions{Action: "status", Plug: "node1", Client: ClientConfig{Proxy: "p", Identity: "k", TokenFile: "t"}}, args); diff != "" {
		t.Errorf("ParseAgentArgs (-want +got):\n%s", diff)
	}
	if _, err := ParseAgentArgs([]string{"off"}); err == nil {
		t.Error("a bare argument was accepted")
	}
}

func TestAgentMetadataIsXML(t *testing.T) {
	md, err := AgentMetadata()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName    xml.Name `xml:"resource-agent"`
		Name       string   `xml:"name,attr"`
		Shortdesc  string   `xml:"shortdesc,attr"`
		Longdesc   string   `xml:"longdesc"`
		Parameters []struct {
			Name     string `xml:"name,attr"`
			Required string `xml:"required,attr"`
			Content  struct {
				Type string `xml:"type,attr"`
			} `xml:"content"`
			Shortdesc string `xml:"shortdesc"`
		} `xml:"parameters>parameter"`
		Actions []struct {
			Name string `xml:"name,attr"`
		} `xml:"actions>action"`
	}
	dec := xml.NewDecoder(bytes.NewReader(md))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("metadata is not XML: %v\n%s", err, md)
	}
	if doc.Name != AgentName || doc.Shortdesc == "" || doc.Longdesc == "" {
		t.Errorf("name %q shortdesc %q longdesc %q", doc.Name, doc.Shortdesc, doc.Longdesc)
	}
	var params, actions []string
	for _, p := range doc.Parameters {
		params = append(params, p.Name+"/"+p.Required)
		if p.Content.Type == "" || p.Shortdesc == "" {
			t.Errorf("parameter %s lacks a content type or shortdesc", p.Name)
		}
	}
	for _, a := range doc.Actions {
		actions = append(actions, a.Name)
	}
	wantParams := []string{"action/0", "plug/0", "port/0", "proxy/1", "identity/1", "token_file/1", "known_hosts/0", "hostlist/0", "login_timeout/0"}
	if diff := cmp.Diff(wantParams, params); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(agentActions, actions); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}

func TestRunAgent(t *testing.T) {
	tok := tokenFile(t)
	base := AgentOptions{Plug: "node1", HostList: []string{"node1", "node3"},
		Client: ClientConfig{Proxy: "stonith@proxy", Identity: "/k", TokenFile: tok}}
	tests := []struct {
		name      string
		action    string
		plug      string
		code      int
		askErr    error
		wantExit  int
		wantCalls []string
		wantOut   string
	}{
		{name: "off", action: "off", code: 0, wantExit: 0, wantCalls: []string{"stonith@proxy off node1"}, wantOut: "Success: Powered OFF\n"},
		{name: "off fails", action: "off", code: 1, wantExit: 1, wantCalls: []string{"stonith@proxy off node1"}},
		{name: "reboot", action: "reboot", code: 0, wantExit: 0, wantCalls: []string{"stonith@proxy reboot node1"}, wantOut: "Success: Rebooted\n"},
		{name: "status on", action: "status", code: 0, wantExit: 0, wantCalls: []string{"stonith@proxy status node1"}, wantOut: "Status: ON\n"},
		{name: "status off", action: "status", code: 2, wantExit: 2, wantCalls: []string{"stonith@proxy status node1"}, wantOut: "Status: OFF\n"},
		{name: "status unreachable", action: "status", askErr: errors.New("dial: connection refused"), wantExit: 1, wantCalls: []string{"stonith@proxy status node1"}},
		{name: "monitor, node off", action: "monitor", plug: "-", code: 2, wantExit: 0, wantCalls: []string{"stonith@proxy status node1"}},
		{name: "monitor, proxy refuses", action: "monitor", code: 1, wantExit: 1, wantCalls: []string{"stonith@proxy status node1"}},
		{name: "list", action: "list", wantExit: 0, wantOut: "node1,\nnode3,\n"},
		{name: "validate-all", action: "validate-all", wantExit: 0},
		{name: "node not in hostlist", action: "off", plug: "node2", wantExit: 1},
		{name: "unknown action", action: "explode", wantExit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			o.Action = tt.action
			switch tt.plug {
			case "-":
				o.Plug = ""
			case "":
			default:
				o.Plug = tt.plug
			}
			fa := &fakeAsk{code: tt.code, err: tt.askErr}
			var stdout, stderr bytes.Buffer
			code := RunAgent(context.Background(), o, fa.ask, &stdout, &stderr)
			if code != tt.wantExit {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.wantExit, stderr.String())
			}
			if diff := cmp.Diff(tt.wantCalls, fa.calls); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
			if tt.wantOut != "" && stdout.String() != tt.wantOut {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.wantOut)
			}
		})
	}
	var stderr bytes.Buffer
	if code := RunAgent(context.Background(), AgentOptions{Action: "off", Plug: "node1"}, (&fakeAsk{}).ask, &bytes.Buffer{}, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "missing required parameters: proxy, identity, token_file") {
		t.Errorf("no parameters: exit %d, %q", code, stderr.String())
	}
}

func TestHeartbeatPlugin(t *testing.T) {
	env := map[string]string{"hostlist": "Node1 node3", "proxy": "stonith@proxy", "identity": "/k", "token_file": tokenFile(t)}
	getenv := func(k string) string { return env[k] }
	run := func(op, host string, fa *fakeAsk) (int, string) {
		var stdout, stderr bytes.Buffer
		code := RunHeartbeatPlugin(context.Background(), op, host, getenv, fa.ask, &stdout, &stderr)
		return code, stdout.String()
	}
	if code, out := run("getconfignames", "", &fakeAsk{}); code != 0 || out != "hostlist proxy identity token_file known_hosts\n" {
		t.Errorf("getconfignames: %d %q", code, out)
	}
	if code, out := run("gethosts", "", &fakeAsk{}); code != 0 || out != "Node1 node3\n" {
		t.Errorf("gethosts: %d %q", code, out)
	}
	fa := &fakeAsk{}
	// The stonith library lower-cases the host.
	if code, _ := run("reset", "node1", fa); code != 0 || !cmp.Equal(fa.calls, []string{"stonith@proxy reboot Node1"}) {
		t.Errorf("reset: %d %v", code, fa.calls)
	}
	fa = &fakeAsk{code: 1}
	if code, _ := run("off", "node3", fa); code != 1 || !cmp.Equal(fa.calls, []string{"stonith@proxy off node3"}) {
		t.Errorf("failed off: %d %v", code, fa.calls)
	}
	fa = &fakeAsk{code: 2}
	if code, _ := run("status", "", fa); code != 0 || !cmp.Equal(fa.calls, []string{"stonith@proxy status Node1"}) {
		t.Errorf("status: %d %v", code, fa.calls)
	}
	fa = &fakeAsk{}
	if code, _ := run("off", "node2", fa); code != 1 || len(fa.calls) != 0 {
		t.Errorf("host not in hostlist: %d %v", code, fa.calls)
	}
	if code, out := run("getinfo-xml", "", &fakeAsk{}); code != 0 || xml.Unmarshal([]byte(out), new(struct {
		XMLName xml.Name `xml:"parameters"`
	})) != nil {
		t.Errorf("getinfo-xml: %d %q", code, out)
	}
	env["hostlist"] = ""
	if code, _ := run("gethosts", "", &fakeAsk{}); code == 0 {
		t.Error("gethosts with an empty hostlist succeeded")
	}
}
