#!/bin/bash
# vm-exec.sh PROGRAM [ARGS...]: the `go test -exec` wrapper of the VM tier.
#
# Runs PROGRAM (a static test binary: build with CGO_ENABLED=0; or a guest
# shell script such as guest-test.sh) inside a throwaway qemu guest running
# Debian's stock kernel (device-mapper, LIO, netfilter), with:
#   - a fresh sparse disk of KT_DISK_SIZE (2G) at /dev/vda,
#   - the current directory (go test's package dir) 9p-mounted read-write at
#     the same path and used as the working directory, so testdata/ works,
#   - KT_GUEST=1, HOME, TMPDIR, PATH set, plus the variables named in KT_ENV,
#   - no network device at all.
# PROGRAM's output is printed when the VM exits and its exit code is returned.
#
#   CGO_ENABLED=0 go test -exec "$PWD/test/vmtier/vm-exec.sh" -count=1 ./pkg/lvm/
#
# Environment: KT_DIR (where setup.sh put vmlinux and initrd.cpio; default
# ~/.cache/ietkit-vmtier), KT_TIMEOUT (600 s), KT_MEM (1024 MiB), KT_SMP (1),
# KT_DISK_SIZE (2G), KT_ENV ("VAR ..." to forward), KT_KEEP_CONSOLE (a file to
# keep the serial console log in), KT_ACCEL (tcg: KVM here is kvm_pvm, which
# cannot run a stock kernel and hangs rather than fails).
set -u
KT=${KT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ietkit-vmtier}
KERNEL=${KT_KERNEL:-$KT/vmlinux}
INITRD=${KT_INITRD:-$KT/initrd.cpio}
TIMEOUT=${KT_TIMEOUT:-600}
die() { echo "vm-exec: $*" >&2; exit 125; }
[ $# -ge 1 ] || die "usage: vm-exec.sh PROGRAM [ARGS...]"
[ -f "$KERNEL" ] && [ -f "$INITRD" ] || die "no $KERNEL or $INITRD: run test/vmtier/setup.sh \"$KT\" first (KT_DIR says where they are)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: run test/vmtier/setup.sh"
case $PWD in *[[:space:]]*) die "the working directory must not contain blanks (it goes on the kernel command line): $PWD";; esac
bin=$1; shift

d=$(mktemp -d /tmp/vmexec.XXXXXX)
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp "$bin" "$d/test.bin" && chmod 755 "$d/test.bin" || die "cannot copy $bin"
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo '#!/bin/sh'
  echo 'export KT_GUEST=1 HOME=/root TMPDIR=/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin'
  for v in ${KT_ENV:-}; do
    [ -n "${!v+x}" ] && echo "export $v=$(q "${!v}")"
  done
  echo "cd $(q "$PWD") || exit 97"
  printf '/mnt/kt/test.bin'; for a in "$@"; do printf ' %s' "$(q "$a")"; done
  echo ' </dev/null > /mnt/kt/out 2>&1'  # no terminal: a prompting command reads EOF, never hangs
  echo 'echo $? > /mnt/kt/rc'
} > "$d/run.sh"
truncate -s "${KT_DISK_SIZE:-2G}" "$d/disk.img"

timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel "${KT_ACCEL:-tcg}" -m "${KT_MEM:-1024}" -smp "${KT_SMP:-1}" \
  -display none -nodefaults -no-reboot -serial "file:$d/console.log" \
  -kernel "$KERNEL" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 kt.share=/mnt/kt kt.cwd=$PWD kt.script=/mnt/kt/run.sh" \
  -drive "file=$d/disk.img,format=raw,if=virtio,cache=unsafe" \
  -virtfs "local,path=$d,mount_tag=host,security_model=none,id=kt" \
  -virtfs "local,path=$PWD,mount_tag=cwd,security_model=none,id=cwd" </dev/null &
qpid=$!
wait "$qpid"
qrc=$?
qpid=

[ -f "$d/out" ] && cat "$d/out"
[ -n "${KT_KEEP_CONSOLE:-}" ] && cp "$d/console.log" "$KT_KEEP_CONSOLE"
if [ -f "$d/rc" ]; then
  rc=$(cat "$d/rc")
  [ "$rc" = 126 ] || [ "$rc" = 127 ] && echo "vm-exec: the guest could not run $bin (rc $rc): is it static (CGO_ENABLED=0)?" >&2
else
  if [ "$qrc" = 124 ]; then echo "vm-exec: timed out after ${TIMEOUT}s (KT_TIMEOUT); console:" >&2
  else echo "vm-exec: guest produced no exit code (qemu rc=$qrc); console:" >&2; fi
  tail -n 40 "$d/console.log" >&2
  rc=125
fi
exit "$rc"
