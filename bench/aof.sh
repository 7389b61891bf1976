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

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
N=${N:-200000}
KEYS=${KEYS:-100000}
POLICIES=${POLICIES:-everysec always}
CLIENTS=50

for tool in go redis-server redis-benchmark redis-cli taskset; do
	command -v "$tool" >/dev/null || { echo "aof bench: $tool not found" >&2; exit 1; }
done
go build -o bin/shoal ./cmd/shoal

work=$(mktemp -d)
base=${AOFDIR:-$work}
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
	[[ -n ${AOFDIR:-} ]] && rm -rf "$base/shoal" "$base/redis"
	return 0
}
trap cleanup EXIT

free_port() {
	while :; do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

cpu_ticks() {
	local stat
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

median() {
	tr ' ' '\n' | grep -v '^$' | sort -g |
		awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

wait_port() {
	for _ in $(seq 100); do
		[[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && return 0
		sleep 0.1
	done
	echo "aof bench: nothing answers on port $1" >&2
	exit 1
}

declare -A port pid
mkdir -p "$base/shoal" "$base/redis"
port[shoal]=$(free_port)
taskset -c 0 bin/shoal --port "${port[shoal]}" --metrics-port 0 --save '' --dir "$base/shoal" \
	--appendonly yes --shards 1 --io-threads 1 >"$work/shoal.log" 2>&1 &
pid[shoal]=$!
pids+=("${pid[shoal]}")
port[redis]=$(free_port)
taskset -c 0 redis-server --port "${port[redis]}" --save '' --dir "$base/redis" --appendonly yes >"$work/redis.log" 2>&1 &
pid[redis]=$!
pids+=("${pid[redis]}")
wait_port "${port[shoal]}"
wait_port "${port[redis]}"
# Turns the AOF on whether or not start-up did (it is a no-op when on).
redis-cli -p "${port[shoal]}" config set appendonly yes >/dev/null

CLK_TCK=$(getconf CLK_TCK)
declare -A rates ticks

bench_one() {
	local server=$1 policy=$2 depth=$3 key="$1/$2/$3" before after r
	redis-cli -p "${port[$server]}" config set appendfsync "$policy" >/dev/null
	before=$(cpu_ticks "${pid[$server]}")
	if ! taskset -c 1 redis-benchmark -p "${port[$server]}" -c "$CLIENTS" -n "$N" -r "$KEYS" -P "$depth" \
		-q --csv -t set >"$work/out" 2>"$work/err"; then
		echo "aof bench: redis-benchmark failed:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
	after=$(cpu_ticks "${pid[$server]}")
	r=$(tr -d '"' <"$work/out" | awk -F, 'NR > 1 {printf "%.0f", $2}')
	if [[ ! $r =~ ^[0-9]+$ ]]; then
		echo "aof bench: cannot read the rate:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
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

us() { awk -v t="${ticks[$1]}" -v h="$CLK_TCK" -v n="$((ROUNDS * N))" 'BEGIN {printf "%.2f", t / h / n * 1e6}'; }
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
