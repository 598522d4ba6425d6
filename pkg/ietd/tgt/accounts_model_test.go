package tgt

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// model imitates how tgtd 1.0.85 keeps CHAP accounts (see unbind.go)
// and answers the tgtadm commands of the account code. It fails the test
// when tgtd would crash (a show with a hole) and when a guarded target
// runs without incoming accounts.
type model struct {
	t        *testing.T
	accounts map[int]string // aid → name
	targets  map[int]*modelTarget
	guard    map[int]bool
	commands int
}

type modelTarget struct {
	in  []int // account ids; 0 is a free place
	nr  int   // how many of in are read
	out int
}

func newModel(t *testing.T, tids ...int) *model {
	m := &model{t: t, accounts: map[int]string{}, targets: map[int]*modelTarget{}}
	for _, tid := range tids {
		m.targets[tid] = &modelTarget{in: make([]int, 16)}
	}
	return m
}

func (m *model) aid(name string) int {
	for aid, n := range m.accounts {
		if n == name {
			return aid
		}
	}
	return 0
}

func fail(msg string) error {
	return &remote.ExitError{Argv: []string{"tgtadm"}, Code: 22, Stderr: "tgtadm: " + msg}
}

// Run implements remote.Runner for the commands the account code sends.
func (m *model) Run(_ context.Context, c remote.Cmd) (remote.Result, error) {
	m.commands++
	args := map[string]string{}
	a := c.Argv[3:] // after tgtadm --lld iscsi
	for i := 0; i < len(a); i++ {
		if i+1 < len(a) && !strings.HasPrefix(a[i+1], "--") {
			args[a[i]] = a[i+1]
			i++
		} else {
			args[a[i]] = ""
		}
	}
	tid, _ := strconv.Atoi(args["--tid"])
	user := args["--user"]
	_, outgoing := args["--outgoing"]
	var err error
	switch args["--op"] + " " + args["--mode"] {
	case "show target":
		return remote.Result{Stdout: []byte(m.show())}, nil
	case "new account":
		if m.aid(user) != 0 {
			return remote.Result{}, fail("this account already exists")
		}
		aid := 1
		for m.accounts[aid] != "" {
			aid++
		}
		m.accounts[aid] = user
	case "delete account":
		aid := m.aid(user)
		if aid == 0 {
			return remote.Result{}, fail("can't find the account")
		}
		for _, t := range m.targets { // tgtd unbinds it everywhere first
			t.unbind(aid, false)
			t.unbind(aid, true)
		}
		delete(m.accounts, aid)
	case "bind account", "unbind account":
		t, ok := m.targets[tid]
		aid := m.aid(user)
		switch {
		case !ok:
			err = fail("can't find the target")
		case aid == 0:
			err = fail("can't find the account")
		case args["--op"] == "bind":
			err = t.bind(aid, outgoing)
		default:
			err = t.unbind(aid, outgoing)
		}
	default:
		m.t.Fatalf("model: unexpected command %v", c.Argv)
	}
	for tid, guarded := range m.guard {
		if guarded && m.targets[tid].nr == 0 {
			m.t.Errorf("after %v: target %d has no incoming accounts: initiators get in without CHAP", remote.RedactArgv(c.Argv, c.Secrets), tid)
		}
	}
	return remote.Result{}, err
}

func (t *modelTarget) bind(aid int, outgoing bool) error {
	if outgoing {
		if t.out != 0 {
			return fail("this target already has an outgoing account")
		}
		t.out = aid
		return nil
	}
	if slices.Contains(t.in, aid) {
		return fail("this account already exists")
	}
	i := slices.Index(t.in, 0)
	t.in[i] = aid
	t.nr++
	return nil
}

func (t *modelTarget) unbind(aid int, outgoing bool) error {
	if outgoing {
		if t.out != aid {
			return fail("can't find the account")
		}
		t.out = 0
		return nil
	}
	i := slices.Index(t.in, aid)
	if i < 0 {
		return fail("can't find the account")
	}
	t.in[i] = 0
	t.nr--
	return nil
}

// show renders --op show --mode target as tgtd does: the first nr places.
func (m *model) show() string {
	var b strings.Builder
	for _, tid := range slices.Sorted(maps.Keys(m.targets)) {
		t := m.targets[tid]
		fmt.Fprintf(&b, "Target %d: iqn.2001-04.com.example:m%d\n    Account information:\n", tid, tid)
		for _, aid := range t.in[:t.nr] {
			if aid == 0 {
				m.t.Fatalf("show with a hole in target %d's accounts %v (nr %d): tgtd would crash", tid, t.in, t.nr)
			}
			fmt.Fprintf(&b, "        %s\n", m.accounts[aid])
		}
		if t.out != 0 {
			fmt.Fprintf(&b, "        %s (outgoing)\n", m.accounts[t.out])
		}
		b.WriteString("    ACL information:\n")
	}
	return b.String()
}

