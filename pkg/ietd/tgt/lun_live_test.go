package tgt

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ietkit/ietkit/pkg/ietd"
	"github.com/ietkit/ietkit/pkg/ietd/ietdtest"
	"github.com/ietkit/ietkit/pkg/remote"
	"github.com/ietkit/ietkit/pkg/targetconf"
)

// tgtLUNs lists the LUN numbers tgtadm itself shows for target tid.
func (l *live) tgtLUNs(t *testing.T, tid int) []int {
	t.Helper()
	var out []int
	in := false
	for _, line := range strings.Split(l.tgtadm(t, "--op", "show", "--mode", "target"), "\n") {
		if strings.HasPrefix(line, "Target ") {
			in = strings.HasPrefix(line, fmt.Sprintf("Target %d:", tid))
		}
		if n, ok := strings.CutPrefix(line, "        LUN: "); ok && in {
			v, _ := strconv.Atoi(n)
			out = append(out, v)
		}
	}
	return out
}

func TestLiveTargetsAndLUNs(t *testing.T) {
	l := newLive(t)
	ctx, b := context.Background(), l.b
	must(t, "add target", b.AddTarget(ctx, 1, iqn1))
	wantErr(t, "tid taken", b.AddTarget(ctx, 1, iqn2), ietd.ErrExists)
	wantErr(t, "name taken", b.AddTarget(ctx, 2, iqn1), ietd.ErrExists)
	wantErr(t, "tid 0", b.AddTarget(ctx, 0, iqn2), ietd.ErrInvalid)
	// Unlike IET, tgt tells names apart by case.
	must(t, "add target differing in case", b.AddTarget(ctx, 2, strings.ToUpper(iqn1)))
	must(t, "delete it", b.DeleteTarget(ctx, 2))

	// Each LUN has its own size, so that an initiator can tell them apart.
	sizes := []int64{8 << 20, 12 << 20, 16 << 20, 20 << 20, 4 << 20}
	file := func(i int) string { return ietdtest.BackingFile(t, l.dir, fmt.Sprintf("l%d", i), sizes[i]) }
	luns := []targetconf.LUN{
		{Number: 0, Path: file(0), Type: "fileio"},
		{Number: 1, Path: file(1), Type: "fileio", IOMode: "wb"},
		{Number: 2, Path: file(2), Type: "blockio", BlockSize: 4096},
		{Number: 3, Path: file(3), Type: "blockio", IOMode: "ro", ScsiID: "ID3", ScsiSN: "SN3"},
		{Number: MaxLUN, Path: file(4), Type: "fileio", IOMode: "wb", BlockSize: 1024},
	}
	for _, lun := range luns {
		must(t, fmt.Sprintf("add lun %d", lun.Number), b.AddLUN(ctx, 1, lun))
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4, maxTgtLUN}, l.tgtLUNs(t, 1)); diff != "" {
		t.Errorf("tgt LUNs (-want +got):\n%s", diff)
	}
	// An initiator finds config LUN n as LUN n+1.
	must(t, "let initiators in", b.BindInitiators(ctx, 1, []string{"ALL"}))
	for i, lun := range luns[:4] {
		size, ok := l.readCapacity(t, l.net.Hosts[0], iqn1, "iqn.1993-08.org.debian:01:host0", "", lun.Number+1)
		if !ok || size != sizes[i] {
			t.Errorf("initiator reads %d bytes (%v) at LUN %d, want config LUN %d's %d", size, ok, lun.Number+1, lun.Number, sizes[i])
		}
	}
	type shown struct {
		Number                 int
		Path, IOType, IOMode   string
		BlockSize              uint32
		ScsiID, ScsiSN         string
		Approx, ApproxTolerace int64
	}
	var got []shown
	for _, x := range ietdtest.Target(t, state(t, b), 1).LUNs {
		id, sn := x.ScsiID, x.ScsiSN
		if strings.HasPrefix(id, "IET ") { // tgt's default identifiers
			id, sn = "", ""
		}
		got = append(got, shown{x.Number, x.Path, x.IOType, x.IOMode, x.BlockSize, id, sn, x.Approx, x.ApproxTolerance})
	}
	want := []shown{
		{0, luns[0].Path, "fileio", "wt", 512, "", "", 8000000, 500000},
		{1, luns[1].Path, "fileio", "wb", 512, "", "", 13000000, 500000},
		{2, luns[2].Path, "blockio", "wt", 4096, "", "", 17000000, 500000},
		{3, luns[3].Path, "blockio", "ro", 512, "ID3", "SN3", 21000000, 500000},
		{MaxLUN, luns[4].Path, "fileio", "wb", 1024, "", "", 4000000, 500000},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LUNs (-want +got):\n%s", diff)
	}
	raw := l.tgtadm(t, "--op", "show", "--mode", "target")
	for _, flags := range []string{"Backing store flags: sync:direct", "Backing store flags: direct", "Backing store flags: sync"} {
		if !strings.Contains(raw, flags) {
			t.Errorf("tgtadm shows no %q", flags)
		}
	}

	wantErr(t, "lun beyond tgt's", b.AddLUN(ctx, 1, targetconf.LUN{Number: MaxLUN + 1, Path: luns[0].Path, Type: "fileio"}), ietd.ErrInvalid)
	wantErr(t, "negative lun", b.AddLUN(ctx, 1, targetconf.LUN{Number: -1, Path: luns[0].Path, Type: "fileio"}), ietd.ErrInvalid)
	wantErr(t, "second add", b.AddLUN(ctx, 1, luns[0]), ietd.ErrExists)
	wantErr(t, "missing backing file", b.AddLUN(ctx, 1, targetconf.LUN{Number: 7, Path: l.dir + "/missing", Type: "fileio"}), ietd.ErrInvalid)
	wantErr(t, "missing target", b.AddLUN(ctx, 9, luns[0]), ietd.ErrNotFound)

	must(t, "delete lun 1", b.DeleteLUN(ctx, 1, 1))
	if diff := cmp.Diff([]int{0, 1, 3, 4, maxTgtLUN}, l.tgtLUNs(t, 1)); diff != "" {
		t.Errorf("tgt LUNs after deleting config LUN 1 (-want +got):\n%s", diff)
	}
	wantErr(t, "delete a deleted lun", b.DeleteLUN(ctx, 1, 1), ietd.ErrNotFound)
	must(t, "delete the last lun", b.DeleteLUN(ctx, 1, MaxLUN))
	must(t, "delete the target with its LUNs", b.DeleteTarget(ctx, 1))
	if s := state(t, b); len(s.Targets) != 0 {
		t.Errorf("targets left: %+v", s.Targets)
	}
}

