package targetconf

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestRenderGolden(t *testing.T) {
	for _, name := range []string{"full", "minimal"} {
		t.Run(name, func(t *testing.T) {
			c, err := Load(filepath.Join("testdata", name+".conf"))
			if err != nil {
				t.Fatal(err)
			}
			const src = "/etc/iscsi-target/target.conf"
			golden(t, name+".ietd.conf", RenderIETDConf(c, src))
			golden(t, name+".initiators.allow", RenderInitiatorsAllow(c, src))
			golden(t, name+".initiators.deny", RenderInitiatorsDeny(c, src))
			golden(t, name+".formatted.conf", Format(c))
		})
	}
}

// TestRenderIETDConfShape checks properties ietd relies on, whatever the
// input: a final newline on every line of initiators.*, no comment after
// a value, and no continuation lines.
func TestRenderIETDConfShape(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "full.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{
		"ietd.conf":        RenderIETDConf(c, "x"),
		"initiators.allow": RenderInitiatorsAllow(c, "x"),
		"initiators.deny":  RenderInitiatorsDeny(c, "x"),
	} {
		if !bytes.HasSuffix(out, []byte("\n")) {
			t.Errorf("%s lacks a final newline", name)
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && f[0] != "#" && strings.Contains(line, "#") && !strings.Contains(line, "User") {
				t.Errorf("%s:%d: '#' after a value: %q", name, i+1, line)
			}
			if strings.HasSuffix(line, "\\") {
				t.Errorf("%s:%d: continuation line: %q", name, i+1, line)
			}
		}
	}
	allow := string(RenderInitiatorsAllow(c, "x"))
	if strings.Contains(allow, "\nALL") {
		t.Errorf("initiators.allow has a catch-all line that would shadow targets:\n%s", allow)
	}
}

// TestFormatRoundTrip: Format's output parses back to the same Config.
func TestFormatRoundTrip(t *testing.T) {
	for _, name := range []string{"full", "minimal"} {
		c, err := Load(filepath.Join("testdata", name+".conf"))
		if err != nil {
			t.Fatal(err)
		}
		assertRoundTrip(t, c)
	}
}

func assertRoundTrip(t *testing.T, c *Config) {
	t.Helper()
	out := Format(c)
	c2, err := Parse(bytes.NewReader(out), "formatted.conf")
	if err != nil {
		t.Fatalf("formatted config does not parse: %v\n%s", err, out)
	}
	opts := []cmp.Option{
		cmp.Comparer(func(a, b Pos) bool { return true }),
		cmp.Comparer(func(a, b Warning) bool { return a.Msg == b.Msg }),
		cmp.Comparer(func(a, b Config) bool { return true }),
	}
	c1 := *c
	c1.File, c2.File = "", ""
	if diff := cmp.Diff(c1.Targets, c2.Targets, append(opts, cmpEquateAddr)...); diff != "" {
		t.Errorf("targets differ after round trip (-orig +formatted):\n%s\n%s", diff, out)
	}
	if string(Format(c2)) != string(out) {
		t.Errorf("Format is not stable:\n%s\n---\n%s", out, Format(c2))
	}
}
