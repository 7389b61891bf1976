#!/usr/bin/env bash
# SET throughput on a master with one replica attached, Shoal against
# redis-server in the same setup: the replica is a redis-server 7.0 in both
# cases, so only the master differs. Unpipelined (-P 1) and pipelined
# (-P 16), 50 clients, random keys, interleaved rounds (the order of the
# masters alternates). Masters on core 0, the benchmark and the replica on
# core 1; master CPU per request comes from /proc/PID/stat around each run.
# The replica's lag is sampled every 100 ms during each run (bytes of stream
# the replica has not acknowledged: master_repl_offset minus slave0's
# offset), and the time it takes to catch up after the run is measured.
# Prints a Markdown table of medians.
#
# Environment: ROUNDS (default 3), N (requests per run, default 200000),
# KEYS (default 100000), VALUE (bytes, default 3, redis-benchmark's).
set -euo pipefail

bench_name="replication bench"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
N=${N:-200000}
KEYS=${KEYS:-100000}
VALUE=${VALUE:-3}
CLIENTS=50

need_tools go redis-server redis-benchmark redis-cli taskset
build_bins cmd/shoal

info() { redis-cli -p "$1" info replication | tr -d '\r' | sed -n "s/^$2://p"; }

# lag prints master_repl_offset minus the replica's acknowledged offset.
lag() {
	local m ack
	m=$(info "$1" master_repl_offset)
	ack=$(info "$1" slave0 | sed -n 's/.*offset=\([0-9]*\).*/\1/p')
	echo $((m - ${ack:-0}))
}

wait_online() {
	for _ in $(seq 300); do
		[[ $(info "$1" slave0) == *state=online* ]] && return 0
		sleep 0.1
	done
	die "the replica of port $1 did not come online"
}

declare -A port pid rport
mkdir -p "$work/shoal" "$work/redis" "$work/r-shoal" "$work/r-redis"
port[shoal]=$(free_port)
port[redis]=$(free_port "${port[shoal]}")
start_server Shoal "${port[shoal]}" "$work/shoal.log" \
	taskset -c 0 bin/shoal --port "${port[shoal]}" --metrics-port 0 --save '' --dir "$work/shoal" \
	--shards 1 --io-threads 1 --repl-diskless-sync-delay 0
pid[shoal]=$server_pid
start_server redis-server "${port[redis]}" "$work/redis.log" \
	taskset -c 0 redis-server --port "${port[redis]}" --save '' --appendonly no --dir "$work/redis" \
	--repl-diskless-sync-delay 0
pid[redis]=$server_pid
for m in shoal redis; do
	rport[$m]=$(free_port "${port[@]}" "${rport[@]}")
	start_server "replica of $m" "${rport[$m]}" "$work/r-$m.log" \
		taskset -c 1 redis-server --port "${rport[$m]}" --save '' --appendonly no --dir "$work/r-$m" \
		--replicaof 127.0.0.1 "${port[$m]}"
	wait_online "${port[$m]}"
done

declare -A rates ticks maxlag catchup

bench_one() {
	local server=$1 depth=$2 key="$1/$2" before after r sampler peak t0 l
	before=$(cpu_ticks "${pid[$server]}")
	(
		peak=0
		while :; do
			l=$(lag "${port[$server]}")
			((l > peak)) && peak=$l
			echo "$peak" >"$work/peak"
			sleep 0.1
		done
	) &
	sampler=$!
	track "$sampler"
	run_out redis-benchmark taskset -c 1 redis-benchmark -p "${port[$server]}" -c "$CLIENTS" -n "$N" \
		-r "$KEYS" -d "$VALUE" -P "$depth" -q --csv -t set
	after=$(cpu_ticks "${pid[$server]}")
	stop_procs "$sampler"
	peak=$(cat "$work/peak" 2>/dev/null || echo 0)
	t0=$(date +%s%N)
	for _ in $(seq 600); do
		# The replica acknowledges every second: wait for an ACK that
		# covers the whole run.
		redis-cli -p "${port[$server]}" wait 1 100 >/dev/null
		(($(lag "${port[$server]}") <= 0)) && break
	done
	catchup[$key]+="$((($(date +%s%N) - t0) / 1000000)) "
	r=$(csv_rate)
	rates[$key]+="$r "
	maxlag[$key]+="$peak "
	ticks[$key]=$((${ticks[$key]:-0} + after - before))
	printf '  %-10s %10s req/s  cpu %5d ticks  peak lag %s bytes\n' "$key" "$r" $((after - before)) "$peak" >&2
}

echo "== load before: $(cat /proc/loadavg)" >&2
for ((round = 0; round < ROUNDS; round++)); do
	servers=(shoal redis)
	((round % 2)) && servers=(redis shoal)
	for depth in 1 16; do
		for s in "${servers[@]}"; do
			bench_one "$s" "$depth"
		done
	done
done
echo "== load after: $(cat /proc/loadavg)" >&2

us() { cpu_us "${ticks[$1]}" $((ROUNDS * N)); }
echo "Command: \`ROUNDS=$ROUNDS N=$N KEYS=$KEYS VALUE=$VALUE bash bench/replication.sh\`"
echo
echo "| pipeline | Shoal SET/s | redis-server SET/s | Shoal µs CPU/req | redis µs CPU/req | Shoal peak lag (bytes) | redis peak lag (bytes) | Shoal catch-up (ms) | redis catch-up (ms) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for depth in 1 16; do
	s="shoal/$depth" r="redis/$depth"
	echo "| $depth | $(echo "${rates[$s]}" | median) | $(echo "${rates[$r]}" | median) | $(us "$s") | $(us "$r") | $(echo "${maxlag[$s]}" | median) | $(echo "${maxlag[$r]}" | median) | $(echo "${catchup[$s]}" | median) | $(echo "${catchup[$r]}" | median) |"
done
