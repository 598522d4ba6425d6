package fence

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// AskFunc asks the proxy; Ask, or a stand-in in tests.
type AskFunc func(ctx context.Context, cc ClientConfig, action Action, node string) (Reply, error)

// AgentName is the fence agent's name, as Pacemaker knows it
// (stonith:fence_ietkit_proxy).
const AgentName = "fence_ietkit_proxy"

// AgentOptions are a fence agent call's parameters, from stdin lines or
// command-line flags (see the metadata for each).
type AgentOptions struct {
	Action   string
	Plug     string   // the node to act on
	HostList []string // the nodes this device fences, for list and monitor
	Client   ClientConfig
	// Warnings are unknown names, and ignored ones Pacemaker always sends.
	Warnings []string
}

// agentParam is one parameter of the agent's metadata.
type agentParam struct {
	name, getopt, typ, def, desc string
	required                     bool
}

// agentParams are the agent's parameters, in the metadata's order.
var agentParams = []agentParam{
	{name: "action", getopt: "-o, --action=[action]", typ: "string", def: "reboot", desc: "Fencing action (on, off, reboot, status, list, monitor, metadata, validate-all)"},
	{name: "plug", getopt: "-n, --plug=[node]", typ: "string", desc: "Node to fence, as the proxy's forced command names it"},
	{name: "port", getopt: "", typ: "string", desc: "Same as plug (older name)"},
	{name: "proxy", getopt: "--proxy=[user@host:port]", typ: "string", required: true, desc: "STONITH proxy to ask over ssh: [USER@]HOST[:PORT], user stonith by default"},
	{name: "identity", getopt: "--identity=[file]", typ: "string", required: true, desc: "Private ssh key that the proxy's authorized_keys names"},
	{name: "token_file", getopt: "--token-file=[file]", typ: "string", required: true, desc: "File (mode 0600) holding this node's token for the proxy"},
	{name: "known_hosts", getopt: "--known-hosts=[file]", typ: "string", desc: "known_hosts file with the proxy's host key (default ~/.ssh/known_hosts)"},
	{name: "hostlist", getopt: "--hostlist=[nodes]", typ: "string", desc: "Nodes this device can fence, comma- or space-separated, for list and monitor"},
	{name: "login_timeout", getopt: "--login-timeout=[seconds]", typ: "second", def: "10", desc: "Seconds to wait for the ssh connection and login"},
}

// agentActions are the actions the metadata announces.
var agentActions = []string{"on", "off", "reboot", "status", "list", "monitor", "metadata", "validate-all"}

// ParseAgentStdin reads name=value lines, as fenced and Pacemaker send
// them: blank and '#' lines skipped, surrounding quotes stripped, '-' and
// '_' alike in names, the last of a repeated name winning.
func ParseAgentStdin(r io.Reader) (AgentOptions, error) {
	m := map[string]string{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return AgentOptions{}, fmt.Errorf("stdin line %d: want name=value", n)
		}
		k = strings.ReplaceAll(strings.TrimSpace(k), "-", "_")
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		if _, seen := m[k]; !seen {
			order = append(order, k)
		}
		m[k] = v
	}
	if err := sc.Err(); err != nil {
		return AgentOptions{}, fmt.Errorf("stdin: %w", err)
	}
	return agentOptions(m, order)
}

// ParseAgentArgs reads the agent's command-line flags: --name=value or
// --name value (names with '-' or '_'), -o ACTION and -n NODE.
func ParseAgentArgs(args []string) (AgentOptions, error) {
	m := map[string]string{}
	var order []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		var k, v string
		switch {
		case a == "-o" || a == "-n":
			if i+1 >= len(args) {
				return AgentOptions{}, fmt.Errorf("%s needs a value", a)
			}
			k, v = map[string]string{"-o": "action", "-n": "plug"}[a], args[i+1]
			i++
		case strings.HasPrefix(a, "--"):
			var ok bool
			k, v, ok = strings.Cut(a[2:], "=")
			if !ok {
				if i+1 >= len(args) {
					return AgentOptions{}, fmt.Errorf("%s needs a value", a)
				}
				v = args[i+1]
				i++
			}
		default:
			return AgentOptions{}, fmt.Errorf("unexpected argument %q: want --name=value", a)
		}
		k = strings.ReplaceAll(k, "-", "_")
		if _, seen := m[k]; !seen {
			order = append(order, k)
		}
		m[k] = v
	}
	return agentOptions(m, order)
}

