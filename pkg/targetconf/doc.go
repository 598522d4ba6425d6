// Package targetconf models target.conf, the declarative description of
// what the iSCSI target of a storage node exports, and renders the files
// ietd reads (ietd.conf, initiators.allow, initiators.deny).
//
// The format is line based; '#' at the start of a word begins a comment,
// words are separated by blanks and a value holding blanks is written in
// double quotes (inside quotes, \" is a quote and \\ a backslash; any
// other backslash is kept as written, so IQN patterns need no doubling):
//
//	prefix iqn.1990-01.edu.amherst.iscsi-target:   # prepended to every target name
//	lun-type blockio                               # default LUN Type (fileio if absent)
//	global IncomingUser portaluser portalsecret12  # ietd.conf global section (discovery)
//	option MaxRecvDataSegmentLength 131072         # before any target: common to all
//
//	target clustertarget1 10.0.0.5,10.0.0.6,10.0.1.0/24
//	  option InitialR2T No                         # after a target: that target only
//	  user incoming alice alicesecret12
//	  lun 0 /dev/vg_test/lv_test1_0 ScsiId=AMHDSK-061207-02 ScsiSN=AMHDSK-061207-02
//	  lun 1 /dev/vg_test/lv_test1_1 Type=fileio IOMode=wt
//
//	backup lvm:/dev/vg_backup/{lv}_bk
//
// Vocabulary:
//
//   - Config: one parsed file (with its includes). Parse fills in defaults,
//     so that two configs meaning the same thing compare equal: a LUN's Type
//     comes from lun-type when not given, and each Target's Options are the
//     common options overridden by its own.
//   - Target: an exported iSCSI target, named by Prefix+Name (its IQN), with
//     an allow list of initiator addresses, networks or IQN patterns (empty:
//     every initiator), CHAP users and LUNs.
//   - LUN: a logical unit, a block device or file exported under a number.
//   - Secret: a CHAP password. It prints as "***" everywhere except in the
//     rendered ietd.conf (mode 0600) and in Format.
//
// Every problem in a file is reported, each as a *ParseError naming
// file:line; a file with any error yields no Config. Problems that do not
// stop ietd from working as written (a short CHAP secret, an underscore in
// an IQN) are Warnings on the Config.
package targetconf
