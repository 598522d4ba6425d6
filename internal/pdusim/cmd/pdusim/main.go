// Command pdusim is a simulated APC PDU for tests: a net-snmp
// pass_persist handler for .1.3.6.1.4.1.318 (see package pdusim).
//
//	pass_persist .1.3.6.1.4.1.318 /path/to/pdusim --state /path/to/state.json
//
// It logs to stderr, which snmpd passes on to its own.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/ietkit/ietkit/internal/pdusim"
)

func main() {
	statePath := flag.String("state", "", "the JSON state `file` of the outlets (required)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("prog", "pdusim", "state", *statePath)
	if *statePath == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: pdusim --state FILE")
		os.Exit(2)
	}
	store := &pdusim.Store{Path: *statePath}
	// A handler that cannot read its state fails now, where snmpd's log
	// shows it, rather than answering NONE to everything.
	if _, err := store.Load(); err != nil {
		log.Error("cannot start", "err", err)
		os.Exit(1)
	}
	h := &pdusim.Handler{Store: store, Log: log}
	if err := h.Serve(os.Stdin, bufio.NewWriter(os.Stdout)); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}
