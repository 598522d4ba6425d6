package ietd

import (
	"fmt"
	"io/fs"
	"net/netip"
	"strings"

	"github.com/ietkit/ietkit/pkg/targetconf"
)

// Action is one step of a plan. String reads as a line of the plan.
type Action interface {
	// Kind names the action in JSON output ("add-target", ...).
	Kind() string
	String() string
}

// WriteFile replaces a file ietd reads (ietd.conf, initiators.*).
type WriteFile struct {
	Path    string      `json:"path"`
	Mode    fs.FileMode `json:"mode"`
	Content []byte      `json:"-"`
	// Why is "new", "changed" or "mode" (content equal, mode wrong).
	Why string `json:"why"`
	// Secret files are never shown, not even as a diff.
	Secret bool `json:"-"`
}

// AddTarget creates a target with a chosen tid.
type AddTarget struct {
	TID int    `json:"tid"`
	IQN string `json:"iqn"`
}

// SetOptions changes options of a running target.
type SetOptions struct {
	TID     int                 `json:"tid"`
	IQN     string              `json:"iqn"`
	Options []targetconf.Option `json:"options"`
	// Was holds the previous values where known, for the plan output.
	Was map[string]string `json:"was,omitempty"`
}

// AddUser adds a CHAP account (TID 0 and IQN "": discovery). With Replace
// the account exists with another secret and is deleted first.
type AddUser struct {
	TID     int             `json:"tid"`
	IQN     string          `json:"iqn,omitempty"`
	User    targetconf.User `json:"user"`
	Replace bool            `json:"replace,omitempty"`
}

// DeleteUser removes a CHAP account the config no longer names.
type DeleteUser struct {
	TID  int                  `json:"tid"`
	IQN  string               `json:"iqn,omitempty"`
	Dir  targetconf.Direction `json:"dir"`
	Name string               `json:"name"`
}

// SetACL changes which initiators a daemon with live ACLs lets in:
// Unbind first (so that a narrowed list never lets more in meanwhile),
// then Bind.
type SetACL struct {
	TID    int      `json:"tid"`
	IQN    string   `json:"iqn"`
	Bind   []string `json:"bind,omitempty"`
	Unbind []string `json:"unbind,omitempty"`
}

// AddLUN adds a LUN to a target.
type AddLUN struct {
	TID  int            `json:"tid"`
	IQN  string         `json:"iqn"`
	LUN  targetconf.LUN `json:"lun"`
	Size int64          `json:"size"`
}

// Readd is what ResizeLUN and ReplaceLUN share: the LUN is deleted and
// added again while the target's initiators are blocked and its sessions
// closed. Consecutive re-adds of one target share one blackout.
type Readd struct {
	TID int            `json:"tid"`
	IQN string         `json:"iqn"`
	LUN targetconf.LUN `json:"lun"`
	// From is the size served now (0 when unknown), To the device's size.
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// Block are the prefixes blocked meanwhile: the target's allow list
	// and the addresses of its open sessions.
	Block []netip.Prefix `json:"block"`
	// Sessions open at plan time, closed during the blackout.
	Sessions int `json:"sessions"`
	// Why explains the re-add in words.
	Why string `json:"why"`
}

// ResizeLUN re-adds a LUN whose device changed size, so that initiators
// see the new size.
type ResizeLUN struct{ Readd }

// ReplaceLUN re-adds a LUN whose parameters changed.
type ReplaceLUN struct{ Readd }

// DeleteLUN removes a LUN the config no longer names (--prune).
type DeleteLUN struct {
	TID      int    `json:"tid"`
	IQN      string `json:"iqn"`
	LUN      int    `json:"lun"`
	Path     string `json:"path"`
	Sessions int    `json:"sessions"`
}

// DeleteTarget removes a target the config no longer names (--prune),
// closing its sessions first when it has any (--force).
type DeleteTarget struct {
	TID      int       `json:"tid"`
	IQN      string    `json:"iqn"`
	Sessions []Session `json:"sessions,omitempty"`
}

