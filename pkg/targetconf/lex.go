package targetconf

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// segment is a run of a word's text that was quoted, or not.
type segment struct {
	text   string
	quoted bool
}

// word is one blank-separated word of a line.
type word struct {
	segs []segment
	col  int // 1-based column of its first character
}

// text is the word's value with quotes removed.
func (w word) text() string {
	if len(w.segs) == 1 {
		return w.segs[0].text
	}
	var b strings.Builder
	for _, s := range w.segs {
		b.WriteString(s.text)
	}
	return b.String()
}

// quoted tells whether any part of the word was quoted.
func (w word) quoted() bool {
	for _, s := range w.segs {
		if s.quoted {
			return true
		}
	}
	return false
}

// listItem is one comma-separated item of a word.
type listItem struct {
	text   string
	quoted bool
}

// splitList splits a word at commas that are not inside quotes.
func (w word) splitList() []listItem {
	var items []listItem
	var cur strings.Builder
	q := false
	for _, s := range w.segs {
		if s.quoted {
			cur.WriteString(s.text)
			q = true
			continue
		}
		parts := strings.Split(s.text, ",")
		for i, p := range parts {
			if i > 0 {
				items = append(items, listItem{cur.String(), q})
				cur.Reset()
				q = false
			}
			cur.WriteString(p)
		}
	}
	return append(items, listItem{cur.String(), q})
}

// lexLine splits one line into words. It reports malformed quoting,
// control characters and a '#' inside an unquoted word, which would
// otherwise silently cut a value short.
func lexLine(line string) ([]word, error) {
	if !utf8.ValidString(line) {
		return nil, fmt.Errorf("line is not valid UTF-8")
	}
	var words []word
	var cur *word
	var seg strings.Builder
	flush := func(quoted bool) {
		if cur != nil && (seg.Len() > 0 || quoted) {
			cur.segs = append(cur.segs, segment{seg.String(), quoted})
		}
		seg.Reset()
	}
	endWord := func() {
		if cur == nil {
			return
		}
		flush(false)
		words = append(words, *cur)
		cur = nil
	}
	col := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		col++
		switch {
		case r == ' ' || r == '\t' || r == '\r':
			endWord()
			i += size
		case r == '#' && cur == nil:
			return words, nil
		case r == '#':
			return nil, fmt.Errorf("column %d: '#' inside a word; quote the value, or put a blank before the comment", col)
		case r == '"':
			if cur == nil {
				cur = &word{col: col}
			}
			flush(false)
			start := col
			i += size
			closed := false
			for i < len(line) {
				r, size = utf8.DecodeRuneInString(line[i:])
				col++
				if r == '"' {
					i += size
					closed = true
					break
				}
				if r == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\') {
					seg.WriteByte(line[i+1])
					i += 2
					col++
					continue
				}
				if unicode.IsControl(r) && r != '\t' {
					return nil, fmt.Errorf("column %d: control character %U in a quoted value", col, r)
				}
				seg.WriteRune(r)
				i += size
			}
			if !closed {
				return nil, fmt.Errorf("column %d: unterminated quote", start)
			}
			flush(true)
		case unicode.IsControl(r):
			return nil, fmt.Errorf("column %d: control character %U", col, r)
		default:
			if cur == nil {
				cur = &word{col: col}
			}
			seg.WriteRune(r)
			i += size
		}
	}
	endWord()
	return words, nil
}

// quote renders a value so that lexLine reads it back unchanged: bare
// when it can be, else in double quotes with only the escapes needed.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"#\\,") {
		return s
	}
	return forceQuote(s)
}

// forceQuote renders s in double quotes with only the escapes needed.
func forceQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\' && (i+1 == len(s) || s[i+1] == '"' || s[i+1] == '\\'):
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
