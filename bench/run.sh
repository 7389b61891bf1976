#!/usr/bin/env bash
# Benchmarks Shoal against redis-server with redis-benchmark, interleaved in
# one run, and prints a Markdown table (also written to bench/last-run.md).
#
# On this 2-core machine redis-benchmark needs about a core by itself, so
# throughput is often client-bound: the server CPU time per request, read from
# /proc/PID/stat around each test, is the number to compare.
#
# Two modes: "unpinned" (servers with their defaults, nothing pinned) and
# "pinned" (each server on core 0, Shoal with one shard and one event loop,
# redis-benchmark on core 1).
#
# Environment:
#   N_P1, N_P16  requests per test at -P 1 / -P 16 (default 100000 / 200000)
#   ROUNDS       times each test runs against each server (default 3); the
#                table shows the median req/s and p99, and CPU summed over
#                all rounds divided by all their requests
#   TESTS        redis-benchmark -t list (default ping_inline,ping_mbulk,set,get,incr,mset)
#   MODES        "unpinned pinned" (default) or either one
#   SHOAL_ARGS   extra "--directive value" arguments for Shoal
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N_P1=${N_P1:-100000}
N_P16=${N_P16:-200000}
ROUNDS=${ROUNDS:-3}
TESTS=${TESTS:-ping_inline,ping_mbulk,set,get,incr,mset}
MODES=${MODES:-unpinned pinned}
SHOAL_ARGS=${SHOAL_ARGS:-}
CLIENTS=50
KEYSPACE=100000
OUT=bench/last-run.md

need_tools go redis-server redis-benchmark redis-cli taskset
build_bins cmd/shoal

server_pin=()
client_pin=()
shoal_mode_args=()
declare -A port pid rps_list p99_list ticks reqs
config_warnings=0

start_servers() { # mode
	if [[ $1 == pinned ]]; then
		server_pin=(taskset -c 0)
		client_pin=(taskset -c 1)
		shoal_mode_args=(--shards 1 --io-threads 1)
	else
		server_pin=()
		client_pin=()
		shoal_mode_args=()
	fi
	port[shoal]=$(free_port)
	port[redis]=$(free_port "${port[shoal]}")
	# shellcheck disable=SC2086
	start_server Shoal "${port[shoal]}" "$work/shoal.log" \
		"${server_pin[@]}" bin/shoal --port "${port[shoal]}" --save '' --appendonly no \
		"${shoal_mode_args[@]}" $SHOAL_ARGS
	pid[shoal]=$server_pid
	start_server redis-server "${port[redis]}" "$work/redis.log" \
		"${server_pin[@]}" redis-server --port "${port[redis]}" --bind 127.0.0.1 --save '' \
		--appendonly no --daemonize no --dir "$work"
	pid[redis]=$server_pid
}

bench_one() { # server test pipeline requests
	local srv=$1 test=$2 pipe=$3 n=$4 key="$2/$3/$1" before after line
	before=$(cpu_ticks "${pid[$srv]}")
	run_out "redis-benchmark -t $test -P $pipe against $srv" \
		"${client_pin[@]}" redis-benchmark -h 127.0.0.1 -p "${port[$srv]}" -c "$CLIENTS" \
		-n "$n" -r "$KEYSPACE" -P "$pipe" -t "$test" --csv
	after=$(cpu_ticks "${pid[$srv]}")
	if grep -q 'Could not fetch server CONFIG' "$work/err"; then
		echo "bench: WARNING: redis-benchmark could not fetch CONFIG from $srv" >&2
		config_warnings=$((config_warnings + 1))
	fi
	# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
	line=$(sed -n 2p "$work/out" | tr -d '"')
	IFS=, read -r _ r _ _ _ _ p99 _ <<<"$line"
	[[ $r =~ ^[0-9.]+$ ]] || die_out "cannot read requests/s from redis-benchmark output:"
	rps_list[$key]+="$r "
	p99_list[$key]+="$p99 "
	ticks[$key]=$((${ticks[$key]:-0} + after - before))
	reqs[$key]=$((${reqs[$key]:-0} + n))
	printf '  %-12s -P %-2s %-5s %12s req/s  p99 %7s ms  cpu %4d ticks\n' \
		"$test" "$pipe" "$srv" "$r" "$p99" $((after - before)) >&2
}

IFS=, read -r -a tests <<<"$TESTS"
pipelines=(1 16)
table="$work/table.md"
notes="$work/notes.md"
: >"$table"
: >"$notes"

