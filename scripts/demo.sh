#!/usr/bin/env bash
# make demo: iet-update against a real iSCSI target. Starts an isolated
# tgtd in a network namespace of its own (on that namespace's 127.0.0.1,
# with file-backed LUNs in a temporary directory), applies
# etc/examples/target.conf with iet-update online, shows what an initiator
# sees, grows one LUN, runs iet-update again, shows the new size and the
# blackout, and tears everything down. Nothing touches a system tgtd or the
# host's firewall: the blocks go to the namespace's own iptables.
#
# Needs root (for the namespace and tgtd). It installs tgt, libiscsi-bin,
# iptables and iproute2 with apt-get when they are missing. Without root it
# runs scripts/demo-sim.sh instead, against a simulated ietd.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "Not root: running the simulator demo instead (scripts/demo-sim.sh)."
	exec ./scripts/demo-sim.sh
fi
need=()
for t in tgtd:tgt iscsi-ls:libiscsi-bin iptables:iptables ip:iproute2; do
	command -v "${t%%:*}" >/dev/null || need+=("${t##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "Installing ${need[*]} ..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

tmp=$(mktemp -d /tmp/ietkit-demo.XXXXXX)
ns=ietkit-demo-$$
port=$((20000 + RANDOM % 12000)) # tgtd keeps it in a short
tgtd_pid=
cleanup() {
	set +e
	if [ -n "$tgtd_pid" ]; then
		kill -KILL "$tgtd_pid" 2>/dev/null # tgtd ignores SIGTERM while it has targets
		wait "$tgtd_pid" 2>/dev/null
	fi
	rm -f "/var/run/tgtd/socket.$port" "/var/run/tgtd/socket.$port.lock"
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

go build -o "$tmp/bin/" ./cmd/iet-update

# The example exports LVM volumes to 10.0.0.x; here they are sparse files
# (fileio), and 127.0.0.1 stands in for the initiator 10.0.0.5.
devs="$tmp/dev"
mkdir -p "$devs/vg_test"
for lv in lv_test1_0 lv_test1_1 lv_test2_0; do truncate -s 1G "$devs/vg_test/$lv"; done
sed -e "s|/dev/vg_test/|$devs/vg_test/|g" -e 's/^lun-type blockio/lun-type fileio/' \
    -e 's/10\.0\.0\.5,/127.0.0.1,/' -e '/^backup /d' etc/examples/target.conf > "$tmp/target.conf"

ip netns add "$ns"
inns() { ip netns exec "$ns" "$@"; }
inns ip link set lo up
# ip netns exec execs tgtd, so $! is tgtd's own pid.
ip netns exec "$ns" tgtd -f -C "$port" --iscsi portal=127.0.0.1:3260 >"$tmp/tgtd.log" 2>&1 &
tgtd_pid=$!
for _ in $(seq 100); do tgtadm -C "$port" --op show --mode sys >/dev/null 2>&1 && break; sleep 0.05; done
run() { inns "$tmp/bin/iet-update" --backend tgt --tgt-control-port "$port" --root "$tmp/root" --log-level warn -c "$tmp/target.conf" "$@"; }

section "iet-update online: etc/examples/target.conf onto an empty tgtd (namespace $ns, 127.0.0.1:3260)"
run online

url="iscsi://esxhost%esxsecret-00042@127.0.0.1"
lun1="$url/iqn.1990-01.edu.amherst.iscsi-target:clustertarget1/2"
section "What the initiator 127.0.0.1 sees (iscsi-ls -s; tgt's LUN 0 is its controller, config LUN n is LUN n+1)"
inns iscsi-ls -s -i iqn.2026-11.org.ietkit:demo "$url" | sed 's/^/  /'
section "Capacity of clustertarget1 LUN 1 before the resize"
inns iscsi-readcapacity16 -i iqn.2026-11.org.ietkit:demo "$lun1" | grep -E 'Total size'

section "lvextend stand-in: lv_test1_1 grows by 512 MiB; iet-update plan, then online"
truncate -s 1536M "$devs/vg_test/lv_test1_1"
run plan
run online

section "Capacity of clustertarget1 LUN 1 after the resize"
inns iscsi-readcapacity16 -i iqn.2026-11.org.ietkit:demo "$lun1" | grep -E 'Total size'

section "iet-update status"
run status
section "The namespace's firewall after the run (no block left)"
inns iptables -S | sed 's/^/  /'
