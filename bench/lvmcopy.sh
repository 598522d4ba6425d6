#!/usr/bin/env bash
# Issue 4's benchmarks: lvmcopy against the tools an administrator would
# otherwise use, on the same 2 GiB random file, alternating, in one run.
#   (a) local copy                      vs  dd bs=4M conv=fsync
#   (b) local copy, md5-verified        vs  md5sum src; dd; md5sum dst (the original's way)
#   (c) copy to 127.0.0.1 over ssh       vs  dd | ssh 127.0.0.1 dd, ssh's defaults
#   (d) peak memory of lvmcopy (GNU time's maximum RSS)
# (a) also times dd with oflag=direct, for reference: lvmcopy writes
# uncompressed targets unbuffered by default.
# Needs root (a throwaway sshd on loopback), openssh-server, GNU time.
# Prints a Markdown table of medians; ROUNDS (default 5) and SIZE_MB
# (2048) tune it. Writes are fsynced by every tool alike, so the disk's
# writeback makes single runs noisy: medians of alternating runs.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
size_mb=${SIZE_MB:-2048}
tmp=$(mktemp -d /var/tmp/lvmcopy-bench.XXXXXX)
sshd_pid=
cleanup() { set +e; [ -n "$sshd_pid" ] && kill "$sshd_pid"; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/lvmcopy" ./cmd/lvmcopy
head -c "${size_mb}M" /dev/urandom > "$tmp/src"
bytes=$(stat -c %s "$tmp/src")

# A throwaway sshd on loopback, with its own keys.
port=$((30000 + RANDOM % 2000))
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/client_key"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
cat > "$tmp/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
PidFile $tmp/sshd.pid
CONF
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$tmp/sshd_config" 2>"$tmp/sshd.log" &
sshd_pid=$!
echo "[127.0.0.1]:$port $(cat "$tmp/host_key.pub")" > "$tmp/known_hosts"
ssh_opts=(-i "$tmp/client_key" -p "$port" -o UserKnownHostsFile="$tmp/known_hosts" -o BatchMode=yes)
for _ in $(seq 50); do ssh "${ssh_opts[@]}" root@127.0.0.1 true 2>/dev/null && break; sleep 0.1; done

now() { date +%s%N; }
declare -A samples
timeit() { # name command...
	local name=$1; shift
	rm -f "$tmp/dst"
	sync
	local t0; t0=$(now)
	"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	local t1; t1=$(now)
	samples[$name]+="$((t1 - t0)) "
}
median() { echo "${samples[$1]}" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
lc() { "$tmp/lvmcopy" --log-level warn "$@"; }
remote_spec="file:root@[127.0.0.1]:$port:$tmp/dst"
lssh=(--identity "$tmp/client_key" --known-hosts "$tmp/known_hosts" --remote-lvmcopy "$tmp/lvmcopy")

for r in $(seq "$rounds"); do
	timeit a_lvmcopy lc copy -s "file:$tmp/src" -t "file:$tmp/dst"
	timeit a_dd dd if="$tmp/src" of="$tmp/dst" bs=4M conv=fsync status=none
	timeit a_dddirect dd if="$tmp/src" of="$tmp/dst" bs=4M oflag=direct conv=fsync status=none
	timeit b_lvmcopy lc copy -s "file:$tmp/src" -t "file:$tmp/dst" --verify
	timeit b_orig bash -c "md5sum '$tmp/src' >/dev/null && dd if='$tmp/src' of='$tmp/dst' bs=4M conv=fsync status=none && md5sum '$tmp/dst' >/dev/null"
	timeit b_xxh3 lc copy -s "file:$tmp/src" -t "file:$tmp/dst" --verify --hash xxh3
	timeit c_lvmcopy lc copy -s "file:$tmp/src" -t "$remote_spec" "${lssh[@]}"
	timeit c_ddssh bash -c "dd if='$tmp/src' bs=4M status=none | ssh ${ssh_opts[*]} root@127.0.0.1 \"dd of='$tmp/dst' bs=4M conv=fsync status=none\""
done

# (d) peak memory: a copy, a verified gzip copy and a remote copy.
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss_plain=$(rss "$tmp/lvmcopy" --log-level warn copy -s "file:$tmp/src" -t "file:$tmp/dst")
rss_gz=$(rss "$tmp/lvmcopy" --log-level warn copy -s "file:$tmp/src" -t "file:$tmp/dst.gz" -z --verify)
rss_remote=$(rss "$tmp/lvmcopy" --log-level warn copy -s "file:$tmp/src" -t "$remote_spec" "${lssh[@]}")

mbps() { awk -v b="$bytes" -v ns="$(median "$1")" 'BEGIN { printf "%.0f", b / (ns / 1e9) / 1e6 }'; }
secs() { awk -v ns="$(median "$1")" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
spread() { echo "${samples[$1]}" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.2f–%.2f s", a[1] / 1e9, a[NR] / 1e9}'; }
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", a / b }'; }
echo "| case | lvmcopy | baseline | ratio | target |"
echo "| --- | --- | --- | --- | --- |"
echo "| (a) local copy | $(secs a_lvmcopy) s, $(mbps a_lvmcopy) MB/s | dd bs=4M conv=fsync: $(secs a_dd) s, $(mbps a_dd) MB/s | $(ratio a_dd a_lvmcopy)× dd's speed | ≥ 1.0× |"
echo "| (a) for reference | | dd bs=4M oflag=direct conv=fsync: $(secs a_dddirect) s, $(mbps a_dddirect) MB/s | $(ratio a_dddirect a_lvmcopy)× its speed | |"
echo "| (b) copy + md5 verification | $(secs b_lvmcopy) s (xxh3: $(secs b_xxh3) s) | md5sum + dd + md5sum: $(secs b_orig) s | $(ratio b_lvmcopy b_orig)× its time | ≤ 0.5× |"
echo "| (c) copy over ssh to 127.0.0.1 | $(mbps c_lvmcopy) MB/s | dd \\| ssh dd: $(mbps c_ddssh) MB/s | $(ratio c_ddssh c_lvmcopy)× its throughput | ≥ 1.5× |"
echo "| (d) peak memory (max RSS) | copy $((rss_plain / 1024)) MB, gzip+verify $((rss_gz / 1024)) MB, over ssh $((rss_remote / 1024)) MB | | | < 64 MB |"
echo
echo "Medians of $rounds alternating rounds, $size_mb MiB random file, page cache warm for every tool alike."
echo
echo "Spread (fastest–slowest round):"
for k in a_lvmcopy a_dd a_dddirect b_lvmcopy b_orig b_xxh3 c_lvmcopy c_ddssh; do echo "- $k: $(spread $k)"; done
