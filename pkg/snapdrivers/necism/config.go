package necism

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Pair is one BV:SV:LV triple of the pairs keyword.
type Pair struct {
	BV string // base volume: the source
	SV string // snapshot volume of BV, recreated by each resync
	LV string // link volume: what hosts see, linked to SV
}

func (p Pair) String() string { return p.BV + ":" + p.SV + ":" + p.LV }

// Defaults of the driver's keywords.
const (
	DefaultCreateWait = 1200 * time.Second // the cluster agent's 40 retries × 30 s
	DefaultCreatePoll = 30 * time.Second
)

// config is what the keywords say.
type config struct {
	pairs      []Pair
	bvs        []string // distinct BVs, in the order of pairs
	createWait time.Duration
	createPoll time.Duration
}

func readConfig(sec *snapdrivers.Section) (config, error) {
	var c config
	var errs []error
	if _, err := sec.Required("pairs", "BV:SV:LV triples (base, snapshot and link volume LD names)"); err != nil {
		errs = append(errs, err)
	} else {
		var perrs []string
		c.pairs, perrs = parsePairs(sec.Fields("pairs"))
		for _, e := range perrs {
			errs = append(errs, sec.Errorf("pairs", "%s", e))
		}
	}
	var err error
	if c.createWait, err = sec.Seconds("create_wait", DefaultCreateWait); err != nil {
		errs = append(errs, err)
	}
	if c.createPoll, err = sec.Seconds("create_poll", DefaultCreatePoll); err != nil {
		errs = append(errs, err)
	} else if c.createPoll < time.Second {
		errs = append(errs, sec.Errorf("create_poll", "%s: want at least 1 second", c.createPoll))
	}
	if len(errs) > 0 {
		return config{}, errors.Join(errs...)
	}
	seen := map[string]bool{}
	for _, p := range c.pairs {
		if !seen[p.BV] {
			seen[p.BV] = true
			c.bvs = append(c.bvs, p.BV)
		}
	}
	return c, nil
}

// parsePairs reads BV:SV:LV triples. An SV or an LV may appear once:
// twice would unlink, recreate or link the same volume twice in one
// resync (the cluster agent refuses duplicates too, facts 1.3); a BV may
// have several SVs.
func parsePairs(fields []string) ([]Pair, []string) {
	var pairs []Pair
	var errs []string
	role := map[string]string{} // LD name -> "BV", "SV" or "LV" of its first use
	use := func(name, as string) {
		prev, ok := role[name]
		switch {
		case !ok:
			role[name] = as
		case as == "BV" && prev == "BV":
		case prev == as:
			errs = append(errs, fmt.Sprintf("%s %s appears twice", as, name))
		default:
			errs = append(errs, fmt.Sprintf("%s is used both as %s and as %s", name, prev, as))
		}
	}
	for _, f := range fields {
		parts := strings.Split(f, ":")
		if len(parts) != 3 {
			errs = append(errs, fmt.Sprintf("%q: want BV:SV:LV", f))
			continue
		}
		p := Pair{BV: parts[0], SV: parts[1], LV: parts[2]}
		bad := false
		for _, n := range parts {
			if msg := checkName(n); msg != "" {
				errs = append(errs, fmt.Sprintf("%q: %s", f, msg))
				bad = true
			}
		}
		if bad {
			continue
		}
		use(p.BV, "BV")
		use(p.SV, "SV")
		use(p.LV, "LV")
		pairs = append(pairs, p)
	}
	if len(pairs) == 0 && len(errs) == 0 {
		errs = append(errs, "no pair: want BV:SV:LV triples")
	}
	return pairs, errs
}

// checkName refuses what an iSM command line could not take as an LD
// name: nothing, a leading '-' (an option) or a control character.
func checkName(n string) string {
	switch {
	case n == "":
		return "an empty volume name"
	case strings.HasPrefix(n, "-"):
		return fmt.Sprintf("volume name %q starts with '-'", n)
	}
	for _, r := range n {
		if r < 0x21 || r > 0x7e {
			return fmt.Sprintf("volume name %q: only printable ASCII", n)
		}
	}
	return ""
}
