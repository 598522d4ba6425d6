#!/bin/bash
# build-initramfs.sh KERNEL_UNPACK_DIR KVER OUT[.gz] [SRC[=DST]...]
#
# A minimal initramfs: busybox-static, the selected kernel modules with their
# dependency closure (modules.dep), lvm/dmsetup/iptables/libiscsi tools copied
# from this host with their shared libraries (Debian 12 ships no static lvm;
# guest and host are the same release), an lvm.conf for a udev-less guest,
# this directory's init, and any extra files. OUT ending in .gz is gzipped,
# else it is a plain newc cpio (boots faster under TCG).
set -euo pipefail
KDIR=$1; KVER=$2; OUT=$3; shift 3
EXTRA=("$@")
MODROOT=$KDIR/lib/modules/$KVER
[ -f "$MODROOT/modules.dep" ] || busybox depmod -b "$KDIR" "$KVER"

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(mktemp -d /tmp/initrd.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,sbin,etc,proc,sys,dev,run,tmp,mnt,root,usr/bin,usr/sbin,lib/modules/$KVER,lib64,etc/lvm,var/lock}

# ---- busybox (static) ----
cp /bin/busybox "$ROOT/bin/busybox"
for a in $(/bin/busybox --list); do
  case $a in busybox) continue;; esac
  [ -e "$ROOT/bin/$a" ] || ln -s busybox "$ROOT/bin/$a"
  [ -e "$ROOT/sbin/$a" ] || ln -s /bin/busybox "$ROOT/sbin/$a"   # the kernel and lvm call /sbin/modprobe
done

# ---- kernel modules: closure over modules.dep ----
WANT="dm-mod dm-snapshot dm-bufio dm-thin-pool dm-zero loop
 target_core_mod target_core_iblock target_core_file iscsi_target_mod
 ip_tables iptable_filter x_tables xt_tcpudp xt_conntrack xt_comment xt_multiport ipt_REJECT
 nf_tables nft_compat nft_chain_nat nft_ct nf_conntrack
 virtio virtio_ring virtio_pci virtio_blk virtio_net
 9p 9pnet 9pnet_virtio configfs crc32c_generic crc32c-intel libcrc32c"
declare -A SEEN=()
resolve() { # module name -> path relative to MODROOT
  local n=${1//-/_}
  awk -F: -v n="$n" '{p=$1; b=p; sub(/.*\//,"",b); sub(/\.ko(\.[a-z]+)?$/,"",b); gsub(/-/,"_",b); if (b==n) {print p; exit}}' "$MODROOT/modules.dep"
}
add() {
  local p=$1
  [ -n "${SEEN[$p]:-}" ] && return; SEEN[$p]=1
  mkdir -p "$ROOT/lib/modules/$KVER/$(dirname "$p")"
  cp "$MODROOT/$p" "$ROOT/lib/modules/$KVER/$p"
  local deps; deps=$(grep -m1 "^$p:" "$MODROOT/modules.dep" | cut -d: -f2)
  for d in $deps; do add "$d"; done
}
for m in $WANT; do
  p=$(resolve "$m")
  if [ -z "$p" ]; then
    if grep -q "/${m//-/[-_]}.ko" "$MODROOT/modules.builtin" 2>/dev/null; then echo "builtin: $m"; continue; fi
    echo "MISSING module $m" >&2; exit 1
  fi
  add "$p"
done
cp "$MODROOT"/modules.builtin "$MODROOT"/modules.order "$ROOT/lib/modules/$KVER/"
busybox depmod -b "$ROOT" "$KVER"

# ---- dynamic binaries with their libraries ----
copy_libs() {
  local l
  for l in $(ldd "$1" | grep -oE '/[^ ]+\.so[^ ]*'); do
    [ -e "$ROOT$l" ] || { mkdir -p "$ROOT$(dirname "$l")"; cp -L "$l" "$ROOT$l"; }
  done
}
copy_bin() {
  mkdir -p "$ROOT$(dirname "$1")"; cp -L "$1" "$ROOT$1"
  copy_libs "$1"
}
copy_bin /usr/sbin/lvm
copy_bin /usr/sbin/dmsetup
copy_bin /usr/sbin/xtables-legacy-multi
copy_bin /usr/sbin/xtables-nft-multi
for b in /usr/sbin/losetup /usr/sbin/blockdev /usr/sbin/blkid /usr/sbin/wipefs; do  # util-linux: busybox's lack --find --show etc.
  [ -x "$b" ] && copy_bin "$b"   # /usr/sbin comes first in the guest's PATH
done
for b in /usr/bin/iscsi-ls /usr/bin/iscsi-inq /usr/bin/iscsi-readcapacity16; do  # libiscsi-bin: a userspace initiator
  [ -x "$b" ] && copy_bin "$b"
done
if [ -x /usr/sbin/pdata_tools ]; then  # thin-provisioning-tools: lvm runs thin_check when it activates a thin pool
  copy_bin /usr/sbin/pdata_tools
  for t in thin_check thin_repair thin_dump thin_restore cache_check; do ln -sf pdata_tools "$ROOT/usr/sbin/$t"; done
fi
# iptables extensions are dlopen()ed: copy the whole directory and their libraries
mkdir -p "$ROOT/usr/lib/x86_64-linux-gnu"
cp -a /usr/lib/x86_64-linux-gnu/xtables "$ROOT/usr/lib/x86_64-linux-gnu/"
for so in /usr/lib/x86_64-linux-gnu/xtables/*.so; do copy_libs "$so"; done
for t in pvcreate pvs pvremove vgcreate vgs vgremove vgchange lvcreate lvs lvextend lvresize lvreduce lvremove lvconvert lvchange lvdisplay vgdisplay pvdisplay; do
  ln -sf lvm "$ROOT/usr/sbin/$t"
done
for t in iptables iptables-save iptables-restore ip6tables; do
  ln -sf xtables-legacy-multi "$ROOT/usr/sbin/${t/iptables/iptables-legacy}"
  ln -sf xtables-nft-multi "$ROOT/usr/sbin/${t/iptables/iptables-nft}"
done
ln -sf xtables-nft-multi "$ROOT/usr/sbin/iptables"
ln -sf xtables-nft-multi "$ROOT/usr/sbin/ip6tables"
# lvm config: no udev in the guest; no metadata backups (each change then
# warns "This metadata update is NOT backed up." on stderr, which code must
# not take for a failure)
cat > "$ROOT/etc/lvm/lvm.conf" <<'CONF'
devices { obtain_device_list_from_udev = 0 external_device_info_source = "none" }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
global { use_lvmpolld = 0 }
backup { backup = 0 archive = 0 }
CONF
echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOT/etc/passwd"
echo 'root:x:0:' > "$ROOT/etc/group"
touch "$ROOT/etc/nsswitch.conf"

for f in "${EXTRA[@]}"; do
  src=${f%%=*}; dst=${f#*=}; [ "$src" = "$f" ] && dst=/$(basename "$src")
  mkdir -p "$ROOT$(dirname "$dst")"; cp -a "$src" "$ROOT$dst"
done

cp "$HERE/init" "$ROOT/init"; chmod 755 "$ROOT/init"
case $OUT in
  *.gz) ( cd "$ROOT" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 ) > "$OUT" ;;
  *)    ( cd "$ROOT" && find . | busybox cpio -o -H newc 2>/dev/null ) > "$OUT" ;;
esac
echo "initramfs: $OUT $(du -h "$OUT" | cut -f1) ($(find "$ROOT/lib/modules" -name '*.ko*' | wc -l) modules)"
