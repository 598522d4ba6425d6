package necism

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Pair is one BV:SV:LV triple of the driver's pairs keyword.
type Pair struct{ BV, SV, LV string }

func (p Pair) String() string { return p.BV + ":" + p.SV + ":" + p.LV }

// Keyword is the value of the driver's pairs keyword for pairs.
func Keyword(pairs []Pair) string {
	s := make([]string, len(pairs))
	for i, p := range pairs {
		s[i] = p.String()
	}
	return strings.Join(s, " ")
}

// LogPairs are the two pairs of the real log in seed 000.
func LogPairs() []Pair {
	return []Pair{
		{"SOURCE_0001", "SOURCE_0001_SV006D", "SOURCE_0001_LV00A6"},
		{"SOURCE_0002", "SOURCE_0002_SV0055", "SOURCE_0002_LV009E"},
	}
}

// Pairs is n pairs named in the style of seed 000, each on its own BV:
// SOURCE_0001:SOURCE_0001_SV0100:SOURCE_0001_LV0200, ...
func Pairs(n int) []Pair {
	ps := make([]Pair, n)
	for i := range ps {
		bv := fmt.Sprintf("SOURCE_%04d", i+1)
		ps[i] = Pair{bv, fmt.Sprintf("%s_SV%04X", bv, 0x100+i), fmt.Sprintf("%s_LV%04X", bv, 0x200+i)}
	}
	return ps
}

// Seed replaces the state in dir with pairs set up as the NEC document
// asks before the first resync: every SV holding a snapshot taken at at
// (snap/active), its LV linked to it. SVs sharing a BV get generations
// -1, -2, ... in order. The command log is left alone.
func Seed(dir string, pairs []Pair, at time.Time) error {
	return Update(dir, func(s *State) error {
		*s = State{}
		for _, p := range pairs {
			bv := s.bv(p.BV)
			if bv == nil {
				bv = &BV{Name: p.BV, Type: "LX", Special: "-"}
				s.BVs = append(s.BVs, bv)
			}
			if _, dup := s.sv(p.SV); dup != nil {
				return fmt.Errorf("seed: SV %s twice", p.SV)
			}
			if s.lv(p.LV) != nil {
				return fmt.Errorf("seed: LV %s twice", p.LV)
			}
			bv.SVs = append(bv.SVs, &SV{Name: p.SV, Type: "LX", Generation: -(len(bv.SVs) + 1),
				State: SnapActive, Time: at.Truncate(time.Second), Size: "47.4GB"})
			s.LVs = append(s.LVs, &LV{Name: p.LV, Type: "LX", Special: "-", Access: "rw", SV: p.SV})
		}
		return nil
	})
}

// SetSVState puts sv in state. A transient state (ending in "ing") given
// settle > 0 shows in that many queries of the BV, then becomes
// snap/active; with settle 0 it stays (a stuck SV).
func SetSVState(dir, sv, state string, settle int) error {
	return Update(dir, func(s *State) error {
		_, v := s.sv(sv)
		if v == nil {
			return fmt.Errorf("no SV %s", sv)
		}
		v.State, v.Settle = state, 0
		if transient(state) {
			v.Settle = settle
		}
		return nil
	})
}

// ClearTime removes sv's snapshot time, leaving its state.
func ClearTime(dir, sv string) error {
	return Update(dir, func(s *State) error {
		_, v := s.sv(sv)
		if v == nil {
			return fmt.Errorf("no SV %s", sv)
		}
		v.Time = time.Time{}
		return nil
	})
}

// RemoveSV deletes sv from its BV, unlinking the LV linked to it.
func RemoveSV(dir, sv string) error {
	return Update(dir, func(s *State) error {
		bv, _ := s.sv(sv)
		if bv == nil {
			return fmt.Errorf("no SV %s", sv)
		}
		bv.SVs = slices.DeleteFunc(bv.SVs, func(v *SV) bool { return v.Name == sv })
		if lv := s.linkedTo(sv); lv != nil {
			lv.SV = ""
		}
		return nil
	})
}

// UnlinkLV unlinks lv from its SV.
func UnlinkLV(dir, lv string) error {
	return Update(dir, func(s *State) error {
		l := s.lv(lv)
		if l == nil {
			return fmt.Errorf("no LV %s", lv)
		}
		l.SV = ""
		return nil
	})
}

// FailOn adds a failure on demand.
func FailOn(dir string, f Failure) error {
	return Update(dir, func(s *State) error {
		s.Failures = append(s.Failures, f)
		return nil
	})
}

// SVTime is when sv's snapshot was taken (zero when it has none).
func SVTime(dir, sv string) (time.Time, error) {
	s, err := Read(dir)
	if err != nil {
		return time.Time{}, err
	}
	_, v := s.sv(sv)
	if v == nil {
		return time.Time{}, fmt.Errorf("no SV %s", sv)
	}
	return v.Time, nil
}
