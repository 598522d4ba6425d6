// Command symclonesim stands in for EMC Solutions Enabler's symclone and
// symld in tests: link it under those names, set ARRAYSIM_DIR (and
// ARRAYSIM_TZ), and run it as the commands. See package
// internal/arraysim/symclone.
package main

import (
	"os"
	"path/filepath"

	"github.com/ietkit/ietkit/internal/arraysim/symclone"
)

func main() {
	os.Exit(symclone.Main(filepath.Base(os.Args[0]), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
