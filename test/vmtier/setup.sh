#!/bin/bash
# setup.sh [DIR]: prepare the real-kernel test VM on a Debian 12 machine (root).
#
# Produces DIR/vmlinux (Debian's stock kernel, uncompressed so that qemu boots
# it through the PVH entry and skips the XZ decompressor, slow under TCG) and
# DIR/initrd.cpio (busybox, the device-mapper/LIO/netfilter/9p modules, and
# lvm, dmsetup, iptables, libiscsi's tools copied from this host).
# DIR defaults to $KT_DIR, else ~/.cache/ietkit-vmtier.
#
# Safe to re-run: packages already installed are not reinstalled, and when
# DIR's stamp says the outputs were built from the same kernel package, the
# same scripts and the same host tools, nothing is rebuilt. The kernel .deb is
# kept in DIR so that a script change rebuilds without downloading it again.
# See shared/facts/vm-tier.md for the recipe and its measurements.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
D=${1:-${KT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ietkit-vmtier}}
mkdir -p "$D"
D=$(cd "$D" && pwd)
case $D in *[[:space:]]*) echo "setup.sh: DIR must not contain blanks: $D" >&2; exit 2;; esac
cd "$D"
exec 9>"$D/.lock"
flock 9   # one setup at a time per DIR

export DEBIAN_FRONTEND=noninteractive LC_ALL=C
PKGS=(qemu-system-x86 busybox-static lvm2 thin-provisioning-tools iptables libiscsi-bin python3)
updated=0
apt_update() { [ $updated = 1 ] || { apt-get update -qq; updated=1; }; }

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  apt_update
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The current Debian 12 kernel ABI package (e.g. linux-image-6.1.0-56-amd64);
# its name changes with kernel updates, so it is resolved on every run.
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=$(kpkg)
if [ -z "$KPKG" ]; then apt_update; KPKG=$(kpkg); fi
[ -n "$KPKG" ] || { echo "setup.sh: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }
KVER=${KPKG#linux-image-}

# What the outputs depend on: the kernel package, these scripts, the host tools.
stamp=$(
  echo "kernel $KPKG"
  dpkg-query -W "${PKGS[@]}" dmsetup util-linux 2>/dev/null
  cd "$HERE" && sha256sum setup.sh build-initramfs.sh init
)
if [ -f vmlinux ] && [ -f initrd.cpio ] && [ -f stamp ] && [ "$(cat stamp)" = "$stamp" ]; then
  echo "vmtier up to date: $D/vmlinux ($KVER), $D/initrd.cpio"
  exit 0
fi
rm -f stamp

deb=$(ls "$KPKG"_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  rm -f linux-image-*.deb
  # apt-get download runs as _apt: its "can't access" warning about DIR is harmless.
  apt-get download -qq "$KPKG" 2>/dev/null || { apt_update; apt-get download -qq "$KPKG" 2>/dev/null; }
  deb=$(ls "$KPKG"_*.deb | head -n1)
fi

B=$(mktemp -d "$D/.build.XXXXXX")
trap 'rm -rf "$B"' EXIT
dpkg -x "$deb" "$B/kernel"
busybox depmod -b "$B/kernel" "$KVER"   # the .deb has no modules.dep (its postinst makes it)
python3 - "$B/kernel/boot/vmlinuz-$KVER" "$B/vmlinux" <<'PY'
import lzma, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i < 0:
    sys.exit("no XZ payload in " + sys.argv[1])
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor().decompress(d[i:]))
PY
"$HERE/build-initramfs.sh" "$B/kernel" "$KVER" "$B/initrd.cpio"
mv -f "$B/vmlinux" vmlinux
mv -f "$B/initrd.cpio" initrd.cpio
echo "$stamp" > stamp
echo "vmtier ready: $D/vmlinux ($KVER), $D/initrd.cpio"
