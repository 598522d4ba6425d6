package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/ietd"
)

// maxDiffLines bounds the lines of a file change shown in a plan.
const maxDiffLines = 20

// userLine matches CHAP account lines of ietd.conf, whose secret is hidden.
var userLine = regexp.MustCompile(`^(\s*(?i:IncomingUser|OutgoingUser)\s+\S+)\s+\S.*$`)

func redactLine(l string) string { return userLine.ReplaceAllString(l, "$1 ***") }

// fileDiff lists removed and added lines of a file change, comments
// skipped and secrets hidden. It compares line sets: the files are lists
// of independent lines.
func fileDiff(old, new []byte) []string {
	split := func(b []byte) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
				out = append(out, l)
			}
		}
		return out
	}
	o, n := split(old), split(new)
	count := func(ls []string) map[string]int {
		m := map[string]int{}
		for _, l := range ls {
			m[l]++
		}
		return m
	}
	inOld, inNew := count(o), count(n)
	var out []string
	for _, l := range o {
		if inNew[l] > 0 {
			inNew[l]--
			continue
		}
		out = append(out, "- "+redactLine(l))
	}
	inOld = count(o)
	for _, l := range n {
		if inOld[l] > 0 {
			inOld[l]--
			continue
		}
		out = append(out, "+ "+redactLine(l))
	}
	return out
}

func printPlan(w io.Writer, p *ietd.Plan, in ietd.Inputs, source, backend string) {
	header := fmt.Sprintf("Plan for %s", source)
	if backend != "" {
		header += fmt.Sprintf(" (backend %s)", backend)
	} else {
		header += " (files only)"
	}
	fmt.Fprintln(w, header+":")
	if p.Empty() {
		fmt.Fprintln(w, "  nothing to change")
	}
	have := map[string][]byte{}
	for _, f := range in.Files {
		have[f.Path] = f.Have
	}
	for i, a := range p.Actions {
		fmt.Fprintf(w, "  %d. %s\n", i+1, a)
		if wf, ok := a.(ietd.WriteFile); ok && wf.Why == "changed" {
			d := fileDiff(have[wf.Path], wf.Content)
			for j, l := range d {
				if j == maxDiffLines {
					fmt.Fprintf(w, "       ... and %d more line(s)\n", len(d)-j)
					break
				}
				fmt.Fprintf(w, "       %s\n", l)
			}
		}
	}
	if len(p.Refused) > 0 {
		fmt.Fprintln(w, "Refused:")
		for _, r := range p.Refused {
			fmt.Fprintf(w, "  - %s\n", r)
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "Notes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
}

// jsonPlan is plan --json.
type jsonPlan struct {
	Config  string           `json:"config"`
	Backend string           `json:"backend,omitempty"`
	Changes int              `json:"changes"`
	Actions []map[string]any `json:"actions"`
	Refused []ietd.Refusal   `json:"refused"`
	Notes   []string         `json:"notes"`
}

func actionJSON(a ietd.Action) map[string]any {
	m := map[string]any{}
	if b, err := json.Marshal(a); err == nil {
		json.Unmarshal(b, &m)
	}
	m["action"] = a.Kind()
	m["description"] = a.String()
	return m
}

func printPlanJSON(w io.Writer, p *ietd.Plan, source, backend string) error {
	out := jsonPlan{Config: source, Backend: backend, Changes: len(p.Actions), Actions: []map[string]any{},
		Refused: append([]ietd.Refusal{}, p.Refused...), Notes: append([]string{}, p.Notes...)}
	for _, a := range p.Actions {
		out.Actions = append(out.Actions, actionJSON(a))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// textReporter prints each action as it ends, and each blackout.
type textReporter struct{ w io.Writer }

func (r textReporter) Step(a ietd.Action, err error) {
	if err != nil {
		fmt.Fprintf(r.w, "  FAILED  %s: %s\n", a, err)
		return
	}
	fmt.Fprintf(r.w, "  done    %s\n", a)
}

func (r textReporter) Blackout(b ietd.Blackout) {
	var ps []string
	for _, p := range b.Blocked {
		ps = append(ps, p.String())
	}
	fmt.Fprintf(r.w, "  blackout of %s (lun %s): %s; %s blocked, %d connection(s) closed\n",
		b.IQN, joinInts(b.LUNs), b.Duration.Round(time.Millisecond), orNone(strings.Join(ps, ", ")), b.Closed)
}

func printResult(w io.Writer, p *ietd.Plan, res ietd.Result) {
	fmt.Fprintf(w, "Done %d of %d action(s).\n", len(res.Done), len(p.Actions))
	if res.Failed != nil {
		fmt.Fprintf(w, "Failed: %s\n", res.Failed)
	}
	if len(res.NotDone) > 0 {
		fmt.Fprintln(w, "Not done:")
		for _, a := range res.NotDone {
			fmt.Fprintf(w, "  - %s\n", a)
		}
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}