func agentOptions(m map[string]string, order []string) (AgentOptions, error) {
	o := AgentOptions{Action: "reboot"}
	for _, k := range order {
		v := m[k]
		switch k {
		case "action", "option": // "option" is the older name fenced used
			o.Action = v
		case "plug", "port":
			o.Plug = v
		case "proxy":
			o.Client.Proxy = v
		case "identity":
			o.Client.Identity = v
		case "token_file":
			o.Client.TokenFile = v
		case "known_hosts":
			o.Client.KnownHosts = v
		case "hostlist":
			o.HostList = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		case "login_timeout":
			var secs float64
			if _, err := fmt.Sscanf(v, "%g", &secs); err != nil || secs <= 0 {
				return o, fmt.Errorf("login_timeout %q: want a number of seconds", v)
			}
			o.Client.ConnectTimeout = time.Duration(secs * float64(time.Second))
		case "nodename", "agent", "stonith", "plugin", "verbose", "debug":
			// Sent by fenced/Pacemaker whether used or not.
		default:
			if strings.HasPrefix(k, "pcmk_") {
				continue // Pacemaker's own, not the agent's
			}
			o.Warnings = append(o.Warnings, fmt.Sprintf("ignoring unknown parameter %q", k))
		}
	}
	return o, nil
}

