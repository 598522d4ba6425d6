package ietsim

import (
	"fmt"
	"slices"
	"syscall"
)

// addSession logs an initiator in: a session with its connections.
func (st *State) addSession(tid uint32, sid uint64, initiator string, conns []Conn) error {
	t := st.target(tid)
	if t == nil {
		return fmt.Errorf("add session %d to target %d: %w", sid, tid, syscall.ENOENT)
	}
	if t.session(sid) != nil {
		return fmt.Errorf("add session %d to target %d: %w", sid, tid, syscall.EEXIST)
	}
	s := Session{SID: sid, Initiator: initiator, Conns: []Conn{}}
	for _, c := range conns {
		if slices.ContainsFunc(s.Conns, func(x Conn) bool { return x.CID == c.CID }) {
			return fmt.Errorf("add session %d to target %d: cid %d twice: %w", sid, tid, c.CID, syscall.EEXIST)
		}
		if !c.IP.IsValid() {
			return fmt.Errorf("add session %d to target %d: cid %d has no address: %w", sid, tid, c.CID, syscall.EINVAL)
		}
		if c.State == "" {
			c.State = "active"
		}
		if c.HD == "" {
			c.HD = "none"
		}
		if c.DD == "" {
			c.DD = "none"
		}
		s.Conns = append(s.Conns, c)
	}
	t.Sessions = append(t.Sessions, s)
	return nil
}

// removeSession logs an initiator out.
func (st *State) removeSession(tid uint32, sid uint64) error {
	t := st.target(tid)
	if t == nil || t.session(sid) == nil {
		return fmt.Errorf("remove session %d of target %d: %w", sid, tid, syscall.ENOENT)
	}
	t.Sessions = slices.DeleteFunc(t.Sessions, func(s Session) bool { return s.SID == sid })
	return nil
}

// deleteConn closes a connection (C_CONN_DEL); a session left without
// connections is deleted with it.
func (st *State) deleteConn(tid uint32, sid uint64, cid uint32) error {
	t := st.target(tid)
	if t == nil {
		return fmt.Errorf("delete connection %d of session %d of target %d: %w", cid, sid, tid, syscall.ENOENT)
	}
	s := t.session(sid)
	if s == nil || !slices.ContainsFunc(s.Conns, func(c Conn) bool { return c.CID == cid }) {
		return fmt.Errorf("delete connection %d of session %d of target %d: %w", cid, sid, tid, syscall.ENOENT)
	}
	s.Conns = slices.DeleteFunc(s.Conns, func(c Conn) bool { return c.CID == cid })
	if len(s.Conns) == 0 {
		return st.removeSession(tid, sid)
	}
	return nil
}

// findConn reports whether a connection exists (C_CONN_SHOW, which prints
// nothing).
func (st *State) findConn(tid uint32, sid uint64, cid uint32) error {
	if t := st.target(tid); t != nil {
		if s := t.session(sid); s != nil && slices.ContainsFunc(s.Conns, func(c Conn) bool { return c.CID == cid }) {
			return nil
		}
	}
	return fmt.Errorf("show connection %d of session %d of target %d: %w", cid, sid, tid, syscall.ENOENT)
}
