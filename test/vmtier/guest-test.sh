#!/bin/sh
# Smoke test of the VM tier; runs inside the guest: test/vmtier/vm-exec.sh test/vmtier/guest-test.sh
# Exercises dm/LVM (snapshot, extend, merge, thin), loop devices, LIO configfs + an iSCSI login
# over loopback, iptables (legacy + nft). Prints PASS/FAIL lines; exit code = number of failures.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
FAILS=0
up() { cut -d' ' -f1 /proc/uptime; }
T0=$(up)
step() { echo "== [$(up)] $*"; }
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; FAILS=$((FAILS+1)); }
check() { desc=$1; shift; if out=$("$@" 2>&1); then ok "$desc"; else bad "$desc: $out"; fi; }

step "modules"
for m in dm-mod dm-snapshot dm-bufio dm-thin-pool loop target_core_mod target_core_iblock target_core_file iscsi_target_mod x_tables ip_tables iptable_filter nf_tables nft_compat xt_tcpudp; do
  check "modprobe $m" modprobe $m
done
lsmod | awk 'NR>1{print $1}' | sort | tr '\n' ' '; echo
check "/dev/mapper/control exists" test -c /dev/mapper/control
check "configfs target dir exists" test -d /sys/kernel/config/target
cat /sys/kernel/config/target/version 2>/dev/null

