package pdusim

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// newHandler returns a handler over a state file of st in a new
// directory, and its log.
func newHandler(t *testing.T, st State) (*Handler, *bytes.Buffer) {
	t.Helper()
	store := &Store{Path: filepath.Join(t.TempDir(), "state.json")}
	if err := store.Write(st); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	return &Handler{
		Store: store,
		Log:   slog.New(slog.NewTextHandler(&log, nil)),
		Now:   func() time.Time { return testTime },
	}, &log
}

// serve feeds the lines of in to h and returns its output, split in
// lines.
func serve(t *testing.T, h *Handler, in ...string) []string {
	t.Helper()
	var out bytes.Buffer
	if err := h.Serve(strings.NewReader(strings.Join(in, "\n")+"\n"), &out); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

func threeOutlets() State {
	st := NewState(3)
	st.Outlets[1].State = Off
	st.Outlets[2].Name = "node2 psu1"
	return st
}

func TestServeGet(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"ping", []string{"PING"}, []string{"PONG"}},
		{"ping twice", []string{"PING", "PING"}, []string{"PONG", "PONG"}},
		{"num outlets", []string{"get", OIDNumOutlets}, []string{OIDNumOutlets, "integer", "3"}},
		{"control on", []string{"get", OIDControl + ".1"}, []string{OIDControl + ".1", "integer", "1"}},
		{"control off", []string{"get", OIDControl + ".2"}, []string{OIDControl + ".2", "integer", "2"}},
		{"status off", []string{"get", OIDStatus + ".2"}, []string{OIDStatus + ".2", "integer", "2"}},
		{"spdu on", []string{"get", OIDSPDUCtl + ".3"}, []string{OIDSPDUCtl + ".3", "integer", "1"}},
		{"default name", []string{"get", OIDName + ".1"}, []string{OIDName + ".1", "string", "Outlet 1"}},
		{"configured name", []string{"get", OIDName + ".3"}, []string{OIDName + ".3", "string", "node2 psu1"}},
		{"no such outlet", []string{"get", OIDStatus + ".4"}, []string{"NONE"}},
		{"outlet zero", []string{"get", OIDStatus + ".0"}, []string{"NONE"}},
		{"table, not instance", []string{"get", OIDStatus}, []string{"NONE"}},
		{"outside", []string{"get", ".1.3.6.1.2.1.1.2.0"}, []string{"NONE"}},
		{"bad OID", []string{"get", ".1.3.x"}, []string{"NONE"}},
		{"no leading dot", []string{"get", strings.TrimPrefix(OIDNumOutlets, ".")}, []string{OIDNumOutlets, "integer", "3"}},
		// snmpd sends the subtree itself to start a walk.
		{"getnext root", []string{"getnext", Enterprise}, []string{OIDSPDUCtl + ".1", "integer", "1"}},
		{"getnext in table", []string{"getnext", OIDStatus + ".1"}, []string{OIDStatus + ".2", "integer", "2"}},
		{"getnext table end", []string{"getnext", OIDSPDUCtl + ".3"}, []string{OIDNumOutlets, "integer", "3"}},
		{"getnext between columns", []string{"getnext", OIDControl + ".3"}, []string{OIDName + ".1", "string", "Outlet 1"}},
		{"getnext past the end", []string{"getnext", OIDStatus + ".3"}, []string{"NONE"}},
		{"getnext arc beyond", []string{"getnext", OIDStatus + ".3.1"}, []string{"NONE"}},
		{"getnext inside an instance", []string{"getnext", OIDStatus + ".1.5"}, []string{OIDStatus + ".2", "integer", "2"}},
		{"session", []string{"PING", "get", OIDStatus + ".1", "PING", "getnext", OIDStatus + ".1"},
			[]string{"PONG", OIDStatus + ".1", "integer", "1", "PONG", OIDStatus + ".2", "integer", "2"}},
		{"empty lines ignored", []string{"", "PING"}, []string{"PONG"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newHandler(t, threeOutlets())
			if diff := cmp.Diff(tc.want, serve(t, h, tc.in...)); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if sets, err := h.Store.Sets(); err != nil || len(sets) != 0 {
				t.Errorf("sets log after reads = %v, %v; want empty", sets, err)
			}
		})
	}
}

