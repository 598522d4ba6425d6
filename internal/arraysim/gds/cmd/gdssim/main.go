// Command gdssim simulates the PRIMECLUSTER GDS commands sdxinfo,
// sdxproxy and sdxvolume for tests: link it under those names and run
// it with $ARRAYSIM_DIR set to the state directory (see
// internal/arraysim/gds). sdxinfo prints no times, so $ARRAYSIM_TZ is
// not used.
package main

import (
	"os"
	"path/filepath"

	"github.com/ietkit/ietkit/internal/arraysim/gds"
)

func main() {
	os.Exit(gds.Main(filepath.Base(os.Args[0]), os.Args[1:], os.Getenv("ARRAYSIM_DIR"), os.Stdout, os.Stderr))
}
