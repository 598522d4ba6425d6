package necism

import (
	"fmt"
	"time"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Every command line the driver runs is built here, once, for Plan and
// the actions alike. Volumes are always named by LD name (-xxflg ld), as
// in seed 000.

func queryArgv(bv string) []string {
	return []string{"iSMsc_query", "-bv", bv, "-bvflg", "ld", "-detail"}
}

func unlinkArgv(lv string) []string {
	return []string{"iSMsc_unlink", "-lv", lv, "-lvflg", "ld"}
}

func createArgv(bv, sv string) []string {
	return []string{"iSMsc_create", "-bv", bv, "-sv", sv, "-bvflg", "ld", "-svflg", "ld"}
}

func linkArgv(lv, sv string) []string {
	return []string{"iSMsc_link", "-lv", lv, "-sv", sv, "-lvflg", "ld", "-svflg", "ld"}
}

func linkStateStep(bv string) snapdrivers.Step {
	return snapdrivers.Step{Argv: queryArgv(bv), Check: true, Note: "which LVs are linked, before unlinking"}
}

func statusStep(bv string) snapdrivers.Step {
	return snapdrivers.Step{Argv: queryArgv(bv), Check: true, Note: "SV states and times, LV links"}
}

func settleStep(bv string, poll, wait time.Duration) snapdrivers.Step {
	return snapdrivers.Step{Argv: queryArgv(bv), Check: true,
		Note: fmt.Sprintf(`again every %s while an SV of %s is in a state ending in "ing", at most %s`, poll, bv, wait)}
}

func unlinkStep(p Pair) snapdrivers.Step {
	return snapdrivers.Step{Argv: unlinkArgv(p.LV), Note: "skipped when the LV is not linked"}
}

func createStep(p Pair) snapdrivers.Step {
	return snapdrivers.Step{Argv: createArgv(p.BV, p.SV)}
}

func linkStep(p Pair) snapdrivers.Step {
	return snapdrivers.Step{Argv: linkArgv(p.LV, p.SV)}
}
