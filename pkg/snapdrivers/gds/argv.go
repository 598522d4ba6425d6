package gds

import (
	"fmt"
	"strings"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Every sdx command line the driver runs is built here, once, so that
// Plan shows exactly what the actions run.

// volumesStep lists every volume of the class with its MASTER and PROXY
// fields. One class-wide listing instead of seed 004's
// `sdxinfo -V -c CLASS -o PROXY -e long` per proxy: -o takes a single
// object, and the GDS guide warns against running sdxinfo "multiple
// times and continuously" (facts 2.4), so a resource of 64 pairs makes
// one call, not 64.
func (d *Driver) volumesStep() snapdrivers.Step {
	return snapdrivers.Step{
		Argv:  []string{"sdxinfo", "-V", "-c", d.class, "-e", "long"},
		Check: true,
		Note:  "MASTER and PROXY of every proxy, one listing for the class",
	}
}

// slicesStep lists every slice of the class with its status; class-wide
// for the same reason as volumesStep.
func (d *Driver) slicesStep(note string) snapdrivers.Step {
	return snapdrivers.Step{
		Argv:  []string{"sdxinfo", "-S", "-c", d.class},
		Check: true,
		Note:  note,
	}
}

// partStep parts the proxies in one call, so that GDS takes the
// snapshot of all of them at the same moment (facts 2.4: a proxy group
// gives a consistent snapshot; sdxproxy Part takes "-p proxy,...").
// The JRM mode for proxies is always given, even when it is GDS's
// default, so that what runs never depends on a default: seed 004 step
// 3-3 explains why it must be off when the parted proxy is written to
// from elsewhere (a backup server).
func (d *Driver) partStep(proxies []string) snapdrivers.Step {
	pjrm := "off"
	if d.pjrm {
		pjrm = "on"
	}
	return snapdrivers.Step{
		Argv: []string{"sdxproxy", "Part", "-c", d.class, "-p", strings.Join(proxies, ","), "-a", "pjrm=" + pjrm},
		Note: "all proxies in one call: one consistent snapshot",
	}
}

// rejoinStep rejoins the proxies in one call (seed 004 step 8-1).
func (d *Driver) rejoinStep(proxies []string) snapdrivers.Step {
	return snapdrivers.Step{
		Argv: []string{"sdxproxy", "Rejoin", "-c", d.class, "-p", strings.Join(proxies, ",")},
		Note: "proxies already joined are left out",
	}
}

// waitNote describes the copy wait in a plan.
func (d *Driver) waitNote() string {
	return fmt.Sprintf("every %s until every slice of the proxies is STOP, at most %s",
		secs(d.pollInterval), secs(d.copyTimeout))
}
