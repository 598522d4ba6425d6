package testenv

import (
	"fmt"
	"testing"
)

// recorder stands in for a testing.TB and records how a helper ended
// the test, without ending the real one.
type recorder struct {
	testing.TB
	skipped string
	fatal   string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) { r.skipped = fmt.Sprint(args...) }

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestSkipHonoursDisallow(t *testing.T) {
	const missing = "ietkit-no-such-tool-4f1c"
	tests := []struct {
		name      string
		env       string
		call      func(testing.TB)
		wantSkip  bool
		wantFatal bool
	}{
		{"missing tool skips", "", func(tb testing.TB) { RequireTool(tb, "sh", missing) }, true, false},
		{"missing tool fails in CI", "1", func(tb testing.TB) { RequireTool(tb, missing) }, false, true},
		{"present tool passes", "1", func(tb testing.TB) { RequireTool(tb, "sh") }, false, false},
		{"skip skips", "0", func(tb testing.TB) { Skip(tb, "no %s", "disk") }, true, false},
		{"skip fails in CI", "1", func(tb testing.TB) { Skip(tb, "no %s", "disk") }, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(DisallowSkipEnv, tt.env)
			r := &recorder{TB: t}
			tt.call(r)
			if got := r.skipped != ""; got != tt.wantSkip {
				t.Errorf("skipped %q, want skip: %v", r.skipped, tt.wantSkip)
			}
			if got := r.fatal != ""; got != tt.wantFatal {
				t.Errorf("failed %q, want failure: %v", r.fatal, tt.wantFatal)
			}
		})
	}
}

func TestRequireToolNamesMissing(t *testing.T) {
	t.Setenv(DisallowSkipEnv, "1")
	r := &recorder{TB: t}
	RequireTool(r, "ietkit-missing-a", "sh", "ietkit-missing-b")
	want := "test requires ietkit-missing-a, ietkit-missing-b in PATH (skips are disallowed by IETKIT_TEST_DISALLOW_SKIP=1)"
	if r.fatal != want {
		t.Errorf("got %q, want %q", r.fatal, want)
	}
}
