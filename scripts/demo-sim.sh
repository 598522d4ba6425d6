#!/usr/bin/env bash
# make demo: iet-update offline and plan on the example config, against a
# simulated ietd (the IET kernel module cannot run here). Needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d /tmp/ietkit-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/bin/iet-update" ./cmd/iet-update
go build -o "$tmp/bin/ietadm" ./internal/ietsim/cmd/fake-ietadm

# The example exports LVM volumes; here they are sparse files, exported
# with fileio (blockio needs block devices), and its backup line, which
# names LVM volumes, is left out.
devs="$tmp/dev"
mkdir -p "$devs/vg_test"
for lv in lv_test1_0 lv_test1_1 lv_test2_0 lv_old_0; do truncate -s 10G "$devs/vg_test/$lv"; done
localize() { sed -e "s|/dev/vg_test/|$devs/vg_test/|g" -e 's/^lun-type blockio/lun-type fileio/' -e '/^backup /d' "$1"; }
localize etc/examples/target.conf > "$tmp/target.conf"
localize testdata/demo/previous.conf > "$tmp/previous.conf"

export IETSIM_DIR="$tmp/sim" IETSIM_ROOT="$tmp/root"
"$tmp/bin/ietadm" --ietsim start
run() { "$tmp/bin/iet-update" --root "$tmp/root" --ietadm "$tmp/bin/ietadm" --log-level warn "$@"; }
section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

section "The running state: testdata/demo/previous.conf applied to a simulated ietd"
run -c "$tmp/previous.conf" online >/dev/null
cat "$tmp/root/proc/net/iet/volume"

section "Since then: lv_test1_1 grew by 5 GiB (lvextend) and initiators logged in"
truncate -s 15G "$devs/vg_test/lv_test1_1"
"$tmp/bin/ietadm" --ietsim add-session 1 281474997486080 iqn.1998-01.com.vmware:esx1 0@10.0.0.5
"$tmp/bin/ietadm" --ietsim add-session 2 562949970198016 iqn.1993-08.org.debian:01:oldhost 0@10.0.0.9
cat "$tmp/root/proc/net/iet/session"

section "iet-update offline: write ietd.conf and initiators.* from etc/examples/target.conf"
run -c "$tmp/target.conf" offline
for f in ietd.conf initiators.allow initiators.deny; do
	section "$tmp/root/etc/iet/$f ($(stat -c %a "$tmp/root/etc/iet/$f"))"
	cat "$tmp/root/etc/iet/$f"
done

section "iet-update plan: what online would do to the running ietd"
run -c "$tmp/target.conf" plan

section "iet-update plan --prune: the retired target is in use, so pruning it is refused"
run -c "$tmp/target.conf" plan --prune || true

section "iet-update status"
run -c "$tmp/target.conf" status
