package targetconf

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var cmpEquateAddr = cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })

// FuzzParse checks that Parse never panics, and that whatever it accepts
// formats to text that parses back to the same targets (parse → format →
// parse is stable).
func FuzzParse(f *testing.F) {
	for _, name := range []string{"full.conf", "minimal.conf", "included.conf"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if data, err := os.ReadFile(filepath.Join("..", "..", "etc", "examples", "target.conf")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("target iqn.2001-04.com.example:t \"iqn\\\\.x\",10.0.0.0/8\nuser incoming \"a\" \"b\\\"c\\\\\"\n"))
	f.Add([]byte("option HeaderDigest None,CRC32C\ntarget eui.0123456789ABCDEF [::1]\nlun 7 /x ScsiSN=\"a#b\""))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Includes resolve next to the file: name it where nothing is.
		c, err := Parse(bytes.NewReader(data), "/nonexistent/ietkit-fuzz/fuzz.conf")
		if err != nil {
			if c != nil {
				t.Fatal("error with a config")
			}
			return
		}
		assertRoundTrip(t, c)
		RenderIETDConf(c, "x")
		RenderInitiatorsAllow(c, "x")
	})
}
