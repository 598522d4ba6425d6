package targetconf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ietkit/ietkit/pkg/remote"
)

// legacyDriver is the bash program that evaluates an old iscsitarget-tools
// configuration. The old update.sh sourced common.conf and target.conf and
// called global_options, target_common_option and build_targets_luns,
// which call option, target and lun. Here those three are stand-ins that
// report each call, with the file and line it came from, as NUL-separated
// records on stdout: kind, file, line, argc, args. What the configuration
// itself prints is discarded; what it prints on stderr is an error.
// lun_callback* functions are never called: they would write files.
const legacyDriver = `
__ietkit_common=$1 __ietkit_targets=$2
set --
exec 3>&1 1>/dev/null
__ietkit_emit() {
	local kind=$1; shift
	printf '%s\0%s\0%s\0%s\0' "$kind" "${BASH_SOURCE[2]}" "${BASH_LINENO[1]}" "$#" >&3
	if [ $# -gt 0 ]; then printf '%s\0' "$@" >&3; fi
}
__ietkit_standins() {
	option() { __ietkit_emit "option-$__ietkit_phase" "$@"; }
	target() { __ietkit_emit target "$@"; }
	lun() { __ietkit_emit lun "${LUN_TYPEIO-}" "$@"; }
}
__ietkit_phase=toplevel
__ietkit_standins
source "$__ietkit_common" || exit 1
source "$__ietkit_targets" || exit 1
__ietkit_standins
__ietkit_var() { printf '%s\0%s\0%s\0%s\0%s\0' var - 0 1 "$1" >&3; }
__ietkit_var "TARGET_PREFIX=${TARGET_PREFIX-}"
if declare -F global_options >/dev/null; then __ietkit_phase=global; global_options; fi
if declare -F target_common_option >/dev/null; then __ietkit_phase=common; target_common_option; fi
if ! declare -F build_targets_luns >/dev/null; then
	echo "$__ietkit_targets: build_targets_luns is not defined" >&2
	exit 1
fi
__ietkit_phase=target
build_targets_luns
for f in lun_callback_pre lun_callback lun_callback_post; do
	if declare -F "$f" >/dev/null; then __ietkit_var "callback=$f"; fi
done
`

// legacyRecord is one call reported by the driver.
type legacyRecord struct {
	kind string
	pos  Pos
	args []string
}

