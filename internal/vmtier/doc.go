// Package vmtier gives tests the real kernel of the VM test tier: a
// throwaway qemu guest running Debian's stock kernel (device-mapper, LIO,
// netfilter), started per package by test/vmtier/vm-exec.sh as go test's
// -exec wrapper (see test/vmtier/README.md).
//
// Vocabulary:
//
//   - The guest: the VM; vm-exec.sh sets KT_GUEST=1 there, and its kernel
//     lists device-mapper in /proc/misc. Tests that change the kernel's
//     state (LVM, loop devices) run only there: Require skips them
//     everywhere else, the developer's and CI's host included.
//   - A scratch VG: a volume group on a loop device over a sparse file,
//     made by VG for one test and removed when it ends.
package vmtier