// bindings lists what is bound, as "tid name" and "tid name (outgoing)",
// and checks that no hole is left and no placeholder remains.
func (m *model) bindings() []string {
	var out []string
	for tid, t := range m.targets {
		for i, aid := range t.in {
			if (aid == 0) != (i >= t.nr) {
				m.t.Fatalf("target %d: accounts %v with nr %d", tid, t.in, t.nr)
			}
			if aid != 0 {
				out = append(out, fmt.Sprintf("%d %s", tid, m.accounts[aid]))
			}
		}
		if t.out != 0 {
			out = append(out, fmt.Sprintf("%d %s (outgoing)", tid, m.accounts[t.out]))
		}
	}
	for _, name := range m.accounts {
		if strings.HasPrefix(name, placeholderPrefix) {
			m.t.Fatalf("placeholder account %s left", name)
		}
	}
	slices.Sort(out)
	return out
}

// TestAccountsModel runs random AddUser and DeleteUser calls against the
// model: no call shows or leaves a hole, leaves a placeholder or an
// account bound nowhere, or lets a target that has incoming accounts
// before and after the call run without any meanwhile; the bindings are
// those the calls asked for.
func TestAccountsModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c", "d", "e"}
	for run := range 30 {
		m := newModel(t, 1, 2, 3)
		b := &Backend{Runner: m}
		want := map[string]bool{}
		for step := range 60 {
			what := fmt.Sprintf("run %d step %d", run, step)
			tid, name := 1+rng.IntN(3), names[rng.IntN(len(names))]
			dir, key := targetconf.Incoming, fmt.Sprintf("%d %s", tid, name)
			if rng.IntN(4) == 0 {
				dir, key = targetconf.Outgoing, key+" (outgoing)"
			}
			next := maps.Clone(want)
			del := rng.IntN(3) == 0
			if del {
				delete(next, key)
			} else {
				if dir == targetconf.Outgoing {
					for k := range next {
						if strings.HasPrefix(k, strconv.Itoa(tid)+" ") && strings.HasSuffix(k, " (outgoing)") {
							delete(next, k)
						}
					}
				}
				next[key] = true
			}
			m.guard = map[int]bool{}
			for g := range m.targets {
				m.guard[g] = incoming(want, g) > 0 && incoming(next, g) > 0
			}
			var err error
			if del {
				err = b.DeleteUser(context.Background(), tid, dir, name)
				if want[key] != (err == nil) || (err != nil && !errors.Is(err, ietd.ErrNotFound)) {
					t.Fatalf("%s: delete %s: %v", what, key, err)
				}
			} else {
				u := targetconf.User{Dir: dir, Name: name, Secret: targetconf.Secret(fmt.Sprintf("%s-secret-%d", name, step))}
				if err = b.AddUser(context.Background(), tid, u); err != nil {
					t.Fatalf("%s: add %s: %v", what, key, err)
				}
			}
			want = next
			got := m.bindings()
			if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("%s: bindings (-want +got):\n%s", what, diff)
			}
			for _, acct := range m.accounts {
				if !slices.ContainsFunc(got, func(s string) bool { return strings.Fields(s)[1] == acct }) {
					t.Fatalf("%s: account %s is bound nowhere", what, acct)
				}
			}
		}
	}
}

// incoming counts the incoming bindings of target tid in a set of
// "tid name" keys.
func incoming(set map[string]bool, tid int) int {
	n := 0
	for k := range set {
		if strings.HasPrefix(k, strconv.Itoa(tid)+" ") && !strings.HasSuffix(k, " (outgoing)") {
			n++
		}
	}
	return n
}

func TestAccountsModelRefusals(t *testing.T) {
	m := newModel(t, 1)
	b := &Backend{Runner: m}
	ctx := context.Background()
	if err := b.DeleteUser(ctx, 1, targetconf.Incoming, "x"); !errors.Is(err, ietd.ErrNotFound) {
		t.Errorf("delete unbound user: %v", err)
	}
	if err := b.AddUser(ctx, 1, targetconf.User{Dir: "sideways", Name: "x", Secret: "x-secret-0001"}); !errors.Is(err, ietd.ErrInvalid) {
		t.Errorf("bad direction: %v", err)
	}
	if err := b.AddUser(ctx, 1, targetconf.User{Dir: targetconf.Incoming, Name: "two words", Secret: "x-secret-0001"}); !errors.Is(err, ietd.ErrInvalid) {
		t.Errorf("name with a blank: %v", err)
	}
	if err := b.AddUser(ctx, 9, targetconf.User{Dir: targetconf.Incoming, Name: "x", Secret: "x-secret-0001"}); !errors.Is(err, ietd.ErrNotFound) {
		t.Errorf("missing target: %v", err)
	}
	if m.commands != 2 {
		t.Errorf("%d commands, want the two shows", m.commands)
	}
}
