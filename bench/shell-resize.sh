#!/usr/bin/env bash
# The baseline of bench/resize-blackout.sh: a LUN resize done the way the
# original update.sh did it, step for step as its documentation describes
# (block the target's initiator addresses with iptables, close all sessions
# of the target, remove the LUN, add it back, unblock), re-expressed for
# tgtadm. This is not the original script (its source did not survive),
# only its documented procedure, for comparing blackouts in the same run.
#
# usage: shell-resize.sh CONTROL_PORT TID TGT_LUN PATH IP...
# prints: blackout_ns=N
set -euo pipefail
port=$1 tid=$2 lun=$3 path=$4
shift 4
T=(tgtadm -C "$port" --lld iscsi)
start=$(date +%s%N)
for ip in "$@"; do iptables -I INPUT -s "$ip" -p tcp --dport 3260 -j DROP; done
# close all sessions of the target
"${T[@]}" --op show --mode conn --tid "$tid" | awk '/Session:/ {s=$2} /Connection:/ {print s, $2}' |
	while read -r sid cid; do "${T[@]}" --op delete --mode conn --tid "$tid" --sid "$sid" --cid "$cid" || true; done
# remove the LUN (tgt refuses while commands are in flight: retry)
for _ in $(seq 50); do "${T[@]}" --op delete --mode logicalunit --tid "$tid" --lun "$lun" 2>/dev/null && break; sleep 0.1; done
"${T[@]}" --op new --mode logicalunit --tid "$tid" --lun "$lun" --backing-store "$path" --bsoflags sync
for ip in "$@"; do iptables -D INPUT -s "$ip" -p tcp --dport 3260 -j DROP; done
end=$(date +%s%N)
echo "blackout_ns=$((end - start))"