for mode in $MODES; do
	if [[ $mode != pinned && $mode != unpinned ]]; then
		die "unknown mode $mode (want pinned or unpinned)"
	fi
	rps_list=() p99_list=() ticks=() reqs=()
	load_before=$(cat /proc/loadavg)
	echo "== mode $mode; load before: $load_before" >&2
	start_servers "$mode"
	if [[ $mode == pinned ]]; then
		label="pinned: servers on core 0, client on core 1; Shoal --shards 1 --io-threads 1"
	else
		layout=$(grep -o 'shards=[0-9]* event_loops=[0-9]*' "$work/shoal.log" | head -1 || true)
		label="unpinned; Shoal defaults (${layout:-see its log})"
	fi
	pair=0
	for ((round = 0; round < ROUNDS; round++)); do
		for pipe in "${pipelines[@]}"; do
			n=$N_P1
			[[ $pipe == 16 ]] && n=$N_P16
			for test in "${tests[@]}"; do
				# Alternate who goes first, within a round and, for each test, from one round to the next.
				if (((pair + round) % 2 == 0)); then
					bench_one shoal "$test" "$pipe" "$n"
					bench_one redis "$test" "$pipe" "$n"
				else
					bench_one redis "$test" "$pipe" "$n"
					bench_one shoal "$test" "$pipe" "$n"
				fi
				pair=$((pair + 1))
			done
		done
	done
	keys_shoal=$(redis-cli -p "${port[shoal]}" dbsize)
	keys_redis=$(redis-cli -p "${port[redis]}" dbsize)
	stop_all
	load_after=$(cat /proc/loadavg)
	echo "== mode $mode; load after: $load_after" >&2

	{
		echo
		echo "### $label"
		echo
		echo "Load (/proc/loadavg) before: \`$load_before\`, after: \`$load_after\`. Keys at the end: Shoal $keys_shoal, Redis $keys_redis."
		echo
		echo "| test | -P | Shoal req/s | Redis req/s | Shoal/Redis | Shoal CPU s per 1M req | Redis CPU s per 1M req | CPU Shoal/Redis | p99 ms Shoal | p99 ms Redis |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		for pipe in "${pipelines[@]}"; do
			for test in "${tests[@]}"; do
				s="$test/$pipe/shoal"
				r="$test/$pipe/redis"
				rs=$(median <<<"${rps_list[$s]}")
				rr=$(median <<<"${rps_list[$r]}")
				ps=$(median <<<"${p99_list[$s]}")
				pr=$(median <<<"${p99_list[$r]}")
				awk -v t="$test" -v p="$pipe" -v rs="$rs" -v rr="$rr" -v ps="$ps" -v pr="$pr" \
					-v ts="${ticks[$s]}" -v tr="${ticks[$r]}" -v ns="${reqs[$s]}" -v nr="${reqs[$r]}" \
					-v hz="$CLK_TCK" 'BEGIN {
						cs = ts / hz / ns * 1e6; cr = tr / hz / nr * 1e6
						printf "| %s | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %s | %.3f | %.3f |\n",
							t, p, rs, rr, rs / rr, cs, cr, (cr > 0 ? sprintf("%.2f", cs / cr) : "n/a"), ps, pr
					}'
			done
		done
	} >>"$table"
done

if ((config_warnings == 0)); then
	echo "redis-benchmark printed no CONFIG warning for either server." >>"$notes"
else
	echo "redis-benchmark warned $config_warnings times that it could not fetch the server's CONFIG." >>"$notes"
fi

{
	echo "## Shoal vs redis-server, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'). $(go version | cut -d' ' -f3), $(redis-server --version | cut -d' ' -f1-3)."
	echo "Shoal tree: $(git rev-parse --short HEAD 2>/dev/null || echo 'no commit')$(git status --porcelain 2>/dev/null | grep -q . && echo ', with uncommitted changes')."
	echo
	echo "redis-benchmark -c $CLIENTS -r $KEYSPACE -n $N_P1 (-P 1) / $N_P16 (-P 16), -t $TESTS, $ROUNDS rounds interleaved (order alternating);"
	echo "req/s and p99 are medians over the rounds; CPU is the server's utime+stime over all rounds (clock ticks of 1/$CLK_TCK s) divided by their requests."
	if [[ -n $SHOAL_ARGS ]]; then
		echo "Extra Shoal arguments: \`$SHOAL_ARGS\`."
	fi
	cat "$table"
	if [[ -s $notes ]]; then
		echo
		cat "$notes"
	fi
} | tee "$OUT"
