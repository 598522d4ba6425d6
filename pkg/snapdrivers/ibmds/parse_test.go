package ibmds

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ietkit/ietkit/pkg/snapdrivers/snaptest"
)

// fixture is a published output under testdata/.
var fixture = snaptest.Fixture

func TestParseLsflash(t *testing.T) {
	const header = "ID,Recording,Persistent,State,DateSynced\n"
	tests := []struct {
		name    string
		out     string // or
		file    string
		want    []Flash
		wantErr error
		errText string
	}{
		{name: "delimited with banner and prompts", file: "lsflash_delim.txt", want: []Flash{
			{ID: "0001:0002", Recording: "Enabled", Persistent: "Enabled", State: "Valid", TgtSE: "No", DateSynced: "Thu Sep 18 23:04:04 CEST 2014"},
			{ID: "0101:0102", Recording: "Enabled", Persistent: "Enabled", State: "Valid", TgtSE: "ESE", DateSynced: "Thu Sep 18 23:04:04 CEST 2014"},
			{ID: "0003:0004", Recording: "Disabled", Persistent: "Disabled", State: "Tgt Failed", TgtSE: "No", DateSynced: "-"},
		}},
		{name: "bare, no separator line", file: "lsflash_delim_bare.txt", want: []Flash{
			{ID: "0065:0073", Recording: "Enabled", Persistent: "Enabled", State: "Valid", TgtSE: "No", DateSynced: "Thu Sep 18 23:04:04 CEST 2014"},
		}},
		{name: "no flash copy", file: "lsflash_none.txt", want: nil},
		{name: "columns in another order, no isTgtSE", out: "State,DateSynced,ID,Persistent,Recording\n=====\nValid,Thu Sep 18 23:04:04 CEST 2014,00a1:00a2,Enabled,Disabled\n",
			want: []Flash{{ID: "00A1:00A2", Recording: "Disabled", Persistent: "Enabled", State: "Valid", DateSynced: "Thu Sep 18 23:04:04 CEST 2014"}}},
		{name: "no header", out: "0001:0002,Enabled,Enabled,Valid,-\n", wantErr: ErrBadOutput, errText: "one of them ID"},
		{name: "lower-case IDs", out: header + "00a1:00b2,Enabled,Enabled,Valid,-\n", want: []Flash{
			{ID: "00A1:00B2", Recording: "Enabled", Persistent: "Enabled", State: "Valid", DateSynced: "-"},
		}},
		{name: "empty", out: "", wantErr: ErrBadOutput, errText: "no header line"},
		{name: "missing column", out: "ID,Recording,State,DateSynced\n0001:0002,Enabled,Valid,-\n", wantErr: ErrBadOutput, errText: "no Persistent column"},
		{name: "short row", out: header + "0001:0002,Enabled,Valid,-\n", wantErr: ErrBadOutput, errText: "line 2 has 4 fields, the header has 5"},
		{name: "bad ID", out: header + "0001,Enabled,Enabled,Valid,-\n", wantErr: ErrBadOutput, errText: `ID "0001"`},
		{name: "aligned format", out: "ID        Recording Persistent\n==========\n0001:0002 Enabled   Enabled\n", wantErr: ErrBadOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out
			if tt.file != "" {
				out = fixture(t, tt.file)
			}
			got, err := ParseLsflash(out)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Flash{}, "Columns")); diff != "" {
				t.Errorf("ParseLsflash (-want +got):\n%s", diff)
			}
		})
	}
	// Columns keeps what the driver does not use, by name.
	got, err := ParseLsflash(fixture(t, "lsflash_delim.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if c := got[2].Columns["OutOfSyncTracks"]; c != "118" {
		t.Errorf("OutOfSyncTracks = %q, want 118", c)
	}
}

