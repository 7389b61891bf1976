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

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-6}
N=${N:-2000000}
KEYS=${KEYS:-100000}
CLIENTS=50
DEPTH=16
MODES=(off tracking slowlog both)

for tool in go redis-benchmark redis-cli taskset; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
done

go build -o bin/shoal ./cmd/shoal

work=$(mktemp -d)
shoal_pid=

cleanup() {
	if [[ -n $shoal_pid ]]; then
		kill "$shoal_pid" 2>/dev/null || true
		wait "$shoal_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a port in 20000-59999 that nothing listens on.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# cpu_ticks prints utime+stime of a whole process (all threads), in clock ticks.
cpu_ticks() {
	local stat
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) } # the command name may hold spaces; fields resume after ')'
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

median() {
	tr ' ' '\n' | grep -v '^$' | sort -g |
		awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

port=$(free_port)
taskset -c 0 bin/shoal --port "$port" --metrics-port 0 --save '' --appendonly no \
	--shards 1 --io-threads 1 >"$work/shoal.log" 2>&1 &
shoal_pid=$!
for _ in $(seq 100); do
	[[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break
	if ! kill -0 "$shoal_pid" 2>/dev/null; then
		echo "bench: Shoal exited at start-up; its log:" >&2
		tail -20 "$work/shoal.log" >&2
		exit 1
	fi
	sleep 0.1
done
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

CLK_TCK=$(getconf CLK_TCK)
declare -A rate_list ticks

bench_one() {
	local mode=$1 before after r
	set_mode "$mode"
	before=$(cpu_ticks "$shoal_pid")
	if ! taskset -c 1 redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r "$KEYS" -P "$DEPTH" \
		-q --csv -t set,get >"$work/out" 2>"$work/err"; then
		echo "bench: redis-benchmark failed:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
	after=$(cpu_ticks "$shoal_pid")
	# SET and GET combined: total requests / total time.
	r=$(tr -d '"' <"$work/out" | awk -F, 'NR > 1 {t += 1 / $2; n++} END {if (n) printf "%.0f", n / t}')
	if [[ ! $r =~ ^[0-9]+$ ]]; then
		echo "bench: cannot read the rates:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
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
us() { awk -v t="${ticks[$1]}" -v h="$CLK_TCK" -v n="$reqs" 'BEGIN {printf "%.3f", t / h / n * 1e6}'; }
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
		"$(awk -v a="$rate" -v b="$rate_off" 'BEGIN {printf "%.3f", a / b}')" \
		"$(awk -v a="$u" -v b="$us_off" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}')"
done
