#!/usr/bin/env bash
# SET throughput with the append-only file on, Shoal against redis-server
# with the same settings: appendfsync everysec and always, unpipelined
# (-P 1) and pipelined (-P 16), 50 clients, 100,000 random keys, interleaved
# rounds (the order of the servers alternates). Each server runs in its own
# empty directory on the same filesystem (AOFDIR, default a fresh mktemp -d:
# put it on the disk you want measured, not tmpfs). Servers on core 0, the
# benchmark on core 1; server CPU per request comes from /proc/PID/stat
# around each run. Prints a Markdown table of medians.
#
# Environment: ROUNDS (default 3), N (requests per run, default 200000),
# KEYS (default 100000), AOFDIR, POLICIES (default "everysec always").
set -euo pipefail

bench_name="aof bench"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
N=${N:-200000}
KEYS=${KEYS:-100000}
POLICIES=${POLICIES:-everysec always}
CLIENTS=50

need_tools go redis-server redis-benchmark redis-cli taskset
build_bins cmd/shoal

base=${AOFDIR:-$work}
if [[ -n ${AOFDIR:-} ]]; then
	cleanup_paths+=("$base/shoal" "$base/redis")
fi

declare -A port pid
mkdir -p "$base/shoal" "$base/redis"
port[shoal]=$(free_port)
port[redis]=$(free_port "${port[shoal]}")
start_server Shoal "${port[shoal]}" "$work/shoal.log" \
	taskset -c 0 bin/shoal --port "${port[shoal]}" --metrics-port 0 --save '' --dir "$base/shoal" \
	--appendonly yes --shards 1 --io-threads 1
pid[shoal]=$server_pid
start_server redis-server "${port[redis]}" "$work/redis.log" \
	taskset -c 0 redis-server --port "${port[redis]}" --save '' --dir "$base/redis" --appendonly yes
pid[redis]=$server_pid
# Turns the AOF on whether or not start-up did (it is a no-op when on).
redis-cli -p "${port[shoal]}" config set appendonly yes >/dev/null

declare -A rates ticks

bench_one() {
	local server=$1 policy=$2 depth=$3 key="$1/$2/$3" before after r
	redis-cli -p "${port[$server]}" config set appendfsync "$policy" >/dev/null
	before=$(cpu_ticks "${pid[$server]}")
	run_out redis-benchmark taskset -c 1 redis-benchmark -p "${port[$server]}" -c "$CLIENTS" -n "$N" \
		-r "$KEYS" -P "$depth" -q --csv -t set
	after=$(cpu_ticks "${pid[$server]}")
	r=$(csv_rate)
	rates[$key]+="$r "
	ticks[$key]=$((${ticks[$key]:-0} + after - before))
	printf '  %-24s %10s req/s  cpu %5d ticks\n' "$key" "$r" $((after - before)) >&2
}

echo "== load before: $(cat /proc/loadavg)" >&2
for ((round = 0; round < ROUNDS; round++)); do
	servers=(shoal redis)
	((round % 2)) && servers=(redis shoal)
	for policy in $POLICIES; do
		for depth in 1 16; do
			for s in "${servers[@]}"; do
				bench_one "$s" "$policy" "$depth"
			done
		done
	done
done
echo "== load after: $(cat /proc/loadavg)" >&2

us() { cpu_us "${ticks[$1]}" $((ROUNDS * N)); }
echo "Command: \`ROUNDS=$ROUNDS N=$N KEYS=$KEYS bash bench/aof.sh\` (AOF directory: $base)"
echo
echo "| appendfsync | pipeline | Shoal SET/s | redis-server SET/s | Shoal µs CPU/req | redis µs CPU/req |"
echo "|---|---:|---:|---:|---:|---:|"
for policy in $POLICIES; do
	for depth in 1 16; do
		s="shoal/$policy/$depth" r="redis/$policy/$depth"
		echo "| $policy | $depth | $(echo "${rates[$s]}" | median) | $(echo "${rates[$r]}" | median) | $(us "$s") | $(us "$r") |"
	done
done
