package ietsim

import (
	"fmt"
	"io"
	"strings"
	"syscall"
)

// request is what ietadm sends to ietd: the op name test hooks know it by
// ("" for requests hooks cannot target), whether it changes the state, and
// what ietd does with it.
type request struct {
	name    string
	mutates bool
	do      func(st *State, v Version, stdout, stderr io.Writer) error
}

// Op names of the requests test hooks can act on.
const (
	OpTargetNew    = "target-new"
	OpTargetDelete = "target-delete"
	OpTargetUpdate = "target-update"
	OpTargetShow   = "target-show"
	OpLUNNew       = "lun-new"
	OpLUNDelete    = "lun-delete"
	OpConnDelete   = "conn-delete"
	OpUserNew      = "user-new"
	OpUserDelete   = "user-delete"
	OpUserShow     = "user-show"
)

// OpNames lists every op name.
func OpNames() []string {
	return []string{OpTargetNew, OpTargetDelete, OpTargetUpdate, OpTargetShow,
		OpLUNNew, OpLUNDelete, OpConnDelete, OpUserNew, OpUserDelete, OpUserShow}
}

// client is one ietadm invocation's client side: the checks ietadm makes
// before it talks to ietd.
type client struct {
	o      options
	v      Version
	stderr io.Writer
}

// dispatch picks the handler in ietadm's order: --user, --lun, --cid,
// --sid, --tid, else system-wide. It returns the request to send, or the
// errno of a request refused before sending (with nil request).
func (c *client) dispatch() (*request, error) {
	switch set := c.o.set; {
	case set&setUser != 0:
		return c.user()
	case set&setLUN != 0:
		return c.lunit()
	case set&setConn != 0:
		return c.conn()
	case set&setSession != 0:
		return c.session()
	case set&setTarget != 0:
		return c.target()
	}
	return c.system()
}

func (c *client) unsupported() (*request, error) {
	fmt.Fprintln(c.stderr, "Unsupported.")
	return nil, syscall.EINVAL
}

func (c *client) target() (*request, error) {
	o := c.o
	switch o.op {
	case opNew:
		// Only "Name" (case-sensitive) is accepted; the name is the rest
		// of the string, commas included.
		if o.params == nil {
			return nil, syscall.EINVAL
		}
		key, name, ok := strings.Cut(*o.params, "=")
		if !ok || key != "Name" {
			return nil, syscall.EINVAL
		}
		return &request{name: OpTargetNew, mutates: true, do: func(st *State, _ Version, _, _ io.Writer) error {
			_, err := st.newTarget(o.tid, name)
			return err
		}}, nil
	case opDelete:
		return &request{name: OpTargetDelete, mutates: true, do: func(st *State, _ Version, _, _ io.Writer) error {
			return st.deleteTarget(o.tid)
		}}, nil
	case opUpdate:
		params := ""
		if o.params != nil {
			params = *o.params
		}
		u, key, err := parseUpdate(params)
		if err == errUnknownParam {
			fmt.Fprintf(c.stderr, "Unknown parameter %s\n", key)
		}
		if err != nil {
			return nil, syscall.EINVAL
		}
		return &request{name: OpTargetUpdate, mutates: true, do: func(st *State, _ Version, _, _ io.Writer) error {
			return st.updateTarget(o.tid, u)
		}}, nil
	default: // opShow
		return &request{name: OpTargetShow, do: func(st *State, v Version, stdout, _ io.Writer) error {
			return st.showTarget(stdout, v, o.tid)
		}}, nil
	}
}

func (c *client) lunit() (*request, error) {
	o := c.o
	if o.op == opUpdate {
		return c.unsupported()
	}
	if o.set&setTarget == 0 {
		return nil, syscall.EINVAL
	}
	switch o.op {
	case opNew:
		params := ""
		if o.params != nil {
			params = *o.params
		}
		return &request{name: OpLUNNew, mutates: true, do: func(st *State, v Version, _, _ io.Writer) error {
			return st.newLUN(v, o.tid, o.lun, params)
		}}, nil
	case opDelete:
		return &request{name: OpLUNDelete, mutates: true, do: func(st *State, _ Version, _, _ io.Writer) error {
			return st.deleteLUN(o.tid, o.lun)
		}}, nil
	default: // opShow: ietadm's "TODO"; ietd only checks that the LUN exists
		return &request{do: func(st *State, _ Version, _, _ io.Writer) error {
			if t := st.target(o.tid); t == nil || t.lun(o.lun) == nil {
				return syscall.ENOENT
			}
			return nil
		}}, nil
	}
}

