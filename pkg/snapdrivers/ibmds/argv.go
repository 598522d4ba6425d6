package ibmds

import (
	"strings"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Every dscli invocation is built here, and Plan and the actions both use
// these functions, so that print-plan shows exactly what runs.
//
// dscli reads its commands on stdin (facts 1.4): the command line carries
// only the session (management consoles, user, password file), so a
// password never appears in a process listing or in the log.

// dscliArgv is the session part: dscli [-hmc1 H] [-hmc2 H] -user U -pwfile F.
func (c *Config) dscliArgv() []string {
	argv := []string{c.DSCLI}
	if c.HMC1 != "" {
		argv = append(argv, "-hmc1", c.HMC1)
	}
	if c.HMC2 != "" {
		argv = append(argv, "-hmc2", c.HMC2)
	}
	return append(argv, "-user", c.User, "-pwfile", c.PWFile)
}

// lsflashScript lists the configured pairs in the delimited format, one
// dscli call for all pairs whatever their number (facts 1.4: setenv then
// lsflash -l).
func lsflashScript(array string, pairs []Pair) string {
	return "setenv -banner off -header on -format delim\n" +
		"lsflash -l -dev " + array + " " + joinPairs(pairs) + "\n"
}

// copyFlag is always explicit: -cp is dscli's default for mkflash and
// resyncflash, and a profile could change it (facts 1.4, commit d3ab653ed).
func copyFlag(bgcopy bool) string {
	if bgcopy {
		return "-cp"
	}
	return "-nocp"
}

// resyncflashScript refreshes pairs established with -record -persist.
// Seed 001: resyncflash -dev IBM.XXXX-XXXXXXX -persist -record -cp 0001:0002 0101:0102 0003:0004
func resyncflashScript(array string, bgcopy, tgtse bool, pairs []Pair) string {
	return cmdLine("resyncflash", "-dev", array, "-persist", "-record", copyFlag(bgcopy), seFlag(tgtse), joinPairs(pairs))
}

// rmflashScript withdraws pairs; -quiet because nobody answers dscli's
// "Are you sure" prompt on stdin.
func rmflashScript(array string, pairs []Pair) string {
	return cmdLine("rmflash", "-dev", array, "-quiet", joinPairs(pairs))
}

// mkflashScript establishes pairs again, persistent, without change
// recording (recording = no is why they were withdrawn).
func mkflashScript(array string, bgcopy, tgtse bool, pairs []Pair) string {
	return cmdLine("mkflash", "-dev", array, "-persist", copyFlag(bgcopy), seFlag(tgtse), joinPairs(pairs))
}

// seFlag allows a space-efficient target (the cluster agent sends pairs
// whose isTgtSE is ESE in a separate call with -tgtse, facts 1.4).
func seFlag(tgtse bool) string {
	if tgtse {
		return "-tgtse"
	}
	return ""
}

func cmdLine(words ...string) string {
	var kept []string
	for _, w := range words {
		if w != "" {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ") + "\n"
}

func joinPairs(pairs []Pair) string {
	s := make([]string, len(pairs))
	for i, p := range pairs {
		s[i] = p.String()
	}
	return strings.Join(s, " ")
}

// statusStep is the one query of Status, and the check before a resync.
func (d *Driver) statusStep() snapdrivers.Step {
	return snapdrivers.Step{
		Argv:  d.cfg.dscliArgv(),
		Stdin: lsflashScript(d.cfg.Array, d.cfg.Pairs),
		Check: true,
	}
}

// refreshSteps are the changes of a resync for pairs, tgtse telling
// whether they are the space-efficient ones.
func (d *Driver) refreshSteps(pairs []Pair, tgtse bool) []snapdrivers.Step {
	argv := d.cfg.dscliArgv()
	if d.cfg.Recording {
		return []snapdrivers.Step{{Argv: argv, Stdin: resyncflashScript(d.cfg.Array, d.cfg.BGCopy, tgtse, pairs)}}
	}
	return []snapdrivers.Step{
		{Argv: argv, Stdin: rmflashScript(d.cfg.Array, pairs)},
		{Argv: argv, Stdin: mkflashScript(d.cfg.Array, d.cfg.BGCopy, tgtse, pairs)},
	}
}
