package fence

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// heartbeatParams are the plugin's configuration names, in the order of
// getconfignames (and so of the positional values of a legacy ha.cf
// "stonith_host * external/ietkit-proxy v1 v2 ..." line).
var heartbeatParams = []string{"hostlist", "proxy", "identity", "token_file", "known_hosts"}

// RunHeartbeatPlugin answers one call of heartbeat's (cluster-glue's)
// external STONITH plugin interface: op is the first argument, host the
// second for on, off and reset, and the configuration comes in
// environment variables named like the parameters. It returns the exit
// code: 0 success, anything else failure.
func RunHeartbeatPlugin(ctx context.Context, op, host string, getenv func(string) string, ask AskFunc, stdout, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "ietkit-proxy: %s\n", fmt.Sprintf(format, args...))
		return ExitFailed
	}
	hosts := strings.FieldsFunc(getenv("hostlist"), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	cc := ClientConfig{
		Proxy: getenv("proxy"), Identity: getenv("identity"), TokenFile: getenv("token_file"), KnownHosts: getenv("known_hosts"),
		ConnectTimeout: 10 * time.Second,
	}
	switch op {
	case "getconfignames":
		fmt.Fprintln(stdout, strings.Join(heartbeatParams, " "))
		return ExitOK
	case "getinfo-devid":
		fmt.Fprintln(stdout, "ietkit STONITH proxy")
		return ExitOK
	case "getinfo-devname":
		fmt.Fprintf(stdout, "ietkit STONITH proxy %s\n", cc.Proxy)
		return ExitOK
	case "getinfo-devdescr":
		fmt.Fprintln(stdout, "Powers a node off through its rack PDU outlets by asking an ietkit STONITH proxy host over ssh;"+
			" the proxy holds the PDU credentials and confirms every outlet is off before it answers.")
		return ExitOK
	case "getinfo-devurl":
		fmt.Fprintln(stdout, "https://github.com/ietkit/ietkit")
		return ExitOK
	case "getinfo-xml":
		fmt.Fprint(stdout, heartbeatXML())
		return ExitOK
	case "gethosts":
		if len(hosts) == 0 {
			return fail("hostlist is empty: set it to the nodes this device fences")
		}
		fmt.Fprintln(stdout, strings.Join(hosts, " "))
		return ExitOK
	}
	if err := (AgentOptions{Client: cc}).check(); err != nil {
		return fail("%v", err)
	}
	var action Action
	switch op {
	case "on":
		action = ActionOn
	case "off":
		action = ActionOff
	case "reset":
		action = ActionReboot
	case "status":
		// The device is reachable when the proxy answers for a node.
		if len(hosts) == 0 {
			return fail("hostlist is empty: set it to the nodes this device fences")
		}
		reply, err := ask(ctx, cc, ActionStatus, hosts[0])
		relay(stderr, reply)
		if err != nil {
			return fail("status: %v", err)
		}
		if reply.Code != ExitOK && reply.Code != ExitOff {
			return fail("status: the proxy could not read %s's outlets", hosts[0])
		}
		return ExitOK
	default:
		return fail("unknown operation %q", op)
	}
	if host == "" {
		return fail("%s needs a host", op)
	}
	// The stonith library lower-cases the host; the configuration may not.
	node := ""
	for _, h := range hosts {
		if strings.EqualFold(h, host) {
			node = h
		}
	}
	if node == "" {
		return fail("%s is not in hostlist (%s)", host, strings.Join(hosts, " "))
	}
	reply, err := ask(ctx, cc, action, node)
	relay(stderr, reply)
	if err != nil {
		return fail("%s %s: %v", op, node, err)
	}
	if reply.Code != ExitOK {
		return fail("%s %s failed", op, node)
	}
	return ExitOK
}

func heartbeatXML() string {
	desc := map[string]string{
		"hostlist":    "The nodes this device can fence, separated by spaces or commas",
		"proxy":       "The STONITH proxy: [USER@]HOST[:PORT], user stonith by default",
		"identity":    "Private ssh key that the proxy's authorized_keys names",
		"token_file":  "File (mode 0600) holding this node's token for the proxy",
		"known_hosts": "known_hosts file with the proxy's host key (default ~/.ssh/known_hosts)",
	}
	var b strings.Builder
	b.WriteString("<parameters>\n")
	for _, p := range heartbeatParams {
		req := "1"
		if p == "known_hosts" {
			req = "0"
		}
		fmt.Fprintf(&b, "<parameter name=%q unique=\"0\" required=%q>\n<content type=\"string\" />\n<shortdesc lang=\"en\">%s</shortdesc>\n<longdesc lang=\"en\">%s</longdesc>\n</parameter>\n",
			p, req, p, desc[p])
	}
	b.WriteString("</parameters>\n")
	return b.String()
}