func TestParseMessages(t *testing.T) {
	tests := []struct {
		file   string
		want   []Message
		pairs  []Pair
		ids    []string
		unconf []Pair
	}{
		{
			file: "resyncflash_seed001.txt",
			want: []Message{
				{ID: "CMUC00168I", Severity: 'I', Command: "resyncflash", Text: "FlashCopy volume pair 0001:0002 successfully resynchronized.", Pair: "0001:0002"},
				{ID: "CMUC00168I", Severity: 'I', Command: "resyncflash", Text: "FlashCopy volume pair 0101:0102 successfully resynchronized.", Pair: "0101:0102"},
				{ID: "CMUC00168I", Severity: 'I', Command: "resyncflash", Text: "FlashCopy volume pair 0003:0004 successfully resynchronized.", Pair: "0003:0004"},
			},
			pairs:  []Pair{{"0001", "0002"}, {"0101", "0102"}, {"0003", "0004"}, {"0005", "0006"}},
			ids:    []string{MsgResynced},
			unconf: []Pair{{"0005", "0006"}},
		},
		{
			file: "mkflash_redbook.txt",
			want: []Message{
				{ID: "CMUC00137I", Severity: 'I', Command: "mkflash", Text: "FlashCopy pair 0111:0110 successfully created.", Pair: "0111:0110"},
			},
			pairs: []Pair{{"0111", "0110"}},
			ids:   []string{MsgCreated},
		},
		{
			file: "rmflash_redbook.txt",
			want: []Message{
				{ID: "CMUC00144W", Severity: 'W', Command: "rmflash", Text: "Are you sure you want to remove the FlashCopy pair 111:110:? [y/n]:"},
				{ID: "CMUN81131I", Severity: 'I', Command: "rmflash", Text: "0111:0110: The Withdraw command was accepted and the FLC", Pair: "0111:0110"},
			},
			pairs: []Pair{{"0111", "0110"}},
			ids:   []string{MsgRemoved, MsgWithdrawn},
		},
		{
			file:   "lsflash_none.txt",
			want:   []Message{{ID: "CMUC00234I", Severity: 'I', Command: "lsflash", Text: "No Flash Copy found."}},
			pairs:  []Pair{{"0001", "0002"}},
			ids:    []string{MsgResynced},
			unconf: []Pair{{"0001", "0002"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := ParseMessages(fixture(t, tt.file))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseMessages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.unconf, unconfirmed(got, tt.pairs, tt.ids...)); diff != "" {
				t.Errorf("unconfirmed (-want +got):\n%s", diff)
			}
		})
	}
	errs := errorMessages(ParseMessages("dscli> CMUN03027E resyncflash: 0001:0002: FlashCopy operation failure\nCMUC00168I resyncflash: FlashCopy volume pair 0003:0004 successfully resynchronized.\nCMUN00018E Unable to connect"))
	want := []string{"CMUN03027E resyncflash: 0001:0002: FlashCopy operation failure", "CMUN00018E Unable to connect"}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errorMessages (-want +got):\n%s", diff)
	}
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

func TestParseDateSynced(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		in      string
		loc     *time.Location
		want    time.Time // in UTC
		wantErr error
		errText string
	}{
		{in: "Thu Sep 18 23:04:04 CEST 2014", loc: paris, want: time.Date(2014, 9, 18, 21, 4, 4, 0, time.UTC)},
		{in: "Thu Jan 08 23:04:04 CET 2015", loc: paris, want: time.Date(2015, 1, 8, 22, 4, 4, 0, time.UTC)},
		{in: "Thu Jan  8 23:04:04 CET 2015", loc: paris, want: time.Date(2015, 1, 8, 22, 4, 4, 0, time.UTC)},
		// The fall-back hour happens twice; the abbreviation tells which.
		{in: "Sun Oct 26 02:30:00 CEST 2014", loc: paris, want: time.Date(2014, 10, 26, 0, 30, 0, 0, time.UTC)},
		{in: "Sun Oct 26 02:30:00 CET 2014", loc: paris, want: time.Date(2014, 10, 26, 1, 30, 0, 0, time.UTC)},
		{in: "Thu Sep 18 17:04:04 EDT 2014", loc: ny, want: time.Date(2014, 9, 18, 21, 4, 4, 0, time.UTC)},
		{in: "Thu Sep 18 21:04:04 UTC 2014", loc: paris, want: time.Date(2014, 9, 18, 21, 4, 4, 0, time.UTC)},
		{in: "Thu Sep 18 21:04:04 UTC 2014", loc: time.UTC, want: time.Date(2014, 9, 18, 21, 4, 4, 0, time.UTC)},
		{in: "Thu Sep 18 21:04:04 GMT 2014", loc: ny, want: time.Date(2014, 9, 18, 21, 4, 4, 0, time.UTC)},
		// An abbreviation foreign to loc would get a zero offset in Go.
		{in: "Thu Sep 18 17:04:04 EDT 2014", loc: paris, wantErr: ErrZoneMismatch, errText: "it says EDT, but Europe/Paris calls that time CEST"},
		{in: "Thu Sep 18 23:04:04 CEST 2014", loc: time.UTC, wantErr: ErrZoneMismatch, errText: "UTC calls that time UTC"},
		// Known to loc, but not in effect at that date.
		{in: "Thu Jan 08 23:04:04 CEST 2015", loc: paris, wantErr: ErrZoneMismatch, errText: "it says CEST, but Europe/Paris calls that time CET"},
		{in: "Thu Sep 18 23:04:04 2014", loc: paris, errText: "want the form"},
		{in: "-", loc: paris, errText: "want the form"},
		{in: "Xyz Sep 18 23:04:04 CEST 2014", loc: paris, errText: "cannot parse"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" in "+tt.loc.String(), func(t *testing.T) {
			got, err := ParseDateSynced(tt.in, tt.loc)
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("err = %v, want one containing %q (%v)", err, tt.errText, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) || got.Location() != tt.loc {
				t.Errorf("got %v (%v), want %v in %v", got, got.Location(), tt.want, tt.loc)
			}
		})
	}
}

