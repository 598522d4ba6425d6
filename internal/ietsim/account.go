package ietsim

import (
	"fmt"
	"io"
	"slices"
	"syscall"
)

// Account directions, as --params spells them.
const (
	Incoming = "IncomingUser"
	Outgoing = "OutgoingUser"
)

// accounts returns the accounts of tid, discovery's for tid 0.
func (st *State) accounts(tid uint32) (*Accounts, error) {
	if tid == 0 {
		return &st.Discovery, nil
	}
	t := st.target(tid)
	if t == nil {
		// Real ietd stores an account for an unknown tid (its check is
		// commented out in plain_account_add); the simulator refuses so
		// that such a bug shows.
		return nil, fmt.Errorf("target %d: %w", tid, syscall.ENOENT)
	}
	return &t.Accounts, nil
}

// newAccount adds a CHAP user (C_ACCT_NEW). Incoming users accumulate,
// newest first; a new outgoing user replaces the old one.
func (st *State) newAccount(tid uint32, dir, user, pass string) error {
	a, err := st.accounts(tid)
	if err != nil {
		return fmt.Errorf("add %s %s: %w", dir, user, err)
	}
	acct := Account{User: user, Password: pass}
	if dir == Outgoing {
		a.Outgoing = &acct
		return nil
	}
	a.Incoming = slices.Insert(a.Incoming, 0, acct)
	return nil
}

// deleteAccount removes a CHAP user (C_ACCT_DEL).
func (st *State) deleteAccount(tid uint32, dir, user string) error {
	a, err := st.accounts(tid)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", dir, user, err)
	}
	if dir == Outgoing {
		if a.Outgoing == nil || a.Outgoing.User != user {
			return fmt.Errorf("delete %s %s of target %d: %w", dir, user, tid, syscall.ENOENT)
		}
		a.Outgoing = nil
		return nil
	}
	i := slices.IndexFunc(a.Incoming, func(x Account) bool { return x.User == user })
	if i < 0 {
		return fmt.Errorf("delete %s %s of target %d: %w", dir, user, tid, syscall.ENOENT)
	}
	a.Incoming = slices.Delete(a.Incoming, i, i+1)
	return nil
}

// showAccounts lists the users of tid, incoming then outgoing (1.4.20).
func (st *State) showAccounts(w io.Writer, tid uint32) error {
	a, err := st.accounts(tid)
	if err != nil {
		return fmt.Errorf("show accounts: %w", err)
	}
	for _, u := range a.Incoming {
		fmt.Fprintf(w, "%s %s\n", Incoming, u.User)
	}
	if a.Outgoing != nil {
		fmt.Fprintf(w, "%s %s\n", Outgoing, a.Outgoing.User)
	}
	return nil
}
