package ietsim

import "math"

// C's number parsing, which ietadm and ietd use unchecked: leading blanks
// are skipped, parsing stops at the first character that is not a digit,
// and a string without digits is 0.

// cStrtoul is strtoul(s, NULL, 10) on a 64-bit machine: a leading '-'
// negates modulo 2^64 and overflow gives ULONG_MAX.
func cStrtoul(s string) uint64 {
	neg, digits := cSign(s)
	var v uint64
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			break
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return math.MaxUint64
		}
		v = v*10 + d
	}
	if neg {
		return -v
	}
	return v
}

// cStrtol is strtol(s, NULL, 0): base 16 after "0x", base 8 after "0",
// saturating at LONG_MIN/LONG_MAX.
func cStrtol(s string) int64 {
	neg, digits := cSign(s)
	base := uint64(10)
	switch {
	case len(digits) > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') && hexDigit(digits[2]) >= 0:
		base, digits = 16, digits[2:]
	case len(digits) > 1 && digits[0] == '0':
		base = 8
	}
	var v uint64
	for _, c := range []byte(digits) {
		d := hexDigit(c)
		if d < 0 || uint64(d) >= base {
			break
		}
		v = v*base + uint64(d)
		if v > math.MaxInt64 {
			if neg {
				return math.MinInt64
			}
			return math.MaxInt64
		}
	}
	if neg {
		return -int64(v)
	}
	return int64(v)
}

func cSign(s string) (neg bool, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	return neg, s[i:]
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
