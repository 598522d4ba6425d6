// Command ibmdssim simulates IBM's dscli for the ibmdsflash driver's
// tests: link it as dscli, set ARRAYSIM_DIR to a state directory seeded
// with the library's Seed, and optionally ARRAYSIM_TZ to the array's
// time zone.
package main

import (
	"os"

	"github.com/ietkit/ietkit/internal/arraysim/ibmds"
)

func main() { os.Exit(ibmds.Main()) }
