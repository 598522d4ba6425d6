package portblock

import (
	"errors"

	"github.com/coreos/go-iptables/iptables"
)

// IsNotExist reports whether err comes from an iptables command that
// failed because a chain or rule it names does not exist.
func IsNotExist(err error) bool {
	var e *iptables.Error
	return errors.As(err, &e) && e.IsNotExist()
}
