package ibmds

import "errors"

// dscli message IDs the driver reads. dscli prefixes each message with an
// ID: CMUC (client) or CMUN (server), five digits, and a severity letter
// (I information, W warning, E error).
const (
	// MsgResynced confirms one pair of resyncflash:
	//	CMUC00168I resyncflash: FlashCopy volume pair 0001:0002 successfully resynchronized.
	// Source: seed 001 (a real log, DSCLI 7.7.10.317); facts 1.4.
	MsgResynced = "CMUC00168I"

	// MsgCreated confirms one pair of mkflash:
	//	CMUC00137I mkflash: FlashCopy pair 0111:0110 successfully created.
	// Source: the IBM Redbook SG24-8367 (DS8000 Copy Services), p. 88, as
	// quoted in public notes found with the search tools; not in the facts
	// file.
	MsgCreated = "CMUC00137I"

	// MsgRemoved confirms one pair of rmflash:
	//	CMUC00140I rmflash: FlashCopy pair 0001:0002 successfully removed.
	// Source: none found in public material searched; this is the form
	// remembered from the DS8000 CLI reference and is UNVERIFIED. The
	// driver also accepts the withdraw message the Redbook shows for an
	// interactive rmflash (MsgWithdrawn), so that either form confirms.
	MsgRemoved = "CMUC00140I"

	// MsgWithdrawn is the Redbook's answer to an rmflash:
	//	CMUN81131I rmflash: 0111:0110: The Withdraw command was accepted and the FLC
	//	relationship has been removed.
	// Source: IBM Redbook SG24-8367 p. 88, as quoted in public notes.
	MsgWithdrawn = "CMUN81131I"

	// MsgNoFlash is lsflash finding nothing:
	//	CMUC00234I lsflash: No Flash Copy found.
	// Source: facts 1.4 ("No Flash Copy found" → empty list, the cluster
	// agent's test); the ID from a public DS8000 Java client's constant.
	MsgNoFlash  = "CMUC00234I"
	noFlashText = "No Flash Copy found"
)

// Sentinel errors; each wraps or accompanies the *snapdrivers.CommandError
// of the command concerned when there is one.
var (
	// ErrPairsMissing: a configured pair is not listed by lsflash, so the
	// driver refuses to resync any. Source: facts 1.4, the cluster agent's
	// "refuse to resync as %s pairs are not currently configured" (commit
	// 0cd431592: "Better to do nothing than a partial disk refresh").
	ErrPairsMissing = errors.New("FlashCopy pairs missing on the array")

	// ErrNotResynced: resyncflash exited 0 without a MsgResynced line for
	// every pair it was given. Source: seed 001 (one line per pair).
	ErrNotResynced = errors.New("resyncflash did not confirm every pair (" + MsgResynced + ")")

	// ErrNotCreated: mkflash exited 0 without a MsgCreated line per pair.
	ErrNotCreated = errors.New("mkflash did not confirm every pair (" + MsgCreated + ")")

	// ErrNotRemoved: rmflash exited 0 without a MsgRemoved (or
	// MsgWithdrawn) line per pair.
	ErrNotRemoved = errors.New("rmflash did not confirm every pair (" + MsgRemoved + ")")

	// ErrRejected: dscli printed an error message (CMUNnnnnnE or
	// CMUCnnnnnE) although it exited 0. The cluster agent treats any
	// stderr output of dscli as a failure (facts 1.4); this driver keeps
	// stderr warnings as warnings and fails on error messages only.
	ErrRejected = errors.New("dscli reported an error")

	// ErrBadOutput: lsflash printed something the parser cannot read
	// (no header, a row with the wrong number of fields, a column the
	// driver needs is absent). Facts 1.4: the cluster agent raised "the
	// command dataset does not match its advertized columning".
	ErrBadOutput = errors.New("unexpected lsflash output")

	// ErrZoneMismatch: a DateSynced carries a zone abbreviation that is not
	// the configured time zone's at that instant. Go would record an
	// unknown abbreviation with a zero offset (facts 1.4, go doc
	// time.Parse); the driver refuses to guess.
	ErrZoneMismatch = errors.New("time zone of the array's date does not match the configured timezone")
)

// dscli exit codes, from memory of the DS CLI reference (UNVERIFIED:
// not found in public material searched). Only used to explain a failure
// in the log; the driver fails on any non-zero code.
var exitCodes = map[int]string{
	2: "syntax error",
	3: "connection error",
	4: "server error",
	5: "authentication error",
	6: "application error",
}