func TestServeWalkCoversEverything(t *testing.T) {
	h, _ := newHandler(t, threeOutlets())
	oid := Enterprise
	var got []string
	for i := 0; i < 100; i++ {
		out := serve(t, h, "getnext", oid)
		if out[0] == "NONE" {
			break
		}
		if len(out) != 3 {
			t.Fatalf("getnext %s = %q, want 3 lines", oid, out)
		}
		got = append(got, out[0])
		oid = out[0]
	}
	// 1 scalar and 4 columns of 3 outlets.
	if len(got) != 13 {
		t.Errorf("walk found %d objects, want 13: %q", len(got), got)
	}
	for i := 1; i < len(got); i++ {
		a, _ := ParseOID(got[i-1])
		b, _ := ParseOID(got[i])
		if slices.Compare(a, b) >= 0 {
			t.Errorf("walk not increasing: %s then %s", got[i-1], got[i])
		}
	}
}

func TestServeSet(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stuck     bool
		oid, tv   string
		want      string
		wantState []string // outlets 1-3 after
		wantSets  []SetRecord
	}{
		{name: "immediateOff", oid: OIDControl + ".1", tv: "integer 2", want: "DONE",
			wantState: []string{Off, Off, On}, wantSets: []SetRecord{{testTime, OIDControl + ".1", 2}}},
		{name: "immediateOn", oid: OIDControl + ".2", tv: "integer 1", want: "DONE",
			wantState: []string{On, On, On}, wantSets: []SetRecord{{testTime, OIDControl + ".2", 1}}},
		{name: "immediateReboot ends on", oid: OIDControl + ".2", tv: "integer 3", want: "DONE",
			wantState: []string{On, On, On}, wantSets: []SetRecord{{testTime, OIDControl + ".2", 3}}},
		{name: "sPDUOutletCtl off", oid: OIDSPDUCtl + ".3", tv: "integer 2", want: "DONE",
			wantState: []string{On, Off, Off}, wantSets: []SetRecord{{testTime, OIDSPDUCtl + ".3", 2}}},
		{name: "sPDUOutletCtl on", oid: OIDSPDUCtl + ".2", tv: "INTEGER 1", want: "DONE",
			wantState: []string{On, On, On}, wantSets: []SetRecord{{testTime, OIDSPDUCtl + ".2", 1}}},
		{name: "stuck outlet accepts and stays", stuck: true, oid: OIDControl + ".1", tv: "integer 2", want: "DONE",
			wantState: []string{On, Off, On}, wantSets: []SetRecord{{testTime, OIDControl + ".1", 2}}},
		{name: "status is read-only", oid: OIDStatus + ".1", tv: "integer 2", want: "not-writable",
			wantState: []string{On, Off, On}},
		{name: "name is read-only", oid: OIDName + ".1", tv: `string "x"`, want: "not-writable",
			wantState: []string{On, Off, On}},
		{name: "num outlets is read-only", oid: OIDNumOutlets, tv: "integer 4", want: "not-writable",
			wantState: []string{On, Off, On}},
		{name: "no such outlet", oid: OIDControl + ".4", tv: "integer 2", want: "not-writable",
			wantState: []string{On, Off, On}},
		{name: "outside", oid: ".1.3.6.1.4.1.318.9", tv: "integer 2", want: "not-writable",
			wantState: []string{On, Off, On}},
		{name: "string to an integer", oid: OIDControl + ".1", tv: `string "2"`, want: "wrong-type",
			wantState: []string{On, Off, On}},
		{name: "gauge to an integer", oid: OIDControl + ".1", tv: "gauge 2", want: "wrong-type",
			wantState: []string{On, Off, On}},
		{name: "value out of range", oid: OIDControl + ".1", tv: "integer 4", want: "wrong-value",
			wantState: []string{On, Off, On}},
		{name: "value zero", oid: OIDSPDUCtl + ".1", tv: "integer 0", want: "wrong-value",
			wantState: []string{On, Off, On}},
		{name: "value not a number", oid: OIDControl + ".1", tv: "integer x", want: "wrong-value",
			wantState: []string{On, Off, On}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := threeOutlets()
			st.Outlets[0].Stuck = tc.stuck
			h, _ := newHandler(t, st)
			// As snmpd does: PING, then the three lines of a set.
			got := serve(t, h, "PING", "set", tc.oid, tc.tv)
			if diff := cmp.Diff([]string{"PONG", tc.want}, got); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			after, err := h.Store.Load()
			if err != nil {
				t.Fatal(err)
			}
			var states []string
			for _, o := range after.Outlets {
				states = append(states, o.State)
			}
			if diff := cmp.Diff(tc.wantState, states); diff != "" {
				t.Errorf("outlet states (-want +got):\n%s", diff)
			}
			if after.Outlets[0].Stuck != tc.stuck || after.Outlets[2].Name != "node2 psu1" {
				t.Errorf("set changed more than the state: %+v", after.Outlets)
			}
			sets, err := h.Store.Sets()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantSets, sets); diff != "" {
				t.Errorf("sets log (-want +got):\n%s", diff)
			}
		})
	}
}

