package ietsim

import (
	"fmt"
	"io"
	"strings"
	"syscall"
)

type paramKind uint8

const (
	numeric paramKind = iota
	boolean
	digest
)

// Digest bits as ietd stores HeaderDigest and DataDigest.
const (
	DigestNone   = 1 << 0
	DigestCRC32C = 1 << 1
)

// paramDef is one row of ietd's key tables. A value outside [min, max] is
// set to min: the kernel's CHECK_PARAM does so silently (facts 1.5).
type paramDef struct {
	name          string
	kind          paramKind
	def, min, max uint32
}

// targetKeys and sessionKeys are in the order ietadm --op show prints them.
// The ranges are the kernel's, which are the narrower where userspace and
// kernel differ (MaxRecvDataSegmentLength); DefaultTime2Retain is forced
// to 0 and the keys that "must be" a value have that value as their range.
var targetKeys = []paramDef{
	{"Wthreads", numeric, 8, 1, 128},
	{"Type", numeric, 0, 0, 16},
	{"QueuedCommands", numeric, 32, 1, 256},
	{"NOPInterval", numeric, 0, 0, 90},
	{"NOPTimeout", numeric, 0, 0, 90},
}

var sessionKeys = []paramDef{
	{"InitialR2T", boolean, 1, 0, 1},
	{"ImmediateData", boolean, 1, 0, 1},
	{"MaxConnections", numeric, 1, 1, 65535},
	{"MaxRecvDataSegmentLength", numeric, 8192, 512, 262144},
	{"MaxXmitDataSegmentLength", numeric, 8192, 512, 262144},
	{"MaxBurstLength", numeric, 262144, 512, 16777215},
	{"FirstBurstLength", numeric, 65536, 512, 16777215},
	{"DefaultTime2Wait", numeric, 2, 0, 3600},
	{"DefaultTime2Retain", numeric, 0, 0, 0},
	{"MaxOutstandingR2T", numeric, 1, 1, 65535},
	{"DataPDUInOrder", boolean, 1, 1, 1},
	{"DataSequenceInOrder", boolean, 1, 1, 1},
	{"ErrorRecoveryLevel", numeric, 0, 0, 0},
	{"HeaderDigest", digest, DigestNone, DigestNone, DigestNone | DigestCRC32C},
	{"DataDigest", digest, DigestNone, DigestNone, DigestNone | DigestCRC32C},
	{"OFMarker", boolean, 0, 0, 0},
	{"IFMarker", boolean, 0, 0, 0},
	{"OFMarkInt", numeric, 2048, 1, 65535},
	{"IFMarkInt", numeric, 2048, 1, 65535},
}

func defaults(keys []paramDef) Params {
	p := make(Params, len(keys))
	for _, k := range keys {
		p[k.name] = k.def
	}
	return p
}

// findKey looks name up case-insensitively, as param_index_by_name does.
func findKey(keys []paramDef, name string) (paramDef, bool) {
	for _, k := range keys {
		if strings.EqualFold(k.name, name) {
			return k, true
		}
	}
	return paramDef{}, false
}

// parse converts a value as ietd does: numbers with strtol(..., 0), so
// trailing garbage is ignored and non-numbers are 0; Yes/No/None/CRC32C
// case-sensitively.
func (d paramDef) parse(val string) (uint32, error) {
	switch d.kind {
	case boolean:
		switch val {
		case "Yes":
			return 1, nil
		case "No":
			return 0, nil
		}
		return 0, syscall.EINVAL
	case digest:
		v := uint32(DigestNone)
		for _, p := range strings.Split(val, ",") {
			switch {
			case strings.HasPrefix(p, "None"):
				v |= DigestNone
			case strings.HasPrefix(p, "CRC32C"):
				v |= DigestCRC32C
			default:
				return 0, syscall.EINVAL
			}
		}
		return v, nil
	}
	return uint32(cStrtol(val)), nil
}

// clamp applies the kernel's range check.
func (d paramDef) clamp(v uint32) uint32 {
	if v < d.min || v > d.max {
		return d.min
	}
	return v
}

func (d paramDef) format(v uint32) string {
	switch d.kind {
	case boolean:
		if v != 0 {
			return "Yes"
		}
		return "No"
	case digest:
		if v&DigestCRC32C != 0 {
			return "CRC32C"
		}
		return "None"
	}
	return fmt.Sprint(v)
}

// paramUpdate is a parsed --op update --params list.
type paramUpdate struct {
	target, session Params
}

// parseUpdate parses "k=v,..." as ietadm does: empty items and items
// without '=' are skipped; an unknown key is reported by name.
func parseUpdate(params string) (paramUpdate, string, error) {
	u := paramUpdate{target: Params{}, session: Params{}}
	for _, item := range strings.Split(params, ",") {
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		if d, ok := findKey(targetKeys, key); ok {
			v, err := d.parse(val)
			if err != nil {
				return u, key, err
			}
			u.target[d.name] = v
			continue
		}
		if d, ok := findKey(sessionKeys, key); ok {
			v, err := d.parse(val)
			if err != nil {
				return u, key, err
			}
			u.session[d.name] = v
			continue
		}
		return u, key, errUnknownParam
	}
	return u, "", nil
}

var errUnknownParam = fmt.Errorf("unknown parameter: %w", syscall.EINVAL)

// apply sets the parameters of t, clamping out-of-range values to the
// minimum and fixing NOPTimeout up the way ietd does.
func (u paramUpdate) apply(t *Target) {
	for _, d := range targetKeys {
		if v, ok := u.target[d.name]; ok {
			t.Params[d.name] = d.clamp(v)
		}
	}
	for _, d := range sessionKeys {
		if v, ok := u.session[d.name]; ok {
			t.SessionParams[d.name] = d.clamp(v)
		}
	}
	// NOPTimeout 0, or above NOPInterval, becomes NOPInterval (facts 1.5).
	if to := t.Params["NOPTimeout"]; to == 0 || to > t.Params["NOPInterval"] {
		t.Params["NOPTimeout"] = t.Params["NOPInterval"]
	}
}

// showParams prints keys as Key=Value lines.
func showParams(w io.Writer, keys []paramDef, p Params) {
	for _, d := range keys {
		fmt.Fprintf(w, "%s=%s\n", d.name, d.format(p[d.name]))
	}
}
