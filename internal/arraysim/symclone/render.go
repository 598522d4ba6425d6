package symclone

import (
	"fmt"
	"strings"
	"time"
)

// renderQuery prints `symclone -g DG query` in the layout of the VMAX
// admin notes that facts 2.1 cites (column widths measured there: the
// four groups of dashes are 33, 28, 12 and 4 wide).
func renderQuery(w *strings.Builder, g *Group, ss []*Session) {
	fmt.Fprintf(w, "\n\nDevice Group (DG) Name: %s\n", g.Name)
	fmt.Fprintf(w, "DG's Type             : %s\n", g.Type)
	fmt.Fprintf(w, "DG's Symmetrix ID     : %s\n\n\n", g.SymID)
	const rule = "--------------------------------- ---------------------------- ------------ ----\n"
	w.WriteString("         Source Device                   Target Device            State     Copy\n")
	w.WriteString(rule)
	w.WriteString("               Protected Modified                Modified\n")
	w.WriteString("Logical   Sym  Tracks    Tracks   Logical   Sym  Tracks   CGDP SRC <=> TGT  (%)\n")
	w.WriteString(rule)
	var prot int64
	for _, s := range ss {
		src, tgt := g.device(s.Source), g.device(s.Target)
		p := src.Tracks * int64(100-s.Percent) / 100
		prot += p
		fmt.Fprintf(w, "%-9s %-4s %9d %8d %-9s %-4s %8d %-4s %-12s %3d\n",
			s.Source, src.Sym, p, 0, s.Target, tgt.Sym, 0, "XXX.", s.State, s.Percent)
	}
	w.WriteString("\nTotal           -------- --------                --------\n")
	fmt.Fprintf(w, "  Track(s)%14d%9d%24d\n", prot, 0, 0)
	// 64 KiB tracks: 16 to the MB, as 660000 tracks make 41250.0 MB in
	// the notes.
	fmt.Fprintf(w, "  MB(s)%17.1f%9.1f%24.1f\n\n", float64(prot)/16, 0.0, 0.0)
}

// renderLDList prints `symld -g DG list -v`. No public sample of this
// output was found: the keys are those the agent read (facts 1.2), each
// device block begins with "Device Physical Name" as the agent expected,
// and the layout (indentation, the clone block in braces) follows the
// style of symcli's other verbose listings. Times are C's ctime format
// in loc, as "Thu Feb 25 10:20:56 2010" (facts 1.2).
func renderLDList(w *strings.Builder, g *Group, loc *time.Location) {
	fmt.Fprintf(w, "\n    Device Group (DG) Name: %s\n", g.Name)
	fmt.Fprintf(w, "    DG's Type             : %s\n", g.Type)
	fmt.Fprintf(w, "    DG's Symmetrix ID     : %s\n\n", g.SymID)
	for _, d := range g.Devices {
		fmt.Fprintf(w, "\n    Device Physical Name     : %s\n\n", d.Physical)
		fmt.Fprintf(w, "    Device Symmetrix Name    : %s\n", d.Sym)
		fmt.Fprintf(w, "    Device Serial ID         : N/A\n")
		fmt.Fprintf(w, "    Symmetrix ID             : %s\n\n", g.SymID)
		fmt.Fprintf(w, "    Device Group Name        : %s\n", g.Name)
		fmt.Fprintf(w, "    Device Logical Name      : %s\n\n", d.Logical)
		fmt.Fprintf(w, "    Vendor ID                : EMC\n")
		fmt.Fprintf(w, "    Product ID               : SYMMETRIX\n")
		fmt.Fprintf(w, "    Product Revision         : 5773\n")
		fmt.Fprintf(w, "    Device Emulation Type    : FBA\n")
		fmt.Fprintf(w, "    Device Capacity          : %d Tracks\n", d.Tracks)
		var s *Session
		for _, x := range g.Sessions {
			if x.Source == d.Logical || x.Target == d.Logical {
				s = x
				break
			}
		}
		if s == nil {
			continue
		}
		last := "N/A"
		if !s.LastAction.IsZero() {
			last = s.LastAction.In(loc).Format(time.ANSIC)
		}
		src, tgt := g.device(s.Source), g.device(s.Target)
		fmt.Fprintf(w, "\n    Clone Device Information\n        {\n")
		fmt.Fprintf(w, "        Source (SRC) Device Symmetrix Name  : %s\n", src.Sym)
		fmt.Fprintf(w, "        Target (TGT) Device Symmetrix Name  : %s\n", tgt.Sym)
		fmt.Fprintf(w, "        State of Session (SRC ====> TGT)    : %s\n", s.State)
		fmt.Fprintf(w, "        Time of Last Clone Action           : %s\n", last)
		fmt.Fprintf(w, "        Changed Tracks for SRC Device       : 0\n")
		fmt.Fprintf(w, "        Changed Tracks for TGT Device       : 0\n")
		fmt.Fprintf(w, "        Percent Copied                      : %d%%\n", s.Percent)
		fmt.Fprintf(w, "        }\n")
	}
	w.WriteString("\n")
}
