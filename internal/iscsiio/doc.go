// Command iscsi-io is a small iSCSI initiator for tests, over libiscsi. It
// reads and writes blocks of one LUN and runs read loops, which libiscsi's
// own tools (iscsi-ls, iscsi-inq, ...) do not.
//
// Usage:
//
//	iscsi-io [-i INITIATOR-IQN] COMMAND URL ARGS...
//
//	capacity URL                  print "BLOCKS BLOCKSIZE" (READ CAPACITY 16)
//	write URL LBA                 write stdin at LBA (WRITE 16), print "wrote N bytes"
//	read URL LBA BLOCKS           write BLOCKS blocks from LBA to stdout (READ 16)
//	loop URL DURATION [-every INTERVAL] [-blocks N]
//	                              read N blocks every INTERVAL for DURATION
//	hold URL DURATION             keep a session open for DURATION
//
// URL is libiscsi's: iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN.
// The password never appears in anything iscsi-io prints.
//
// Vocabulary:
//
//   - A session is one login to the URL's target, made with libiscsi's
//     asynchronous calls and driven by an event loop in Go. libiscsi
//     reconnects a dropped session by itself; iscsi-io never retries a
//     command of its own.
//   - A chunk is one READ 16 or WRITE 16 command, of at most 256 KiB.
//   - A summary is the one line loop and hold print when they end:
//     "reads=R errors=E unit_attentions=U max_latency=D" for loop and
//     "held=D test_unit_ready=N errors=E" for hold (D in Go duration
//     syntax).
//
// loop and hold print "session open" on stdout once logged in, so that a
// caller knows when the session exists. A read of loop that fails is
// printed on stderr with its SCSI sense or libiscsi's error and counted;
// a read that gets no answer for 5 seconds is abandoned and counted as
// failed too.
// SIGTERM or SIGINT ends loop and hold early, with their summary.
//
// Exit status: 0 on success; 1 when login or a command fails, or when loop
// counted errors; 2 on a usage error; 130 when a signal interrupted
// capacity, read or write.
package main
