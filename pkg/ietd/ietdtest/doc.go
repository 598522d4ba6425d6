// Package ietdtest is the conformance suite of ietd backends: what every
// target daemon must do the same way, run against each backend by its own
// tests (the IET simulator in ietd/iet, a real tgtd in ietd/tgt), in the
// shape of restic's backend test suite.
//
// Vocabulary:
//
//   - Env: one fresh daemon, empty, behind a Backend, with a directory for
//     backing files and a way to log an initiator in. Run calls newEnv
//     once per test, so tests never see each other's targets.
//   - Login: whatever makes a session on a target: a simulated one for
//     the IET simulator, libiscsi's iscsi-perf in a network namespace for
//     tgt. The initiator may log in again after its session was closed;
//     tests only follow the session they saw.
//
// Where daemons legitimately differ, the tests branch on what the backend
// says (Caps) or shows (SizeKnown or Approx, Options, UsersKnown), never on
// its name.
package ietdtest
