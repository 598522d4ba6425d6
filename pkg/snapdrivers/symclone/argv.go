package symclone

import (
	"fmt"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// The commands, found in snapsync's --path directories (/usr/symcli/bin)
// or PATH.
const (
	symcloneCmd = "symclone"
	symldCmd    = "symld"
)

// lockRetry is "-i 20 -c 30": symcli retries taking its locks on the
// host database and the array 30 times, 20 s apart, rather than failing
// when another symcli holds them. The agent has always passed these
// values (seed 002, facts 1.2).
var lockRetry = []string{"-i", "20", "-c", "30"}

// pairArgs names pairs as symclone takes them from a device group:
// "DEV001 sym ld CLONE001 DEV002 sym ld CLONE002" (seed 002).
func pairArgs(pairs []Pair) []string {
	var a []string
	for _, p := range pairs {
		a = append(a, p.Source, "sym", "ld", p.Target)
	}
	return a
}

// queryStep reads the state of every pair of the group.
func (d *Driver) queryStep(note string) snapdrivers.Step {
	return snapdrivers.Step{Argv: []string{symcloneCmd, "-g", d.dg, "query"}, Check: true, Note: note}
}

// listStep reads the group's devices with their clone session details,
// among which the time of the last clone action.
func (d *Driver) listStep() snapdrivers.Step {
	return snapdrivers.Step{Argv: []string{symldCmd, "-g", d.dg, "list", "-v"}, Check: true}
}

// recreateStep refreshes pairs from their sources; with -precopy the
// array starts copying at once, so that the next activate has little
// left to copy.
func (d *Driver) recreateStep(pairs []Pair) snapdrivers.Step {
	argv := []string{symcloneCmd, "-g", d.dg, "-noprompt", "recreate"}
	if d.precopy {
		argv = append(argv, "-precopy")
	}
	argv = append(argv, lockRetry...)
	return snapdrivers.Step{Argv: append(argv, pairArgs(pairs)...)}
}

// activateStep makes the targets a point-in-time copy of their sources,
// read-write; -consistent suspends writes to the sources meanwhile so
// that all pairs are taken at the same instant.
func (d *Driver) activateStep(pairs []Pair) snapdrivers.Step {
	argv := append([]string{symcloneCmd, "-g", d.dg, "-noprompt", "activate"}, lockRetry...)
	if d.consistent {
		argv = append(argv, "-consistent")
	}
	return snapdrivers.Step{Argv: append(argv, pairArgs(pairs)...)}
}

// waitStep is the query polled after activate.
func (d *Driver) waitStep() snapdrivers.Step {
	return d.queryStep(fmt.Sprintf("every %s until every pair is Copied, at most %s", d.pollInterval, d.activateTimeout))
}
