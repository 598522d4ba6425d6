package targetconf

import (
	"errors"
	"fmt"
)

// ParseError is one problem in a config file.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// IsConfigError tells whether err comes from a bad config file.
func IsConfigError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}

// ParseErrors returns every *ParseError joined in err.
func ParseErrors(err error) []*ParseError {
	var out []*ParseError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if pe, ok := e.(*ParseError); ok {
			out = append(out, pe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		walk(errors.Unwrap(e))
	}
	walk(err)
	return out
}

// Warning is a problem that does not stop ietd from working as written.
type Warning struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Msg  string `json:"message"`
}

func (w Warning) String() string { return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg) }
