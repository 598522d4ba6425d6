package testenv

import (
	"fmt"
	"time"
)

// awaitDaemon polls ready every 20 ms until it returns nil. It fails,
// having called stop, when the daemon exits first (done is closed) or
// does not get ready within 15 s; the error names the daemon and where it
// was to answer, and carries its log.
func awaitDaemon(name, where string, done <-chan struct{}, ready func() error, stop func(), log func() string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-done:
			stop()
			return fmt.Errorf("%s exited: %s", name, log())
		default:
		}
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("%s did not answer on %s: %v\n%s", name, where, err, log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
