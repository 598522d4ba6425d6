package portblock

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/coreos/go-iptables/iptables"
)

const (
	table       = "filter"
	inputChain  = "INPUT"
	ruleComment = "ietkit"
)

// ruleSpec is the rule that drops p's traffic inside our chain. The chain
// is only reached for TCP to the port, so the rule need not name it.
func ruleSpec(p netip.Prefix) []string {
	return []string{"-s", p.String(), "-m", "comment", "--comment", ruleComment, "-j", "DROP"}
}

// jumpSpec is the INPUT rule that sends traffic to port through chain.
func jumpSpec(chain string, port int) []string {
	return []string{"-p", "tcp", "--dport", strconv.Itoa(port), "-j", chain}
}

func protocolOf(p netip.Prefix) iptables.Protocol {
	if p.Addr().Is4() {
		return iptables.ProtocolIPv4
	}
	return iptables.ProtocolIPv6
}

func commandOf(proto iptables.Protocol) string {
	if proto == iptables.ProtocolIPv6 {
		return "ip6tables"
	}
	return "iptables"
}

// tables returns the iptables handle for p's family, creating it on first
// use, so that a Blocker that only ever sees IPv4 never needs ip6tables.
func (b *Blocker) tables(p netip.Prefix) (*iptables.IPTables, error) {
	proto := protocolOf(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	if ipt := b.ipt[proto]; ipt != nil {
		return ipt, nil
	}
	ipt, err := iptables.New(iptables.IPFamily(proto))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", commandOf(proto), err)
	}
	b.ipt[proto] = ipt
	return ipt, nil
}

// ensureChain creates our chain if it is missing, without flushing it
// (other blocks may live there), and puts the jump to it first in INPUT.
func ensureChain(ipt *iptables.IPTables, chain string, port int) error {
	ok, err := ipt.ChainExists(table, chain)
	if err != nil {
		return fmt.Errorf("check chain %s: %w", chain, err)
	}
	if !ok {
		if err := ipt.NewChain(table, chain); err != nil {
			// Someone may have created it meanwhile; only a chain that is
			// still missing is a failure.
			if ok, _ := ipt.ChainExists(table, chain); !ok {
				return fmt.Errorf("create chain %s: %w", chain, err)
			}
		}
	}
	if err := ipt.InsertUnique(table, inputChain, 1, jumpSpec(chain, port)...); err != nil {
		return fmt.Errorf("add jump from %s to %s: %w", inputChain, chain, err)
	}
	return nil
}

// deleteRule removes p's rule from chain if it is there. A missing chain
// means a missing rule.
func deleteRule(ipt *iptables.IPTables, chain string, p netip.Prefix) error {
	err := ipt.DeleteIfExists(table, chain, ruleSpec(p)...)
	if err != nil && !IsNotExist(err) {
		return err
	}
	return nil
}

// ruleExists tells whether p's rule is in chain.
func ruleExists(ipt *iptables.IPTables, chain string, p netip.Prefix) (bool, error) {
	ok, err := ipt.Exists(table, chain, ruleSpec(p)...)
	if err != nil && IsNotExist(err) {
		return false, nil
	}
	return ok, err
}
