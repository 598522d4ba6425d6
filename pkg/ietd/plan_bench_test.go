package ietd

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// benchInputs builds a config of targets × luns, a running state that
// matches it, and devices of which every grownEvery-th has grown.
func benchInputs(b *testing.B, targets, luns, grownEvery int) Inputs {
	b.Helper()
	var conf strings.Builder
	conf.WriteString("prefix iqn.2001-04.com.example:\noption MaxRecvDataSegmentLength 131072\n")
	for t := 0; t < targets; t++ {
		fmt.Fprintf(&conf, "target t%04d 198.51.%d.%d,198.51.100.0/24\n", t, 100+t/250, t%250)
		fmt.Fprintf(&conf, "  user incoming u%04d secret-%08d\n", t, t)
		for l := 0; l < luns; l++ {
			fmt.Fprintf(&conf, "  lun %d /dev/vg%d/lv_t%04d_%d ScsiId=ID%04d%02d\n", l, t%8, t, l, t, l)
		}
	}
	cfg, err := targetconf.Parse(strings.NewReader(conf.String()), "bench.conf")
	if err != nil {
		b.Fatal(err)
	}
	state := &State{DiscoveryUsersKnown: true}
	devices := map[string]Device{}
	records := NewRecords()
	n := 0
	for i, t := range cfg.Targets {
		rt := Target{TID: i + 1, Name: t.IQN, Options: shownOptions(t), UsersKnown: true}
		for _, u := range t.Users {
			rt.Users = append(rt.Users, UserRef{u.Dir, u.Name})
			records.Users[UserKey(t.IQN, u.Dir, u.Name)] = Fingerprint(u.Secret)
		}
		rt.Sessions = []Session{{SID: uint64(i), Initiator: "iqn.x:h", Conns: []Conn{{IP: netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})}}}}
		for _, l := range t.LUNs {
			size := int64(10+n%90) << 30
			rt.LUNs = append(rt.LUNs, LUN{Number: l.Number, Path: l.Path, IOType: l.Type, IOMode: "wt", Blocks: uint64(size / 512), BlockSize: 512, SizeKnown: true})
			if n%grownEvery == 0 {
				size += 1 << 30
			}
			devices[l.Path] = Device{Size: size}
			n++
		}
		state.Targets = append(state.Targets, rt)
	}
	return Inputs{Desired: cfg, Observed: state, Devices: devices, Records: records}
}

// BenchmarkPlan plans 1,000 targets × 10 LUNs against a running target of
// the same size with 1% of the LUNs grown (issue 2: under 200 ms and
// 100 MB allocated).
func BenchmarkPlan(b *testing.B) {
	in := benchInputs(b, 1000, 10, 100)
	b.ReportAllocs()
	b.ResetTimer()
	var p *Plan
	for b.Loop() {
		var err error
		p, err = ComputePlan(in, PlanOptions{Prune: true})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	resizes := 0
	for _, a := range p.Actions {
		if _, ok := a.(ResizeLUN); ok {
			resizes++
		}
	}
	if resizes != 100 || len(p.Actions) != 100 {
		b.Fatalf("plan has %d actions, %d resizes; want 100 resizes only", len(p.Actions), resizes)
	}
}