// failingRunner runs commands with remote.Local, except that those fail
// picks print their arguments as tgtadm's "invalid request" and exit 22.
type failingRunner struct{ fail func(argv []string) bool }

func (f failingRunner) Run(ctx context.Context, c remote.Cmd) (remote.Result, error) {
	if f.fail(c.Argv) {
		c.Argv = append([]string{"sh", "-c", `echo "tgtadm: invalid request ($*)" >&2; exit 22`, "tgtadm"}, c.Argv[1:]...)
	}
	return remote.Local{}.Run(ctx, c)
}

func TestLiveLUNRollback(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	must(t, "add target", l.b.AddTarget(ctx, 1, iqn1))
	b := &Backend{ControlPort: l.d.ControlPort, Runner: failingRunner{func(argv []string) bool {
		return slices.Contains(argv, "update") && slices.Contains(argv, "logicalunit")
	}}}
	lun := targetconf.LUN{Number: 0, Path: ietdtest.BackingFile(t, l.dir, "l0", 8<<20), Type: "fileio", IOMode: "ro"}
	err := b.AddLUN(ctx, 1, lun)
	wantErr(t, "add lun whose update fails", err, ietd.ErrInvalid)
	if err != nil && !strings.Contains(err.Error(), "readonly=1") {
		t.Errorf("error does not say what failed: %v", err)
	}
	if luns := l.tgtLUNs(t, 1); !slices.Equal(luns, []int{0}) {
		t.Errorf("half-configured LUN left behind: tgt LUNs %v", luns)
	}
}

// TestLiveSizeRounding pins how tgt 1.0.85 shows sizes: the block-aligned
// size rounded to the nearest decimal megabyte.
func TestLiveSizeRounding(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	must(t, "add target", l.b.AddTarget(ctx, 1, iqn1))
	tests := []struct {
		size      int64
		blockSize int
		mb        int64
	}{
		{499712, 512, 0},
		{999936, 512, 1},
		{1499648, 512, 1},
		{1500160, 512, 2},
		{2499584, 512, 2},
		{2500096, 512, 3},
		{104857088, 512, 105},
		{1500100, 512, 1},  // 1499648 bytes served
		{1500100, 4096, 1}, // 1499136 bytes served; unaligned it would be 2
		{1000000, 4096, 1},
	}
	for i, tt := range tests {
		p := ietdtest.BackingFile(t, l.dir, fmt.Sprintf("s%d", i), tt.size)
		must(t, "add lun", l.b.AddLUN(ctx, 1, targetconf.LUN{Number: i, Path: p, Type: "fileio", BlockSize: tt.blockSize}))
	}
	must(t, "let initiators in", l.b.BindInitiators(ctx, 1, []string{"ALL"}))
	raw := l.tgtadm(t, "--op", "show", "--mode", "target")
	sizes := regexp.MustCompile(`Size: (\d+) MB, Block size: (\d+)`).FindAllStringSubmatch(raw, -1)
	tg := ietdtest.Target(t, state(t, l.b), 1)
	for i, tt := range tests {
		lun, ok := tg.LUN(i)
		if !ok {
			t.Fatalf("lun %d missing", i)
		}
		served := tt.size / int64(tt.blockSize) * int64(tt.blockSize)
		if want := (served + 500000) / 1000000; want != tt.mb {
			t.Fatalf("table row %d: %d bytes round to %d MB, not %d", i, served, want, tt.mb)
		}
		if shownMB := sizes[i+1][1]; shownMB != strconv.FormatInt(tt.mb, 10) { // sizes[0] is the controller's
			t.Errorf("%d bytes in blocks of %d: tgt shows %s MB, want %d", tt.size, tt.blockSize, shownMB, tt.mb)
		}
		if lun.Approx != tt.mb*1000000 || lun.ApproxTolerance != 500000 || lun.SizeKnown {
			t.Errorf("%d bytes: lun %+v", tt.size, lun)
		}
		if d := served - lun.Approx; d < -lun.ApproxTolerance || d > lun.ApproxTolerance {
			t.Errorf("%d bytes served outside %d ± %d", served, lun.Approx, lun.ApproxTolerance)
		}
		if tt.size < 512 {
			continue
		}
		// The initiator's view confirms what tgt serves: whole blocks.
		if got, ok := l.readCapacity(t, l.net.Hosts[0], iqn1, "iqn.1993-08.org.debian:01:host0", "", i+1); !ok || got != served {
			t.Errorf("%d bytes in blocks of %d: initiator reads %d (%v), want %d", tt.size, tt.blockSize, got, ok, served)
		}
	}
}
