package all

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/snapdrivers"
)

// TestExampleServiceFile builds every resource of the shipped example, so
// that its keywords stay those the drivers take.
func TestExampleServiceFile(t *testing.T) {
	f, err := os.Open("../../../etc/examples/snapsync/oradb.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sf, err := snapdrivers.ParseServiceFile(f, "oradb.conf")
	if err != nil {
		t.Fatal(err)
	}
	env := snapdrivers.Env{Exec: &snapdrivers.Exec{Runner: remote.Local{}}, Location: time.UTC, Now: time.Now}
	for _, sec := range sf.Sections {
		kind := sec.Get("type")
		for _, k := range []string{"sync_min_delay", "sync_max_delay", "precheck", "timezone"} {
			sec.Get(k) // the engine's
		}
		_, err := New(kind, sec, env)
		if kind == "ibmdsflash" {
			// Its credentials files do not exist here: refused, by name.
			if err == nil || !strings.Contains(err.Error(), "auth.conf") {
				t.Errorf("%s: err = %v, want a refusal naming auth.conf", sec.Name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", sec.Name, err)
		}
		if errs := sec.Unused(); len(errs) > 0 {
			t.Errorf("%s: %v", sec.Name, errs)
		}
	}
	if _, err := New("hal9000", sf.Sections[0], env); err == nil || !strings.Contains(err.Error(), `unknown type "hal9000": want gdsproxy, ibmdsflash, necism, symclone`) {
		t.Errorf("unknown type: %v", err)
	}
}