func TestParsePair(t *testing.T) {
	tests := []struct {
		in      string
		want    Pair
		errText string
	}{
		{in: "0001:0002", want: Pair{"0001", "0002"}},
		{in: "00a1:00B2", want: Pair{"00A1", "00B2"}},
		{in: "0001-0002", errText: "want source:target"},
		{in: "001:0002", errText: "want source:target"},
		{in: "0001:0002:0003", errText: "want source:target"},
		{in: "0001:0001", errText: "the same volume"},
	}
	for _, tt := range tests {
		got, err := ParsePair(tt.in)
		if tt.errText != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("ParsePair(%q) err = %v, want %q", tt.in, err, tt.errText)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePair(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func seedFixtures(f *testing.F) {
	for _, name := range []string{"lsflash_delim.txt", "lsflash_delim_bare.txt", "lsflash_none.txt", "resyncflash_seed001.txt", "mkflash_redbook.txt", "rmflash_redbook.txt"} {
		f.Add(fixture(f, name))
	}
}

func FuzzParseLsflash(f *testing.F) {
	seedFixtures(f)
	f.Fuzz(func(t *testing.T, out string) {
		rows, err := ParseLsflash(out)
		if err != nil {
			if !errors.Is(err, ErrBadOutput) {
				t.Fatalf("error %v does not wrap ErrBadOutput", err)
			}
			return
		}
		for _, r := range rows {
			if _, err := ParsePair(r.ID); err != nil {
				t.Fatalf("row ID %q accepted: %v", r.ID, err)
			}
		}
	})
}

func FuzzParseMessages(f *testing.F) {
	seedFixtures(f)
	f.Fuzz(func(t *testing.T, out string) {
		for _, m := range ParseMessages(out) {
			if len(m.ID) != 10 || !strings.ContainsRune("IWE", rune(m.Severity)) || m.ID[9] != m.Severity {
				t.Fatalf("bad message %+v", m)
			}
			// A message may name any pair, even one ParsePair refuses
			// (0001:0001): it then confirms no configured pair.
			if m.Pair != "" && (len(m.Pair) != 9 || m.Pair != strings.ToUpper(m.Pair) || m.Pair[4] != ':') {
				t.Fatalf("pair %q", m.Pair)
			}
		}
	})
}

func FuzzParseDateSynced(f *testing.F) {
	for _, s := range []string{"Thu Sep 18 23:04:04 CEST 2014", "Sun Oct 26 02:30:00 CET 2014", "Thu Sep 18 17:04:04 EDT 2014", "Thu Sep 18 21:04:04 UTC 2014", "-", ""} {
		f.Add(s)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Skip(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDateSynced(s, paris)
		if err != nil {
			return
		}
		if got.Location() != paris {
			t.Fatalf("%q: location %v", s, got.Location())
		}
		// An accepted time carries the abbreviation it was given (or is
		// UTC/GMT, whose offset is known).
		abbr := strings.Fields(s)[4]
		if name, _ := got.Zone(); name != abbr && abbr != "UTC" && abbr != "GMT" {
			t.Fatalf("%q: parsed as %v (%s)", s, got, name)
		}
	})
}
