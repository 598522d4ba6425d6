package necism

import (
	"fmt"
	"time"

	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// Kind is the type keyword of NEC iSM snapshot resources.
const Kind = "necism"

// Driver drives one resource's NEC iSM snapshot pairs.
type Driver struct {
	config
	env snapdrivers.Env
}

var _ snapdrivers.Driver = (*Driver)(nil)

// New reads and checks the resource's keywords (pairs, create_wait,
// create_poll); errors name file:line.
func New(sec *snapdrivers.Section, env snapdrivers.Env) (*Driver, error) {
	c, err := readConfig(sec)
	if err != nil {
		return nil, err
	}
	if env.Location == nil {
		env.Location = time.Local
	}
	return &Driver{config: c, env: env}, nil
}

// Kind implements snapdrivers.Driver.
func (d *Driver) Kind() string { return Kind }

// Plan implements snapdrivers.Driver.
func (d *Driver) Plan(action snapdrivers.Action) ([]snapdrivers.Step, error) {
	var steps []snapdrivers.Step
	switch action {
	case snapdrivers.ActionResync, snapdrivers.ActionUpdate:
		for _, bv := range d.bvs {
			steps = append(steps, linkStateStep(bv))
		}
		for _, p := range d.pairs {
			steps = append(steps, unlinkStep(p))
		}
		for _, p := range d.pairs {
			steps = append(steps, settleStep(p.BV, d.createPoll, d.createWait), createStep(p))
		}
		for _, p := range d.pairs {
			steps = append(steps, linkStep(p))
		}
	case snapdrivers.ActionStatus:
		for _, bv := range d.bvs {
			steps = append(steps, statusStep(bv))
		}
	case snapdrivers.ActionBreak:
		return nil, errBreak
	default:
		return nil, fmt.Errorf("%s: plan %q: unknown action", Kind, action)
	}
	return steps, nil
}

// errBreak: NEC link volumes are always usable, there is nothing to
// split (facts 1.3: the cluster agent has no break action).
var errBreak = fmt.Errorf("%s: break: link volumes are always read-write: %w", Kind, snapdrivers.ErrNotSupported)