func (c *client) conn() (*request, error) {
	o := c.o
	if o.op == opNew || o.op == opUpdate {
		return c.unsupported()
	}
	if o.set&(setTarget|setSession) != setTarget|setSession {
		return nil, syscall.EINVAL
	}
	if o.op == opDelete {
		return &request{name: OpConnDelete, mutates: true, do: func(st *State, _ Version, _, _ io.Writer) error {
			return st.deleteConn(o.tid, o.sid, o.cid)
		}}, nil
	}
	return &request{do: func(st *State, _ Version, _, _ io.Writer) error {
		return st.findConn(o.tid, o.sid, o.cid)
	}}, nil
}

func (c *client) session() (*request, error) {
	o := c.o
	if o.op == opNew || o.op == opUpdate {
		return c.unsupported()
	}
	if o.set&setTarget == 0 || o.op == opDelete {
		// The delete branch of sess_handle is an empty "close all
		// connections" comment: nothing is sent, -EINVAL is returned.
		return nil, syscall.EINVAL
	}
	return &request{do: func(st *State, _ Version, stdout, _ io.Writer) error {
		return st.showSession(stdout, o.tid, o.sid)
	}}, nil
}

func (c *client) user() (*request, error) {
	o := c.o
	if o.set&^(setTarget|setUser) != 0 {
		return nil, syscall.EINVAL
	}
	switch o.op {
	case opUpdate:
		return c.unsupported()
	case opShow:
		if !c.v.is1420() {
			return c.unsupported()
		}
		return &request{name: OpUserShow, do: func(st *State, _ Version, stdout, _ io.Writer) error {
			return st.showAccounts(stdout, o.tid)
		}}, nil
	}
	dir, user, pass, err := c.userParams()
	if err != nil {
		return nil, err
	}
	if o.op == opNew {
		return &request{name: OpUserNew, mutates: true, do: func(st *State, _ Version, _, _ io.Writer) error {
			return st.newAccount(o.tid, dir, *user, *pass)
		}}, nil
	}
	return &request{name: OpUserDelete, mutates: true, do: func(st *State, _ Version, _, _ io.Writer) error {
		return st.deleteAccount(o.tid, dir, *user)
	}}, nil
}

// userParams parses IncomingUser=|OutgoingUser=, Password= as user_handle
// does, with its messages.
func (c *client) userParams() (dir string, user, pass *string, err error) {
	if c.o.params != nil {
		for _, item := range strings.Split(*c.o.params, ",") {
			key, val, ok := strings.Cut(item, "=")
			if !ok {
				continue
			}
			val = strings.TrimPrefix(val, " ")
			switch {
			case strings.EqualFold(key, Incoming), strings.EqualFold(key, Outgoing):
				if user != nil {
					fmt.Fprintf(c.stderr, "Already specified user %s\n", val)
				}
				user, dir = &val, Incoming
				if strings.EqualFold(key, Outgoing) {
					dir = Outgoing
				}
			case strings.EqualFold(key, "Password"):
				if pass != nil {
					fmt.Fprintf(c.stderr, "Already specified pass %s\n", val)
				}
				pass = &val
			default:
				fmt.Fprintf(c.stderr, "Unknown parameter %s\n", key)
				return "", nil, nil, syscall.EINVAL
			}
		}
	}
	if user == nil || (c.o.op == opNew && pass == nil) {
		fmt.Fprintf(c.stderr, "You need to specify a user and its password %s %s\n", cString(pass), cString(user))
		return "", nil, nil, syscall.EINVAL
	}
	return dir, user, pass, nil
}

// cString prints a possibly NULL char * the way glibc's printf does.
func cString(s *string) string {
	if s == nil {
		return "(null)"
	}
	return *s
}

// system handles requests without ids. Only delete means something: up to
// 1.4.19 it stops ietd (server_stop); from 1.4.20 it only leaves iSNS.
func (c *client) system() (*request, error) {
	if c.o.op != opDelete {
		return &request{do: func(*State, Version, io.Writer, io.Writer) error { return syscall.EINVAL }}, nil
	}
	return &request{mutates: true, do: func(st *State, v Version, _, _ io.Writer) error {
		if !v.is1420() {
			st.Stopped = true
		}
		return nil
	}}, nil
}