func (WriteFile) Kind() string    { return "write-file" }
func (AddTarget) Kind() string    { return "add-target" }
func (SetOptions) Kind() string   { return "set-options" }
func (AddUser) Kind() string      { return "add-user" }
func (DeleteUser) Kind() string   { return "delete-user" }
func (AddLUN) Kind() string       { return "add-lun" }
func (SetACL) Kind() string       { return "set-acl" }
func (ResizeLUN) Kind() string    { return "resize-lun" }
func (ReplaceLUN) Kind() string   { return "replace-lun" }
func (DeleteLUN) Kind() string    { return "delete-lun" }
func (DeleteTarget) Kind() string { return "delete-target" }

func (a WriteFile) String() string {
	switch a.Why {
	case "new":
		return fmt.Sprintf("write %s (new, mode %04o)", a.Path, a.Mode)
	case "mode":
		return fmt.Sprintf("write %s (content unchanged, mode to %04o)", a.Path, a.Mode)
	}
	return fmt.Sprintf("write %s (changed)", a.Path)
}

func (a AddTarget) String() string { return fmt.Sprintf("add target %s as tid %d", a.IQN, a.TID) }

func (a SetOptions) String() string {
	parts := make([]string, len(a.Options))
	for i, o := range a.Options {
		if was, ok := a.Was[o.Key]; ok {
			parts[i] = fmt.Sprintf("%s %s -> %s", o.Key, was, o.Value)
		} else {
			parts[i] = fmt.Sprintf("%s %s", o.Key, o.Value)
		}
	}
	return fmt.Sprintf("set options of %s: %s", a.IQN, strings.Join(parts, ", "))
}

func owner(iqn string) string {
	if iqn == "" {
		return "discovery"
	}
	return iqn
}

func (a AddUser) String() string {
	verb := "add"
	if a.Replace {
		verb = "change secret of"
	}
	return fmt.Sprintf("%s %s user %s of %s", verb, a.User.Dir, a.User.Name, owner(a.IQN))
}

func (a DeleteUser) String() string {
	return fmt.Sprintf("delete %s user %s of %s", a.Dir, a.Name, owner(a.IQN))
}

func (a SetACL) String() string {
	var parts []string
	for _, e := range a.Unbind {
		parts = append(parts, "-"+e)
	}
	for _, e := range a.Bind {
		parts = append(parts, "+"+e)
	}
	return fmt.Sprintf("set initiators allowed into %s: %s", a.IQN, strings.Join(parts, " "))
}

func (a AddLUN) String() string {
	return fmt.Sprintf("add lun %d of %s: %s (%s, %s)", a.LUN.Number, a.IQN, a.LUN.Path, a.LUN.Type, HumanSize(a.Size))
}

func (r Readd) blackout() string {
	s := "blocks " + joinPrefixes(r.Block)
	if len(r.Block) == 0 {
		s = "no initiator address to block"
	}
	if r.Sessions > 0 {
		s += fmt.Sprintf(", closes %d session(s)", r.Sessions)
	}
	return s
}

func (a ResizeLUN) String() string {
	from := HumanSize(a.From)
	if a.From == 0 {
		from = "unknown size"
	}
	return fmt.Sprintf("resize lun %d of %s: %s -> %s (%s)", a.LUN.Number, a.IQN, from, HumanSize(a.To), a.blackout())
}

func (a ReplaceLUN) String() string {
	return fmt.Sprintf("re-add lun %d of %s: %s (%s)", a.LUN.Number, a.IQN, a.Why, a.blackout())
}

func (a DeleteLUN) String() string {
	s := fmt.Sprintf("delete lun %d of %s (%s)", a.LUN, a.IQN, a.Path)
	if a.Sessions > 0 {
		s += fmt.Sprintf(" while %d session(s) are open (--force)", a.Sessions)
	}
	return s
}

func (a DeleteTarget) String() string {
	s := fmt.Sprintf("delete target %s (tid %d)", a.IQN, a.TID)
	if len(a.Sessions) > 0 {
		s += fmt.Sprintf(" after closing %d session(s) (--force)", len(a.Sessions))
	}
	return s
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		if p.IsSingleIP() {
			s[i] = p.Addr().String()
		} else {
			s[i] = p.String()
		}
	}
	return strings.Join(s, ", ")
}

// HumanSize prints a byte count in binary units, exact bytes when small.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
