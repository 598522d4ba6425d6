// Command necismsim simulates NEC iSM's snapshot commands (iSMsc_query,
// iSMsc_create, iSMsc_link, iSMsc_unlink): link it under those names.
// State is in $ARRAYSIM_DIR, times are printed in $ARRAYSIM_TZ. See
// package internal/arraysim/necism.
package main

import (
	"os"
	_ "time/tzdata" // ARRAYSIM_TZ must resolve on hosts without zoneinfo

	"github.com/ietkit/ietkit/internal/arraysim/necism"
)

func main() {
	os.Exit(necism.Main(os.Args, os.Getenv, os.Stdout, os.Stderr))
}
