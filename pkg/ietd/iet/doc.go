// Package iet is the ietd backend for IET, the iSCSI Enterprise Target:
// it reads the running state from /proc/net/iet/volume and
// /proc/net/iet/session and changes it with ietadm.
//
// The /proc parsers follow the advice of shared/facts/iet-cluster.md §1.2
// and §1.3: tokens are split on blanks and at their first ':', every field
// after iotype is optional (iomode appeared in 0.4.14, blocks and
// blocksize in 1.4.20), and the leading tabs tell target, LUN (or
// session) and connection lines apart. Unknown fields are ignored, so that
// patched kernels that print more still parse.
package iet
