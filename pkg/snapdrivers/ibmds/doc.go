// Package ibmds drives IBM DS8000 FlashCopy pairs through dscli: the
// sync resource of type "ibmdsflash". A FlashCopy pair copies a source
// volume to a target volume at a point in time; established persistent
// and with change recording (mkflash -record -persist, done once by the
// storage administrator), it can be refreshed by copying only what
// changed since (resyncflash). The targets are ordinary read-write
// volumes all along, so there is nothing to break.
//
// # Keywords
//
//	[sync#1]
//	type      = ibmdsflash
//	array     = IBM.2107-75ABC01      # required: the storage image ID
//	pairs     = 0001:0002 0101:0102   # required: source:target volume IDs
//	auth_conf = /etc/ietkit/snapsync/auth.conf   # the default
//	pwfile    = /etc/ietkit/snapsync/IBM.2107-75ABC01.pwfile
//	                                  # default: <directory of auth_conf>/<array>.pwfile
//	recording = yes                   # default yes: resyncflash; no: rmflash then mkflash
//	bgcopy    = yes                   # default yes: -cp; no: -nocp (always passed)
//	dscli     = dscli                 # the program, looked up in snapsync's --path, then PATH
//
// auth_conf holds one section per array (seed 001):
//
//	[IBM.2107-75ABC01]
//	type = ibmds        # optional
//	hmc1 = 10.10.10.10  # required
//	hmc2 =              # may be empty
//	username = snapsync # required
//
// The password file is made with dscli managepwfile. auth_conf and the
// password file are refused unless owned by root with mode 0600 or
// stricter; this is checked when the driver is built, before any
// command. The driver never reads the password file: dscli does.
//
// # Commands
//
// Every command is sent on dscli's stdin, to
//
//	dscli -hmc1 HMC1 [-hmc2 HMC2] -user USER -pwfile PWFILE
//
// status runs one dscli call, whatever the number of pairs:
//
//	setenv -banner off -header on -format delim
//	lsflash -l -dev ARRAY PAIRS...
//
// resync and update (the same) first run that query and refuse when any
// configured pair is missing (better to do nothing than a partial
// refresh), then, with recording = yes:
//
//	resyncflash -dev ARRAY -persist -record -cp|-nocp PAIRS...
//
// every pair confirmed by "CMUC00168I resyncflash: FlashCopy volume pair
// P successfully resynchronized."; with recording = no:
//
//	rmflash -dev ARRAY -quiet PAIRS...
//	mkflash -dev ARRAY -persist -cp|-nocp PAIRS...
//
// confirmed by CMUC00140I (removed; unverified, see errors.go) and
// CMUC00137I (created). Pairs whose target lsflash shows as
// space-efficient (isTgtSE ESE) are done first, in calls of their own
// with -tgtse, as the cluster agent does. A failing call stops the
// action: with recording = no, a failed mkflash leaves its pairs
// withdrawn, and the next resync refuses until they are re-created.
//
// break is not supported (snapdrivers.ErrNotSupported).
//
// # Status
//
// lsflash's delimited output is read by column name. Each of these is a
// problem, and problems make the resource warn (never down):
//   - a configured pair missing ("Missing flashcopy on 0001:0002 ...");
//   - State not Valid;
//   - Persistent Disabled;
//   - Recording not as configured (Enabled for recording = yes, Disabled
//     for no);
//   - no DateSynced, or one that cannot be read.
//
// DateSynced ("Thu Sep 18 23:04:04 CEST 2014") is read in the resource's
// time zone, and its abbreviation must be that zone's at that instant
// (UTC and GMT are accepted anywhere): otherwise the time is unknown and
// the mismatch is a problem that says which zone to configure. LastSync
// is the oldest DateSynced across pairs, and zero when any pair has none.
package ibmds
