package necism

import (
	"fmt"
	"strings"
	"time"
)

// timeLayout is how iSM prints times ("2014/09/18 05:15:04").
const timeLayout = "2006/01/02 15:04:05"

// renderBVDetail is the output of iSMsc_query -bv BV -bvflg ld -detail,
// laid out as the sample in facts 1.3 (from the cluster agent's
// docstring). How an SV without a linked LV shows is not documented: here
// its LV Link Status is "unlink" and no LV block follows it; an SV
// without a snapshot shows its state without a time and "-" as its
// Create Start Time.
func renderBVDetail(s *State, bv *BV, loc *time.Location) string {
	var b strings.Builder
	b.WriteString("BV Information\n")
	fmt.Fprintf(&b, "    LD Name      : %s\n", bv.Name)
	fmt.Fprintf(&b, "    Type         : %s\n", bv.Type)
	fmt.Fprintf(&b, "    Special File : %s\n", bv.Special)
	b.WriteString("    State        : normal\n")
	b.WriteString("    Reserve Area : -\n")
	b.WriteString("\nPair Information\n")
	for _, sv := range bv.SVs {
		fmt.Fprintf(&b, "    SV:LD Name              : %s\n", sv.Name)
		fmt.Fprintf(&b, "       Type                 : %s\n", sv.Type)
		fmt.Fprintf(&b, "       Generation(Attribute): %d(normal)\n", sv.Generation)
		start := "-"
		if sv.Time.IsZero() {
			fmt.Fprintf(&b, "       Snap State           : %s\n", sv.State)
		} else {
			start = sv.Time.In(loc).Format(timeLayout)
			fmt.Fprintf(&b, "       Snap State           : %-18s [%s]\n", sv.State, start)
		}
		fmt.Fprintf(&b, "       Create   Start Time  : %s\n", start)
		b.WriteString("       Processing Data Size : -\n")
		fmt.Fprintf(&b, "       Snapshot Data Size   : %s\n", sv.Size)
		b.WriteString("       SV Guard             : off\n")
		lv := s.linkedTo(sv.Name)
		if lv == nil {
			b.WriteString("       LV Link Status       : unlink\n")
			continue
		}
		b.WriteString("       LV Link Status       : link\n")
		fmt.Fprintf(&b, "    LV:LD Name              : %s\n", lv.Name)
		fmt.Fprintf(&b, "       Type                 : %s\n", lv.Type)
		if lv.Special != "" {
			fmt.Fprintf(&b, "       Special File         : %s\n", lv.Special)
		}
		fmt.Fprintf(&b, "       LV Access            : %s\n", lv.Access)
	}
	return b.String()
}

// renderSVQuery is the output of iSMsc_query -sv SV -svflg ld (facts 1.3):
// the BV block, then one line for the SV.
func renderSVQuery(s *State, bv *BV, sv *SV, loc *time.Location) string {
	var b strings.Builder
	b.WriteString("BV Information\n")
	fmt.Fprintf(&b, "    LD Name      : %s\n", bv.Name)
	fmt.Fprintf(&b, "    Type         : %s\n", bv.Type)
	fmt.Fprintf(&b, "    Special File : %s\n", bv.Special)
	b.WriteString("    State        : normal\n")
	b.WriteString("    Reserve Area : -\n")
	b.WriteString("\nSV Information\n")
	link := "unlink"
	if s.linkedTo(sv.Name) != nil {
		link = "link"
	}
	when := ""
	if !sv.Time.IsZero() {
		when = "[" + sv.Time.In(loc).Format(timeLayout) + "] "
	}
	fmt.Fprintf(&b, "  %s:%-24s(%3d) %-13s %s%s\n", sv.Type, sv.Name, sv.Generation, sv.State, when, link)
	return b.String()
}

// renderCreate is what iSMsc_create prints on success, as in seed 000.
func renderCreate(bv *BV, sv *SV, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "iSMsc_create:Info: %s: iSMsc_create has normally terminated.\n", msgCreateOK)
	fmt.Fprintf(&b, "   BV:%-19s %s\n", bv.Name, bv.Type)
	fmt.Fprintf(&b, "      Special File : %s\n", bv.Special)
	fmt.Fprintf(&b, "   SV:%-19s %s\n", sv.Name, sv.Type)
	fmt.Fprintf(&b, "      Generation : %d\n", sv.Generation)
	fmt.Fprintf(&b, "      Status     : %s [%s]\n", sv.State, sv.Time.In(loc).Format(timeLayout))
	return b.String()
}

func renderOK(cmd, id string) string {
	return fmt.Sprintf("%s:Info: %s: %s has normally terminated.\n", cmd, id, cmd)
}