// TestServeRereadsState is what lets a test change an outlet between
// two requests of one long-running handler.
func TestServeRereadsState(t *testing.T) {
	h, _ := newHandler(t, threeOutlets())
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.Serve(inR, outW); outW.Close() }()
	buf := make([]byte, 256)
	ask := func(lines ...string) string {
		t.Helper()
		if _, err := inW.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
			t.Fatal(err)
		}
		n, err := outR.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
	want := OIDStatus + ".1\ninteger\n1\n"
	if got := ask("get", OIDStatus+".1"); got != want {
		t.Fatalf("first get = %q, want %q", got, want)
	}
	if err := h.Store.Update(func(st *State) error { st.Outlets[0].State = Off; return nil }); err != nil {
		t.Fatal(err)
	}
	want = OIDStatus + ".1\ninteger\n2\n"
	if got := ask("get", OIDStatus+".1"); got != want {
		t.Errorf("get after the state changed = %q, want %q", got, want)
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve at the end of input: %v", err)
	}
}

func TestServeBrokenState(t *testing.T) {
	h, log := newHandler(t, threeOutlets())
	if err := os.WriteFile(h.Store.Path, []byte(`{"outlets":[{"state":"maybe"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got := serve(t, h, "get", OIDStatus+".1", "set", OIDControl+".1", "integer 2")
	if diff := cmp.Diff([]string{"NONE", "gen-error"}, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if !strings.Contains(log.String(), `\"maybe\"`) {
		t.Errorf("log does not say what is wrong with the state:\n%s", log)
	}
}

func TestServeUnknownCommandNotAnswered(t *testing.T) {
	h, log := newHandler(t, threeOutlets())
	// An answer to "DUMP" would be taken by snmpd for that of the next
	// request.
	got := serve(t, h, "DUMP", "PING")
	if diff := cmp.Diff([]string{"PONG"}, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if !strings.Contains(log.String(), "DUMP") {
		t.Errorf("log does not name the unknown command:\n%s", log)
	}
}

func TestServeTruncatedRequest(t *testing.T) {
	h, _ := newHandler(t, threeOutlets())
	var out bytes.Buffer
	err := h.Serve(strings.NewReader("set\n"+OIDControl+".1\n"), &out)
	if err == nil {
		t.Fatalf("Serve of a set without its value = nil, want an error")
	}
	if sets, _ := h.Store.Sets(); len(sets) != 0 {
		t.Errorf("a truncated set was applied: %v", sets)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("pipe closed") }

func TestServeWriteError(t *testing.T) {
	h, _ := newHandler(t, threeOutlets())
	if err := h.Serve(strings.NewReader("PING\n"), failingWriter{}); err == nil || !strings.Contains(err.Error(), "pipe closed") {
		t.Errorf("Serve to a failing writer = %v, want the write error", err)
	}
}

// TestStoreUpdateConcurrent checks that the lock keeps every update:
// the test and snmpd's handler write the same file.
func TestStoreUpdateConcurrent(t *testing.T) {
	store := &Store{Path: filepath.Join(t.TempDir(), "state.json")}
	if err := store.Write(NewState(2)); err != nil {
		t.Fatal(err)
	}
	h := &Handler{Store: store, Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}
	const n = 20
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			h.Serve(strings.NewReader("set\n"+OIDControl+".1\ninteger 2\n"), &out)
		}()
		go func() {
			defer wg.Done()
			store.Update(func(st *State) error {
				st.Outlets[1].Name += "x"
				return nil
			})
		}()
	}
	wg.Wait()
	st, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(st.Outlets[1].Name); got != n {
		t.Errorf("%d of %d updates kept", got, n)
	}
	sets, err := store.Sets()
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != n {
		t.Errorf("sets log has %d records, want %d", len(sets), n)
	}
}

func TestStoreRejectsBadState(t *testing.T) {
	store := &Store{Path: filepath.Join(t.TempDir(), "state.json")}
	for _, st := range []State{
		{},
		{Outlets: []Outlet{{State: "dunno"}}},
		{Outlets: []Outlet{{State: On, Name: "a\nb"}}},
	} {
		if err := store.Write(st); err == nil {
			t.Errorf("Write(%+v) = nil, want an error", st)
		}
	}
	if _, err := os.Stat(store.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a bad state was written: %v", err)
	}
}

func TestSetsPath(t *testing.T) {
	if got, want := SetsPath("/x/pdu-a.json"), "/x/pdu-a.sets.jsonl"; got != want {
		t.Errorf("SetsPath = %q, want %q", got, want)
	}
}
