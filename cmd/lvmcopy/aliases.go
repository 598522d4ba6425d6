package main

import "path/filepath"

// aliases maps the old command names to lvmcopy's subcommands; their
// options are the subcommands' own.
var aliases = map[string][]string{
	"lvm_copy":        {"copy"},
	"lvm_snap_create": {"snap", "create"},
	"lvm_snap_remove": {"snap", "remove"},
	"lvm_snap_copy":   {"snap", "copy"},
	"lvm_iostat":      {"iostat"},
}

// aliasArgs rewrites the arguments of an invocation under an old name.
func aliasArgs(args []string) []string {
	if len(args) == 0 {
		return args
	}
	sub, ok := aliases[filepath.Base(args[0])]
	if !ok {
		return args
	}
	out := append([]string{"lvmcopy"}, sub...)
	return append(out, args[1:]...)
}
