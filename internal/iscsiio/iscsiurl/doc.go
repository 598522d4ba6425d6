// Package iscsiurl builds and redacts the URLs libiscsi takes:
//
//	iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN   (a LUN URL)
//	iscsi://[USER[%PASSWORD]@]HOST[:PORT]                  (a portal URL)
//
// libiscsi splits the user part at the first '@', and the user from the
// password at the first '%' (or, failing that, ':'); it does not decode
// either. It decodes %XX escapes in the target name only. A query
// (?target_user=U&target_password=P) after the host carries the target's
// CHAP secret for mutual authentication.
//
// Redacting replaces every password, the user's and the target's, with
// Mask; anything that prints a URL or a tool's output that may contain one
// redacts it first.
package iscsiurl