// AgentMetadata is the agent's XML metadata in the fence-agents format.
func AgentMetadata() ([]byte, error) {
	type content struct {
		Type    string `xml:"type,attr"`
		Default string `xml:"default,attr,omitempty"`
	}
	type shortdesc struct {
		Lang string `xml:"lang,attr"`
		Text string `xml:",chardata"`
	}
	type getopt struct {
		Mixed string `xml:"mixed,attr"`
	}
	type parameter struct {
		Name       string    `xml:"name,attr"`
		Unique     string    `xml:"unique,attr"`
		Required   string    `xml:"required,attr"`
		Deprecated string    `xml:"deprecated,attr,omitempty"`
		Getopt     *getopt   `xml:"getopt,omitempty"`
		Content    content   `xml:"content"`
		Shortdesc  shortdesc `xml:"shortdesc"`
	}
	type action struct {
		Name      string `xml:"name,attr"`
		Automatic string `xml:"automatic,attr,omitempty"`
	}
	type agent struct {
		XMLName    xml.Name    `xml:"resource-agent"`
		Name       string      `xml:"name,attr"`
		Shortdesc  string      `xml:"shortdesc,attr"`
		Longdesc   string      `xml:"longdesc"`
		VendorURL  string      `xml:"vendor-url"`
		Parameters []parameter `xml:"parameters>parameter"`
		Actions    []action    `xml:"actions>action"`
	}
	a := agent{
		Name:      AgentName,
		Shortdesc: "Fence agent that powers a node off through an ietkit STONITH proxy",
		Longdesc: "fence_ietkit_proxy asks an ietkit STONITH proxy host over ssh to power a node off, on or through a cycle. " +
			"The proxy holds the PDU credentials and lets this node's key fence only the node its forced command names; " +
			"it switches every outlet feeding that node and reads them back before it answers.",
		VendorURL: "https://github.com/ietkit/ietkit",
	}
	for _, p := range agentParams {
		mp := parameter{Name: p.name, Unique: "0", Required: "0", Content: content{Type: p.typ, Default: p.def},
			Shortdesc: shortdesc{Lang: "en", Text: p.desc}}
		if p.required {
			mp.Required = "1"
		}
		if p.getopt != "" {
			mp.Getopt = &getopt{Mixed: p.getopt}
		}
		if p.name == "port" {
			mp.Deprecated = "1"
		}
		a.Parameters = append(a.Parameters, mp)
	}
	for _, name := range agentActions {
		ac := action{Name: name}
		if name == "on" {
			ac.Automatic = "0"
		}
		a.Actions = append(a.Actions, ac)
	}
	out, err := xml.MarshalIndent(a, "", "\t")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// RunAgent carries out one fence agent call and returns its exit code as
// the fence-agents API defines it: 0 success; 1 failure; for status 0 on,
// 2 off and 1 unreachable; for monitor 0 reachable and 1 not.
func RunAgent(ctx context.Context, o AgentOptions, ask AskFunc, stdout, stderr io.Writer) int {
	for _, w := range o.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", AgentName, w)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "%s: %s\n", AgentName, fmt.Sprintf(format, args...))
		return ExitFailed
	}
	switch o.Action {
	case "metadata":
		md, err := AgentMetadata()
		if err != nil {
			return fail("metadata: %v", err)
		}
		stdout.Write(md)
		return ExitOK
	case "list", "list-status":
		hosts := o.HostList
		if len(hosts) == 0 && o.Plug != "" {
			hosts = []string{o.Plug}
		}
		for _, h := range hosts {
			fmt.Fprintf(stdout, "%s,\n", h)
		}
		return ExitOK
	}
	if err := o.check(); err != nil {
		return fail("%v", err)
	}
	if o.Action == "validate-all" {
		if _, err := ReadTokenFile(o.Client.TokenFile); err != nil {
			return fail("%v", err)
		}
		return ExitOK
	}
	node := o.Plug
	var action Action
	switch o.Action {
	case "on", "off", "reboot", "status":
		action = Action(o.Action)
		if node == "" {
			return fail("%s needs plug (the node)", o.Action)
		}
	case "monitor":
		action = ActionStatus
		if node == "" && len(o.HostList) > 0 {
			node = o.HostList[0]
		}
		if node == "" {
			return fail("monitor needs plug or hostlist: the proxy is asked for a node's status")
		}
	default:
		return fail("unknown action %q (want %s)", o.Action, strings.Join(agentActions, ", "))
	}
	if len(o.HostList) > 0 && !slices.Contains(o.HostList, node) {
		return fail("%s is not in hostlist (%s)", node, strings.Join(o.HostList, " "))
	}
	reply, err := ask(ctx, o.Client, action, node)
	relay(stderr, reply)
	if err != nil {
		return fail("%s %s: %v", o.Action, node, err)
	}
	switch o.Action {
	case "monitor":
		if reply.Code == ExitOK || reply.Code == ExitOff {
			return ExitOK
		}
		return ExitFailed
	case "status":
		switch reply.Code {
		case ExitOK:
			fmt.Fprintln(stdout, "Status: ON")
		case ExitOff:
			fmt.Fprintln(stdout, "Status: OFF")
		}
		return reply.Code
	}
	if reply.Code != ExitOK {
		return fail("%s %s failed (the proxy said so above)", o.Action, node)
	}
	fmt.Fprintf(stdout, "Success: %s\n", map[string]string{"on": "Powered ON", "off": "Powered OFF", "reboot": "Rebooted"}[o.Action])
	return ExitOK
}

func (o AgentOptions) check() error {
	var missing []string
	if o.Client.Proxy == "" {
		missing = append(missing, "proxy")
	}
	if o.Client.Identity == "" {
		missing = append(missing, "identity")
	}
	if o.Client.TokenFile == "" {
		missing = append(missing, "token_file")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing required parameters: %s", strings.Join(missing, ", "))
	}
	if _, _, _, err := ParseProxy(o.Client.Proxy); err != nil {
		return err
	}
	return nil
}

// relay passes the proxy's output on, each line prefixed, for the
// cluster's log.
func relay(w io.Writer, r Reply) {
	for _, s := range []string{r.Stdout, r.Stderr} {
		for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			if line != "" {
				fmt.Fprintf(w, "proxy: %s\n", line)
			}
		}
	}
}
