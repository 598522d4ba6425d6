package fence

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Identity is what the proxy knows of who connected, from the forced
// command and sshd's environment; none of it comes from the caller's
// command line.
type Identity struct {
	// Caller is the forced command's --caller, when it has one: the
	// authorized_keys line binds it to one key.
	Caller string
	// Keys are the fingerprints of the keys the session authenticated
	// with (sshd's ExposeAuthInfo, SSH_USER_AUTH), when known.
	Keys []string
	// Node is the forced command's --node: the node this key may fence.
	Node string
}

// Decision is an allowed request.
type Decision struct {
	Caller  string
	Node    string
	Action  Action
	Outlets []OutletRef
}

// PolicyError is a refusal; it wraps ErrNotAllowed. Caller is who it was
// refused to, as far as the proxy could tell (for the audit and the
// lock-out), or "".
type PolicyError struct {
	Caller string
	Reason string
}

func (e *PolicyError) Error() string { return "not allowed: " + e.Reason }
func (e *PolicyError) Unwrap() error { return ErrNotAllowed }

// IdentifyCaller names the caller: the forced command's --caller (whose
// configured keys, if any, must include the session's key when sshd
// exposes it), or else the one caller whose key the session used.
func (c *Config) IdentifyCaller(id Identity) (string, error) {
	refuse := func(caller, format string, args ...any) (string, error) {
		return "", &PolicyError{Caller: caller, Reason: fmt.Sprintf(format, args...)}
	}
	if id.Caller != "" {
		cl, ok := c.Callers[id.Caller]
		if !ok {
			return refuse("", "caller %q is not configured", id.Caller)
		}
		if len(cl.Keys) > 0 && len(id.Keys) > 0 && !anyIn(id.Keys, cl.Keys) {
			return refuse(cl.Name, "the session's key %s is not one of caller %s's", strings.Join(id.Keys, ","), cl.Name)
		}
		return cl.Name, nil
	}
	if len(id.Keys) == 0 {
		return refuse("", "cannot tell which caller connected: add --caller NAME to the forced command, or set ExposeAuthInfo yes in sshd_config and key= in the caller's line")
	}
	var found []string
	for _, name := range slices.Sorted(maps.Keys(c.Callers)) {
		if anyIn(id.Keys, c.Callers[name].Keys) {
			found = append(found, name)
		}
	}
	switch len(found) {
	case 0:
		return refuse("", "the session's key %s is no configured caller's", strings.Join(id.Keys, ","))
	case 1:
		return found[0], nil
	}
	return refuse("", "the session's keys belong to several callers (%s)", strings.Join(found, ", "))
}

// Authorize decides whether caller may do req to the forced command's
// node. It checks, in order: the node is configured and the caller may
// fence it; a node named in the request is that node; the token matches
// the caller's hash (in constant time). Every refusal is a *PolicyError.
func (c *Config) Authorize(caller, node string, req Request) (Decision, error) {
	refuse := func(format string, args ...any) (Decision, error) {
		return Decision{}, &PolicyError{Caller: caller, Reason: fmt.Sprintf(format, args...)}
	}
	cl, ok := c.Callers[caller]
	if !ok {
		return refuse("caller %q is not configured", caller)
	}
	if node == "" {
		return refuse("the forced command names no node (--node)")
	}
	nd, ok := c.Nodes[node]
	if !ok {
		return refuse("node %q is not configured", node)
	}
	if !slices.Contains(cl.MayFence, node) {
		return refuse("caller %s may not fence node %s", caller, node)
	}
	if req.Node != "" && req.Node != node {
		return refuse("the request names node %s, but this key may fence only %s", req.Node, node)
	}
	if !cl.Token.Verify(req.Token) {
		return refuse("wrong token for caller %s", caller)
	}
	return Decision{Caller: caller, Node: node, Action: req.Action, Outlets: slices.Clone(nd.Outlets)}, nil
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}