// ImportLegacy evaluates an old shell-style configuration (common.conf and
// target.conf of iscsitarget-tools) with bash and returns the equivalent
// declarative target.conf. Errors of the shell come back with its message;
// problems in the result (an address ietd never matches, a path exported
// twice) are reported at the line of the old file that caused them.
func ImportLegacy(ctx context.Context, r remote.Runner, common, targets string) ([]byte, *Config, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := r.Run(ctx, remote.Cmd{
		Argv: []string{"bash", "--noprofile", "--norc", "-c", legacyDriver, "iet-update-import", common, targets},
		Env:  []string{"LC_ALL=C"},
	})
	stderr := strings.TrimSpace(string(res.Stderr))
	if err != nil {
		if stderr != "" {
			return nil, nil, fmt.Errorf("evaluate %s and %s with bash: %s", common, targets, stderr)
		}
		return nil, nil, fmt.Errorf("evaluate %s and %s with bash: %w", common, targets, err)
	}
	if stderr != "" {
		return nil, nil, fmt.Errorf("evaluate %s and %s with bash: %s", common, targets, stderr)
	}
	recs, err := parseLegacyRecords(res.Stdout)
	if err != nil {
		return nil, nil, fmt.Errorf("read what bash reported: %w", err)
	}
	text, lines, notes := convertLegacy(recs)
	cfg, err := Parse(strings.NewReader(text), "converted")
	if err != nil {
		var out []error
		for _, pe := range ParseErrors(err) {
			pos := Pos{File: "converted", Line: pe.Line}
			if pe.Line > 0 && pe.Line <= len(lines) && lines[pe.Line-1].File != "" {
				pos = lines[pe.Line-1]
			}
			out = append(out, &ParseError{File: pos.File, Line: pos.Line, Msg: pe.Msg})
		}
		return nil, nil, errors.Join(out...)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Converted by iet-update import-legacy from %s and %s.\n", common, targets)
	for _, n := range notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	b.WriteByte('\n')
	b.Write(Format(cfg))
	return b.Bytes(), cfg, nil
}

func parseLegacyRecords(out []byte) ([]legacyRecord, error) {
	fields := strings.Split(string(out), "\x00")
	if len(fields) > 0 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	var recs []legacyRecord
	for i := 0; i < len(fields); {
		if i+4 > len(fields) {
			return nil, errors.New("truncated record")
		}
		line, _ := strconv.Atoi(fields[i+2])
		n, err := strconv.Atoi(fields[i+3])
		if err != nil || n < 0 || i+4+n > len(fields) {
			return nil, fmt.Errorf("bad record %q", fields[i])
		}
		recs = append(recs, legacyRecord{
			kind: fields[i],
			pos:  Pos{File: fields[i+1], Line: line},
			args: fields[i+4 : i+4+n],
		})
		i += 4 + n
	}
	return recs, nil
}

// convertLegacy turns the calls into declarative text. lines maps each
// line of the text to the legacy position it came from.
func convertLegacy(recs []legacyRecord) (text string, lines []Pos, notes []string) {
	var b strings.Builder
	emit := func(pos Pos, format string, args ...any) {
		fmt.Fprintf(&b, format+"\n", args...)
		lines = append(lines, pos)
	}
	vars := map[string]string{}
	for _, r := range recs {
		if r.kind == "var" && len(r.args) == 1 {
			k, v, _ := strings.Cut(r.args[0], "=")
			if k == "callback" {
				notes = append(notes, fmt.Sprintf("%s is defined but not converted: describe backups with a \"backup\" line (e.g. backup lvm:/dev/vg_backup/{lv}_bk).", v))
				continue
			}
			vars[k] = v
		}
	}
	if p := vars["TARGET_PREFIX"]; p != "" {
		emit(Pos{}, "prefix %s", quote(p))
	}
	// The most common LUN_TYPEIO becomes lun-type; LUNs that differ say so.
	types := map[string]int{}
	for _, r := range recs {
		if r.kind == "lun" && len(r.args) > 0 && r.args[0] != "" {
			types[r.args[0]]++
		}
	}
	lunType := ""
	for t, n := range types {
		if n > types[lunType] || (n == types[lunType] && t < lunType) {
			lunType = t
		}
	}
	if lunType != "" && lunType != DefaultLUNType {
		emit(Pos{}, "lun-type %s", quote(lunType))
	}
	inTarget := false
	for _, r := range recs {
		switch r.kind {
		case "option-global", "option-common", "option-toplevel", "option-target":
			if len(r.args) == 0 {
				emit(r.pos, "option")
				continue
			}
			key := r.args[0]
			vals := strings.Fields(strings.Join(r.args[1:], " "))
			isUser := strings.EqualFold(key, "IncomingUser") || strings.EqualFold(key, "OutgoingUser")
			switch {
			case isUser && (r.kind != "option-target" || !inTarget):
				emit(r.pos, "global %s %s", quote(key), quoteAll(vals))
			case isUser:
				dir := "incoming"
				if strings.EqualFold(key, "OutgoingUser") {
					dir = "outgoing"
				}
				emit(r.pos, "  user %s %s", dir, quoteAll(vals))
			case r.kind == "option-global":
				emit(r.pos, "global %s %s", quote(key), quoteAll(vals))
			case r.kind == "option-target" && inTarget:
				emit(r.pos, "  option %s %s", quote(key), quoteAll(vals))
			default:
				emit(r.pos, "option %s %s", quote(key), quoteAll(vals))
			}
		case "target":
			inTarget = true
			var addrs []string
			for _, a := range r.args[1:] {
				addrs = append(addrs, strings.Split(a, ",")...)
			}
			var kept []string
			for _, a := range addrs {
				if a = strings.TrimSpace(a); a != "" {
					if strings.HasPrefix(strings.ToLower(a), "iqn.") {
						a = forceQuote(a)
					}
					kept = append(kept, a)
				}
			}
			name := ""
			if len(r.args) > 0 {
				name = quote(r.args[0])
			}
			emit(r.pos, "\ntarget %s %s", name, strings.Join(kept, ","))
			lines = append(lines, r.pos) // the blank line before it
		case "lun":
			typ, args := r.args[0], r.args[1:]
			var params []string
			hasType := false
			for _, a := range args[min(2, len(args)):] {
				for _, p := range strings.Split(a, ",") {
					if p = strings.TrimSpace(p); p != "" {
						if strings.HasPrefix(strings.ToLower(p), "type=") {
							hasType = true
						}
						params = append(params, quote(p))
					}
				}
			}
			if typ == "" {
				typ = DefaultLUNType
			}
			if !hasType && typ != lunType && !(lunType == "" && typ == DefaultLUNType) {
				params = append(params, "Type="+quote(typ))
			}
			emit(r.pos, "  lun %s %s", quoteAll(args[:min(2, len(args))]), strings.Join(params, " "))
		}
	}
	return b.String(), lines, notes
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return strings.Join(q, " ")
}
