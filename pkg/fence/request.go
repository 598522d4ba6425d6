package fence

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Action is what a caller asks the proxy to do to a node's power.
type Action string

// The actions.
const (
	ActionOff    Action = "off"
	ActionOn     Action = "on"
	ActionReboot Action = "reboot"
	ActionStatus Action = "status"
)

// ParseAction reads an action word.
func ParseAction(s string) (Action, error) {
	switch a := Action(s); a {
	case ActionOff, ActionOn, ActionReboot, ActionStatus:
		return a, nil
	}
	return "", fmt.Errorf("unknown action %q: want off, on, reboot or status", s)
}

// MaxRequestLen bounds a forced-command line: the longest valid one is
// an action, a node name and a token, well under it.
const MaxRequestLen = 512

// Request is a parsed forced-command line.
type Request struct {
	Action Action
	Node   string // empty when the caller did not name one
	Token  string
}

// String renders r as the client sends it, with the token hidden.
func (r Request) String() string {
	if r.Node == "" {
		return string(r.Action) + " ***"
	}
	return string(r.Action) + " " + r.Node + " ***"
}

// Line renders r as the line the client sends: "ACTION [NODE] TOKEN".
func (r Request) Line() string {
	if r.Node == "" {
		return string(r.Action) + " " + r.Token
	}
	return string(r.Action) + " " + r.Node + " " + r.Token
}

// RequestError is a line ParseRequest refused. Its message describes
// the problem without repeating the input, which may hold a token.
type RequestError struct{ Reason string }

func (e *RequestError) Error() string { return "bad request: " + e.Reason }
func (e *RequestError) Unwrap() error { return ErrBadRequest }

func badRequest(format string, args ...any) error {
	return &RequestError{Reason: fmt.Sprintf(format, args...)}
}

// ParseRequest parses what the caller sent (sshd's SSH_ORIGINAL_COMMAND).
// It accepts exactly
//
//	TOKEN                  (meaning off)
//	ACTION TOKEN
//	ACTION NODE TOKEN
//
// with words separated by single spaces, as the ssh client joins its
// arguments. Anything else (an empty line, extra words, a character
// outside printable ASCII, a shell metacharacter in the token, more than
// MaxRequestLen bytes) is refused. Nothing here is ever given to a shell.
func ParseRequest(s string) (Request, error) {
	if s == "" {
		return Request{}, badRequest("empty command: send ACTION [NODE] TOKEN")
	}
	if len(s) > MaxRequestLen {
		return Request{}, badRequest("command is %d bytes, more than the %d allowed", len(s), MaxRequestLen)
	}
	if !utf8.ValidString(s) {
		return Request{}, badRequest("command is not valid UTF-8")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return Request{}, badRequest("command has a control or non-ASCII character at byte %d", i+1)
		}
	}
	words := strings.Split(s, " ")
	for _, w := range words {
		if w == "" {
			return Request{}, badRequest("command has a leading, trailing or double space")
		}
	}
	var r Request
	switch len(words) {
	case 1:
		r = Request{Action: ActionOff, Token: words[0]}
		if _, err := ParseAction(words[0]); err == nil {
			return Request{}, badRequest("missing token after %s", words[0])
		}
	case 2, 3:
		a, err := ParseAction(words[0])
		if err != nil {
			if !ValidName(words[0]) || len(words[0]) >= MinTokenLen {
				// It may be a token: never repeat it.
				return Request{}, badRequest("the first word is not an action (off, on, reboot, status)")
			}
			return Request{}, badRequest("unknown action %q: want off, on, reboot or status", words[0])
		}
		r = Request{Action: a, Token: words[len(words)-1]}
		if len(words) == 3 {
			if !ValidName(words[1]) {
				return Request{}, badRequest("the second word is not a node name")
			}
			r.Node = words[1]
		}
	default:
		return Request{}, badRequest("%d words; want ACTION [NODE] TOKEN", len(words))
	}
	for i := 0; i < len(r.Token); i++ {
		if !tokenByte(r.Token[i]) {
			return Request{}, badRequest("token has a character that is not allowed (only A-Z a-z 0-9 - _ . ~ + / =)")
		}
	}
	if len(r.Token) < MinTokenLen || len(r.Token) > MaxTokenLen {
		if len(words) == 2 && ValidName(r.Token) && len(r.Token) < MinTokenLen {
			return Request{}, badRequest("missing token (the last word is too short to be one)")
		}
		return Request{}, badRequest("token is %d characters; want %d to %d", len(r.Token), MinTokenLen, MaxTokenLen)
	}
	return r, nil
}
