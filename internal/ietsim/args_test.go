package ietsim

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseArgs(t *testing.T) {
	p := func(s string) *string { return &s }
	for _, tc := range []struct {
		args []string
		want options
		act  parseAction
	}{
		{[]string{"--op", "new", "--tid=1", "--params", "Name=x"}, options{op: opNew, set: setTarget, tid: 1, params: p("Name=x")}, actRun},
		{[]string{"--op=delete", "--tid", "2", "--sid=18446744073709551615", "--cid=3"},
			options{op: opDelete, set: setTarget | setSession | setConn, tid: 2, sid: math.MaxUint64, cid: 3}, actRun},
		{[]string{"-ushow", "-t", "4"}, options{op: opInvalid, set: setUser | setSession | setTarget, tid: 4}, actRun}, // -u -s how
		{[]string{"-uo", "show"}, options{op: opShow, set: setUser}, actRun},
		{[]string{"--lun=-1", "--op", "new", "--op", "bogus"}, options{op: opInvalid, set: setLUN, lun: math.MaxUint32}, actRun},
		{[]string{"a", "--op", "new", "--", "--tid=1", "b"}, options{op: opNew, rest: []string{"a", "--tid=1", "b"}}, actRun},
		{[]string{"--params="}, options{op: opInvalid, params: p("")}, actRun},
		{[]string{"--tid=1", "--version", "--bogus"}, options{op: opInvalid, set: setTarget, tid: 1}, actVersion},
		{[]string{"--bogus", "--version"}, options{op: opInvalid}, actUsage},
		{[]string{"-h"}, options{op: opInvalid}, actHelp},
	} {
		got, act, _ := parseArgs(tc.args)
		if act != tc.act {
			t.Errorf("parseArgs(%q) action = %d, want %d", tc.args, act, tc.act)
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(options{})); diff != "" {
			t.Errorf("parseArgs(%q) (-want +got):\n%s", tc.args, diff)
		}
	}
}

func TestCNumbers(t *testing.T) {
	for in, want := range map[string]uint64{
		"12": 12, " 12abc": 12, "abc": 0, "": 0, "+7": 7, "-1": math.MaxUint64,
		"99999999999999999999999": math.MaxUint64,
	} {
		if got := cStrtoul(in); got != want {
			t.Errorf("cStrtoul(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]int64{
		"4096": 4096, "0x1000": 4096, "0X1f": 31, "010": 8, "09": 0, "0x": 0, "-5": -5,
		"12k": 12, "Yes": 0, "9223372036854775808": math.MaxInt64, "-9223372036854775809": math.MinInt64,
	} {
		if got := cStrtol(in); got != want {
			t.Errorf("cStrtol(%q) = %d, want %d", in, got, want)
		}
	}
}

func FuzzParseArgs(f *testing.F) {
	f.Add("--op\x00new\x00--tid=1\x00--params\x00Name=x")
	f.Add("-uo\x00show\x00-t\x004")
	f.Add("--\x00--tid")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		o, act, msg := parseArgs(args)
		if (act == actUsage) != (msg != "") {
			t.Errorf("parseArgs(%q): action %d with message %q", args, act, msg)
		}
		if len(o.rest) > len(args) {
			t.Errorf("parseArgs(%q): more operands than arguments", args)
		}
	})
}

func FuzzParseParams(f *testing.F) {
	f.Add("Path=/dev/sdb,Type=blockio,ScsiId=x,ScsiSN=y,IOMode=wb,BlockSize=4096")
	f.Add("MaxRecvDataSegmentLength=1048576,HeaderDigest=CRC32C,None,InitialR2T=No")
	f.Fuzz(func(t *testing.T, params string) {
		for _, v := range []string{"0.4.12", "1.4.19", "1.4.20"} {
			ver, _ := ParseVersion(v)
			if a, err := parseLUNArgs(params, ver); err == nil {
				if a.path == "" || (a.blockSize != 0 && (a.blockSize < 512 || a.blockSize > 4096)) {
					t.Errorf("parseLUNArgs(%q, %s) accepted %+v", params, v, a)
				}
			}
		}
		u, _, err := parseUpdate(params)
		if err != nil {
			return
		}
		tg := Target{Params: defaults(targetKeys), SessionParams: defaults(sessionKeys)}
		u.apply(&tg)
		for _, keys := range []struct {
			defs []paramDef
			p    Params
		}{{targetKeys, tg.Params}, {sessionKeys, tg.SessionParams}} {
			for _, d := range keys.defs {
				if v := keys.p[d.name]; d.kind == numeric && (v < d.min || v > d.max) {
					t.Errorf("parseUpdate(%q): %s = %d outside [%d, %d]", params, d.name, v, d.min, d.max)
				}
			}
		}
	})
}