step "lvm on /dev/vda"
DISK=${KT_DISK:-/dev/vda}
check "pvcreate" pvcreate -ff -y $DISK
check "vgcreate" vgcreate vgt $DISK
check "lvcreate 64M" lvcreate -y -L 64M -n lv0 vgt
check "lv0 dev node" test -b /dev/vgt/lv0
check "lvextend +32M (no snapshot, active)" lvextend -y -L +32M vgt/lv0
SZ=$(blockdev --getsize64 /dev/vgt/lv0)
[ "$SZ" = $((96*1024*1024)) ] && ok "lv0 size is 96MiB after extend" || bad "lv0 size $SZ"
# write pattern A to origin
dd if=/dev/zero bs=1M count=4 2>/dev/null | tr '\000' 'A' > /tmp/a.bin
dd if=/dev/zero bs=1M count=4 2>/dev/null | tr '\000' 'B' > /tmp/b.bin
ASUM=$(md5sum < /tmp/a.bin | cut -d' ' -f1); BSUM=$(md5sum < /tmp/b.bin | cut -d' ' -f1)
check "write A to origin" dd if=/tmp/a.bin of=/dev/vgt/lv0 bs=1M conv=fsync
check "lvcreate -s (snapshot)" lvcreate -y -s -L 32M -n snap0 vgt/lv0
check "write B to origin" dd if=/tmp/b.bin of=/dev/vgt/lv0 bs=1M conv=fsync
SNAPSUM=$(dd if=/dev/vgt/snap0 bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)
ORIGSUM=$(dd if=/dev/vgt/lv0 bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$SNAPSUM" = "$ASUM" ] && ok "snapshot still has old data (A)" || bad "snapshot data $SNAPSUM != A $ASUM"
[ "$ORIGSUM" = "$BSUM" ] && ok "origin has new data (B)" || bad "origin data $ORIGSUM != B $BSUM"
check "lvextend snapshot COW +16M (active)" lvextend -y -L +16M vgt/snap0
if out=$(lvextend -y -L +32M vgt/lv0 2>&1); then ok "lvextend origin with active snapshot (unexpectedly allowed)"; else echo "EXPECTED-REFUSAL: lvextend origin with active snapshot: $out"; fi
check "deactivate origin+snapshot" lvchange -an vgt/lv0
check "lvextend origin while inactive" lvextend -y -L +32M vgt/lv0
check "reactivate" lvchange -ay vgt/lv0
SZ=$(blockdev --getsize64 /dev/vgt/lv0)
[ "$SZ" = $((128*1024*1024)) ] && ok "lv0 size is 128MiB after 2nd extend" || bad "lv0 size $SZ"
SNAPSUM=$(dd if=/dev/vgt/snap0 bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$SNAPSUM" = "$ASUM" ] && ok "snapshot still A after origin extend" || bad "snapshot data $SNAPSUM"
lvs -a -o lv_name,lv_attr,lv_size,origin,data_percent,snap_percent vgt
check "lvs --reportformat json" lvs --reportformat json vgt
check "snapshot merge (lvconvert --merge)" lvconvert -y --merge vgt/snap0
MSUM=$(dd if=/dev/vgt/lv0 bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$MSUM" = "$ASUM" ] && ok "origin back to A after merge" || bad "after merge origin $MSUM"

step "thin pool"
lvm config --type default global/thin_check_executable 2>&1; ls -l /usr/sbin/thin_check
check "lvcreate thin-pool" lvcreate -y --type thin-pool -L 128M -n pool vgt
check "thin pool deactivate/activate (runs thin_check)" sh -c "lvchange -an vgt/pool && lvchange -ay vgt/pool"
check "lvcreate thin LV" lvcreate -y -V 256M --thin -n thin0 vgt/pool
check "write to thin" dd if=/tmp/a.bin of=/dev/vgt/thin0 bs=1M conv=fsync
check "thin snapshot" lvcreate -y -s -n thinsnap vgt/thin0
check "activate thin snapshot" lvchange -ay -K vgt/thinsnap
TSUM=$(dd if=/dev/vgt/thinsnap bs=1M count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$TSUM" = "$ASUM" ] && ok "thin snapshot data" || bad "thin snapshot data $TSUM"
lvs -a vgt

step "loop device"
check "truncate file" truncate -s 64M /tmp/loop.img
check "losetup" losetup /dev/loop0 /tmp/loop.img
check "pvcreate on loop" pvcreate -y /dev/loop0
check "vgcreate on loop" vgcreate vgl /dev/loop0
check "lvcreate on loop VG" lvcreate -y -L 16M -n l0 vgl

step "LIO configfs + iSCSI target"
C=/sys/kernel/config/target
check "iblock backstore dir" mkdir -p $C/core/iblock_0/lv0
check "iblock udev_path" sh -c "echo udev_path=/dev/vgt/lv0 > $C/core/iblock_0/lv0/control"
check "iblock enable" sh -c "echo 1 > $C/core/iblock_0/lv0/enable"
check "fileio backstore dir" mkdir -p $C/core/fileio_0/f0
check "fileio control" sh -c "echo fd_dev_name=/tmp/f0.img,fd_dev_size=16777216 > $C/core/fileio_0/f0/control"
check "fileio enable" sh -c "echo 1 > $C/core/fileio_0/f0/enable"
IQN=iqn.2024-01.test.vmtier:t1
check "iscsi target" mkdir -p $C/iscsi/$IQN/tpgt_1/lun/lun_0
check "lun link iblock" ln -s $C/core/iblock_0/lv0 $C/iscsi/$IQN/tpgt_1/lun/lun_0/lv0
check "lun_1 fileio" sh -c "mkdir -p $C/iscsi/$IQN/tpgt_1/lun/lun_1 && ln -s $C/core/fileio_0/f0 $C/iscsi/$IQN/tpgt_1/lun/lun_1/f0"
check "portal 127.0.0.1:3260" mkdir -p $C/iscsi/$IQN/tpgt_1/np/127.0.0.1:3260
check "tpg attrs (ACL mode, no auth)" sh -c "echo 0 > $C/iscsi/$IQN/tpgt_1/attrib/generate_node_acls && echo 0 > $C/iscsi/$IQN/tpgt_1/attrib/authentication"
INI=iqn.2024-01.test.vmtier:client1
check "ACL for $INI" mkdir -p $C/iscsi/$IQN/tpgt_1/acls/$INI/lun_0
check "ACL mapped lun" ln -s $C/iscsi/$IQN/tpgt_1/lun/lun_0 $C/iscsi/$IQN/tpgt_1/acls/$INI/lun_0/map0
check "tpg enable" sh -c "echo 1 > $C/iscsi/$IQN/tpgt_1/enable"
netstat -ltn | grep -q ':3260' && ok "iSCSI portal listening on :3260" || bad "no listener on 3260: $(netstat -ltn)"
ls $C/iscsi $C/core
if command -v iscsi-ls >/dev/null; then
  step "iSCSI login with libiscsi initiator"
  check "iscsi-ls discovery+login (allowed initiator)" iscsi-ls -i $INI -s iscsi://127.0.0.1/
  iscsi-ls -i $INI -s iscsi://127.0.0.1/
  check "iscsi-inq lun 0" iscsi-inq -i $INI iscsi://127.0.0.1/$IQN/0
  iscsi-readcapacity16 -i $INI iscsi://127.0.0.1/$IQN/0
  CAP=$(iscsi-readcapacity16 -i $INI iscsi://127.0.0.1/$IQN/0 2>&1 | sed -n 's/.*Total size:\([0-9]*\).*/\1/p')
  [ "$CAP" = $((128*1024*1024)) ] && ok "readcapacity = 128MiB LV" || bad "readcapacity '$CAP'"
  if out=$(iscsi-inq -i iqn.2024-01.test.vmtier:intruder iscsi://127.0.0.1/$IQN/0 2>&1); then bad "unlisted initiator got in: $out"; else ok "unlisted initiator refused: $(echo $out | head -c 120)"; fi
  cat $C/iscsi/$IQN/tpgt_1/acls/$INI/info 2>/dev/null | head -3
fi
step "LIO teardown"
echo 0 > $C/iscsi/$IQN/tpgt_1/enable
rm $C/iscsi/$IQN/tpgt_1/acls/$INI/lun_0/map0; rmdir $C/iscsi/$IQN/tpgt_1/acls/$INI/lun_0 $C/iscsi/$IQN/tpgt_1/acls/$INI
rm $C/iscsi/$IQN/tpgt_1/lun/lun_0/lv0 $C/iscsi/$IQN/tpgt_1/lun/lun_1/f0
rmdir $C/iscsi/$IQN/tpgt_1/lun/lun_0 $C/iscsi/$IQN/tpgt_1/lun/lun_1 $C/iscsi/$IQN/tpgt_1/np/127.0.0.1:3260 $C/iscsi/$IQN/tpgt_1 $C/iscsi/$IQN
check "rmdir backstores" rmdir $C/core/iblock_0/lv0 $C/core/fileio_0/f0 $C/core/iblock_0 $C/core/fileio_0

step "iptables"
check "iptables-legacy append" iptables-legacy -A INPUT -p tcp --dport 3260 -j ACCEPT
check "iptables-legacy check rule" iptables-legacy -C INPUT -p tcp --dport 3260 -j ACCEPT
check "iptables-legacy -S" iptables-legacy -S INPUT
iptables-legacy -S INPUT
check "iptables-nft new chain" iptables-nft -N KTCHAIN
check "iptables-nft append" iptables-nft -A KTCHAIN -p tcp --dport 3260 -s 10.0.0.0/8 -j ACCEPT
check "iptables-nft jump" iptables-nft -A INPUT -j KTCHAIN
check "iptables-nft check" iptables-nft -C KTCHAIN -p tcp --dport 3260 -s 10.0.0.0/8 -j ACCEPT
iptables-nft-save

step "lvm teardown"
check "lvremove all" lvremove -y vgt vgl
check "vgremove" vgremove -y vgt vgl
check "pvremove" pvremove -y $DISK /dev/loop0
losetup -d /dev/loop0

if [ -n "$KT_GOTEST" ]; then
  step "go test binary $KT_GOTEST"
  if "$KT_GOTEST" -test.v; then ok "go test binary"; else bad "go test binary rc=$?"; fi
fi

T1=$(up)
echo "KT-SUMMARY failures=$FAILS script_seconds=$(echo "$T1 $T0" | awk '{print $1-$2}')"
exit $FAILS
