package ietsim

import (
	"fmt"
	"io"
	"syscall"
)

// newTarget adds a target (C_TRGT_NEW) and returns its tid. With tid 0 the
// kernel allocates one from a counter that only grows, skipping ids in use
// (facts 1.4); a given tid is used as is.
func (st *State) newTarget(tid uint32, name string) (uint32, error) {
	if name == "" {
		return 0, fmt.Errorf("add target: empty name: %w", syscall.EINVAL)
	}
	for _, t := range st.Targets {
		if t.Name == name {
			// ietd's __plain_target_create refuses a duplicate before
			// the kernel could say EEXIST.
			return 0, fmt.Errorf("add target %s: duplicated target: %w", name, syscall.EINVAL)
		}
	}
	if tid == 0 {
		tid = st.NextTID
		for tid == 0 || st.target(tid) != nil {
			tid++
		}
		st.NextTID = tid + 1
	} else if st.target(tid) != nil {
		return 0, fmt.Errorf("add target %d: %w", tid, syscall.EEXIST)
	}
	st.insertTarget(Target{
		TID:           tid,
		Name:          name,
		Params:        defaults(targetKeys),
		SessionParams: defaults(sessionKeys),
		Accounts:      Accounts{Incoming: []Account{}},
		LUNs:          []LUN{},
		Sessions:      []Session{},
	})
	return tid, nil
}

// deleteTarget removes a target with its LUNs and accounts (C_TRGT_DEL).
// ietd refuses while the target has sessions.
func (st *State) deleteTarget(tid uint32) error {
	t := st.target(tid)
	if t == nil {
		return fmt.Errorf("delete target %d: %w", tid, syscall.ENOENT)
	}
	if len(t.Sessions) > 0 {
		return fmt.Errorf("delete target %d: %d sessions: %w", tid, len(t.Sessions), syscall.EBUSY)
	}
	for i := range st.Targets {
		if st.Targets[i].TID == tid {
			st.Targets = append(st.Targets[:i], st.Targets[i+1:]...)
			break
		}
	}
	return nil
}

// updateTarget sets target and session parameters (C_TRGT_UPDATE).
func (st *State) updateTarget(tid uint32, u paramUpdate) error {
	t := st.target(tid)
	if t == nil {
		return fmt.Errorf("update target %d: %w", tid, syscall.ENOENT)
	}
	u.apply(t)
	return nil
}

// showTarget prints the configured parameters of a target (C_TRGT_SHOW),
// target keys first. Before 1.4.20 ietd answers without printing anything.
func (st *State) showTarget(w io.Writer, v Version, tid uint32) error {
	if !v.is1420() {
		return nil
	}
	t := st.target(tid)
	if t == nil {
		return fmt.Errorf("show target %d: %w", tid, syscall.ENOENT)
	}
	showParams(w, targetKeys, t.Params)
	showParams(w, sessionKeys, t.SessionParams)
	return nil
}

// showSession prints a session's parameters (C_SESS_SHOW). The simulator
// does not negotiate, so a session shows its target's configured values,
// as --sid=0 does.
func (st *State) showSession(w io.Writer, tid uint32, sid uint64) error {
	t := st.target(tid)
	if t == nil {
		return fmt.Errorf("show session %d of target %d: %w", sid, tid, syscall.ENOENT)
	}
	if sid != 0 && t.session(sid) == nil {
		return fmt.Errorf("show session %d of target %d: %w", sid, tid, syscall.ENOENT)
	}
	showParams(w, sessionKeys, t.SessionParams)
	return nil
}
