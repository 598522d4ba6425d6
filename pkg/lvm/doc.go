// Package lvm copies logical volumes, devices and files, locally or to and
// from other hosts, and drives the LVM commands around that: reports,
// creating and extending volumes, snapshots.
//
// Vocabulary:
//
//   - Endpoint: the source or target of a copy, KIND:[HOST:]PATH with KIND
//     file, lvm (a logical volume /dev/VG/LV) or dev (a block device).
//   - ToolsConf: the settings of lvm_tools.conf (snapshot size policy,
//     verification, raw reads, minimum transfer rate).
package lvm
