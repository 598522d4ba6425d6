#!/bin/sh
# capture-vm.sh: regenerates the vm-lvm fixture tree and splitname.txt from a
# real kernel with device-mapper. It runs inside the VM tier's guest, from
# this directory (as root, after test/vmtier/setup.sh):
#
#	cd pkg/lvm/testdata/iostat && ../../../../test/vmtier/vm-exec.sh ./capture-vm.sh
#
# It builds VG "vg-a" on the guest's scratch disk with LVs "lv-b", "data",
# "x-" and a snapshot "snap" of "data" (layers data-real and snap-cow), plus a
# non-LVM dm device "crypt-like-0" (zero target, no LVM- uuid). It copies
# /proc/diskstats, does some direct I/O, waits until 10 s have passed since
# the first copy, copies /proc/diskstats again (under TCG the I/O alone
# takes several seconds), and copies
# /sys/block/dm-*/dm/{name,uuid}. splitname.txt records what
# `dmsetup splitname NAME LVM` says for the names DisplayName is tested on.
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
OUT=vm-lvm
up() { cut -d' ' -f1 /proc/uptime; }

pvcreate -ff -y /dev/vda >/dev/null
vgcreate vg-a /dev/vda >/dev/null
lvcreate -y -Zn -L 64M -n lv-b vg-a >/dev/null
lvcreate -y -Zn -L 32M -n data vg-a >/dev/null
lvcreate -y -Zn -L 8M -n x- vg-a >/dev/null
lvcreate -y -s -L 16M -n snap vg-a/data >/dev/null
dmsetup create crypt-like-0 --table "0 8192 zero"
dmsetup mknodes crypt-like-0

rm -rf "$OUT"
mkdir -p "$OUT/proc"
t0=$(up)
cat /proc/diskstats > "$OUT/proc/diskstats.prev"
t0b=$(up)
dd if=/dev/urandom of=/dev/vg-a/lv-b bs=64k count=128 oflag=direct 2>/dev/null # 8 MiB
dd if=/dev/vg-a/lv-b of=/dev/null bs=64k count=32 iflag=direct 2>/dev/null    # 2 MiB
dd if=/dev/urandom of=/dev/vg-a/data bs=64k count=16 oflag=direct 2>/dev/null # 1 MiB, copied to snap-cow
dd if=/dev/mapper/crypt-like-0 of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null
while [ "$(awk -v a="$t0" -v b="$(up)" 'BEGIN{print (b-a >= 10) ? 1 : 0}')" = 0 ]; do sleep 0.05; done
t1=$(up)
cat /proc/diskstats > "$OUT/proc/diskstats"
t1b=$(up)
for d in /sys/block/dm-*; do
  n=${d##*/}
  mkdir -p "$OUT/sys/block/$n/dm"
  cat "$d/dm/name" > "$OUT/sys/block/$n/dm/name"
  cat "$d/dm/uuid" > "$OUT/sys/block/$n/dm/uuid"
done
{
  echo "# uptime around the first copy $t0..$t0b, around the second $t1..$t1b; kernel $(uname -r); $(lvm version | head -n1 | sed 's/  */ /g')"
  echo "# NAME VG LV LVLayer (dmsetup splitname --noheadings --separator ' ' NAME LVM; empty fields shown as -)"
  for n in $(cat "$OUT"/sys/block/dm-*/dm/name) vg--a-lv--b vg-lv vg---lv vg--a-x---real a-b-c-d mpatha vg- vg-lv- vg--lv "-lv" "a--b--c"; do
    printf '%s ' "$n"
    dmsetup splitname --noheadings --separator '|' -- "$n" LVM | awk -F'|' '{for (i=1;i<=3;i++) printf "%s%s", ($i==""?"-":$i), (i<3?" ":"\n")}'
  done
} > splitname.txt
dmsetup ls
lvs -a vg-a
