// Package all is the registry of the array families snapsync knows: one
// function, no init-time registration, so that the list is read in one
// place.
package all

import (
	"maps"
	"slices"
	"strings"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
	"github.com/ietkit/ietkit/pkg/snapdrivers/gds"
	"github.com/ietkit/ietkit/pkg/snapdrivers/ibmds"
	"github.com/ietkit/ietkit/pkg/snapdrivers/necism"
	"github.com/ietkit/ietkit/pkg/snapdrivers/symclone"
)

func registry() map[string]snapdrivers.Factory {
	return map[string]snapdrivers.Factory{
		necism.Kind: func(_ string, sec *snapdrivers.Section, env snapdrivers.Env) (snapdrivers.Driver, error) {
			d, err := necism.New(sec, env)
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return d, nil
		},
		ibmds.Kind: func(_ string, sec *snapdrivers.Section, env snapdrivers.Env) (snapdrivers.Driver, error) {
			d, err := ibmds.New(sec, env)
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return d, nil
		},
		symclone.Kind: func(_ string, sec *snapdrivers.Section, env snapdrivers.Env) (snapdrivers.Driver, error) {
			d, err := symclone.New(sec, env)
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return d, nil
		},
		gds.Kind: func(_ string, sec *snapdrivers.Section, env snapdrivers.Env) (snapdrivers.Driver, error) {
			d, err := gds.New(sec, env)
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return d, nil
		},
	}
}

// Kinds lists the type keywords known.
func Kinds() []string {
	return slices.Sorted(maps.Keys(registry()))
}

// New builds the driver of kind for sec; it is a snapdrivers.Factory.
func New(kind string, sec *snapdrivers.Section, env snapdrivers.Env) (snapdrivers.Driver, error) {
	f, ok := registry()[kind]
	if !ok {
		return nil, sec.Errorf("type", "unknown type %q: want %s", kind, strings.Join(Kinds(), ", "))
	}
	return f(kind, sec, env)
}
