package lvm

import "syscall"

type unixStat = syscall.Stat_t
