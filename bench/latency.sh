#!/usr/bin/env bash
# Measures what per-command latency bookkeeping costs on the hot path: the
# same redis-benchmark run (-P 16, SET and GET on 100,000 random keys)
# against one Shoal with the latency features switched by CONFIG SET
# between runs, interleaved (the order rotates per round):
#   off       latency-tracking no,  slowlog-log-slower-than -1
#   tracking  latency-tracking yes, slowlog-log-slower-than -1
#   slowlog   latency-tracking no,  slowlog-log-slower-than 10000
#   both      latency-tracking yes, slowlog-log-slower-than 10000 (Redis's defaults, Shoal's too)
# Server pinned to core 0 (one shard, one event loop), the benchmark on
# core 1; server CPU per request is read from /proc/PID/stat around each run,
# as in bench/run.sh. Prints a Markdown table with the ratios to "off".
#
# Environment: ROUNDS (default 6), N (requests per run, default 2000000),
# KEYS (keys loaded first, default 100000).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-6}
N=${N:-2000000}
KEYS=${KEYS:-100000}
CLIENTS=50
DEPTH=16
MODES=(off tracking slowlog both)

need_tools go redis-benchmark redis-cli taskset
build_bins cmd/shoal

port=$(free_port)
start_server Shoal "$port" "$work/shoal.log" \
	taskset -c 0 bin/shoal --port "$port" --metrics-port 0 --save '' --appendonly no \
	--shards 1 --io-threads 1
shoal_pid=$server_pid
taskset -c 1 redis-benchmark -p "$port" -c "$CLIENTS" -n "$KEYS" -r "$KEYS" -P "$DEPTH" -q -t set >/dev/null

set_mode() {
	local track=no slow=-1
	case $1 in
	tracking) track=yes ;;
	slowlog) slow=10000 ;;
	both) track=yes slow=10000 ;;
	esac
	redis-cli -p "$port" config set latency-tracking "$track" slowlog-log-slower-than "$slow" >/dev/null
}

declare -A rate_list ticks

bench_one() {
	local mode=$1 before after r
	set_mode "$mode"
	before=$(cpu_ticks "$shoal_pid")
	run_out redis-benchmark taskset -c 1 redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r "$KEYS" \
		-P "$DEPTH" -q --csv -t set,get
	after=$(cpu_ticks "$shoal_pid")
	r=$(csv_rate) # SET and GET combined
	rate_list[$mode]+="$r "
	ticks[$mode]=$((${ticks[$mode]:-0} + after - before))
	printf '  %-8s %10s req/s  cpu %5d ticks\n' "$mode" "$r" $((after - before)) >&2
}

load_before=$(cat /proc/loadavg)
echo "== load before: $load_before" >&2
for ((round = 0; round < ROUNDS; round++)); do
	for ((i = 0; i < ${#MODES[@]}; i++)); do
		bench_one "${MODES[(i + round) % ${#MODES[@]}]}"
	done
done
load_after=$(cat /proc/loadavg)
echo "== load after: $load_after" >&2

reqs=$((ROUNDS * N * 2)) # SET and GET
us() { cpu_us "${ticks[$1]}" "$reqs" 3; }
rate_off=$(echo "${rate_list[off]}" | median)
us_off=$(us off)

cat <<TABLE
Command: \`ROUNDS=$ROUNDS N=$N KEYS=$KEYS bash bench/latency.sh\`; Shoal \`--shards 1 --io-threads 1\` on
core 0; \`redis-benchmark -c $CLIENTS -P $DEPTH -r $KEYS -t set,get\` on core 1.
Load before: \`$load_before\`, after: \`$load_after\`.

| latency features | req/s (median) | server CPU µs/request | req/s vs off | CPU vs off |
|---|---:|---:|---:|---:|
TABLE
for mode in "${MODES[@]}"; do
	rate=$(echo "${rate_list[$mode]}" | median)
	u=$(us "$mode")
	printf '| %s | %s | %s | %s | %s |\n' "$mode" "$rate" "$u" \
		"$(ratio "$rate" "$rate_off")" "$(pct_change "$u" "$us_off")"
done
