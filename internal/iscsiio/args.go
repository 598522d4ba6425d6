package main

import (
	"flag"
	"io"
	"strconv"
	"time"
)

// parseArgs parses args with fs, allowing flags before, between and after
// the positional arguments, of which there must be exactly len(names).
func parseArgs(fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != len(names) {
		return nil, usagef("want %d arguments (%v), got %d", len(names), names, len(pos))
	}
	return pos, nil
}

func parseUint(name, s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, usagef("%s: %q is not a number", name, s)
	}
	return n, nil
}

func parsePositiveDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("%s: %q is not a positive duration", name, s)
	}
	return d, nil
}
