#!/usr/bin/env bash
# Benchmarks PUBLISH fan-out and MULTI/SET/SET/EXEC pipelines, Shoal against
# redis-server, measured like bench/run.sh: interleaved (order alternating per
# round), servers pinned to core 0 (Shoal with one shard and one event loop),
# clients on core 1, server CPU per request read from /proc/PID/stat.
#
# Rows: PUBLISH ch hello with 1 and with 100 `redis-cli SUBSCRIBE ch`
# subscribers (redis-benchmark -c 50 -P 16), and MULTI / SET / SET / EXEC
# transactions from bench/txload (-conns 50 -depth 16). The subscribers share
# core 1 with the publisher, so req/s is client-bound; compare the CPU columns.
#
# Environment: ROUNDS (default 2), N (requests per test, default 200000),
# TESTS (default "publish1 publish100 tx").
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-2}
N=${N:-200000}
CLIENTS=50
DEPTH=16

need_tools go redis-server redis-benchmark redis-cli taskset
build_bins cmd/shoal bench/txload

sub_pids=()

stop_subscribers() {
	stop_procs "${sub_pids[@]}"
	sub_pids=()
}

numsub() { # port
	redis-cli -p "$1" PUBSUB NUMSUB ch | sed -n 2p
}

# subscribe starts $1 subscribers of ch on every server and waits until each
# server counts them all.
subscribe() { # count
	local srv i
	for srv in shoal redis; do
		for ((i = 0; i < $1; i++)); do
			taskset -c 1 redis-cli -p "${port[$srv]}" SUBSCRIBE ch >/dev/null 2>&1 &
			sub_pids+=($!)
			track $!
		done
	done
	for srv in shoal redis; do
		for _ in $(seq 200); do
			[[ $(numsub "${port[$srv]}") == "$1" ]] && continue 2
			sleep 0.05
		done
		die "$srv counts $(numsub "${port[$srv]}") subscribers of ch, want $1"
	done
}

declare -A port pid rate_list ticks reqs
port[shoal]=$(free_port)
port[redis]=$(free_port "${port[shoal]}")
start_server Shoal "${port[shoal]}" "$work/shoal.log" \
	taskset -c 0 bin/shoal --port "${port[shoal]}" --metrics-port 0 --save '' --appendonly no \
	--shards 1 --io-threads 1
pid[shoal]=$server_pid
start_server redis-server "${port[redis]}" "$work/redis.log" \
	taskset -c 0 redis-server --port "${port[redis]}" --bind 127.0.0.1 --save '' \
	--appendonly no --daemonize no --dir "$work"
pid[redis]=$server_pid

bench_one() { # server test subscribers
	local srv=$1 test=$2 subs=$3 key="$2/$1" before after r
	before=$(cpu_ticks "${pid[$srv]}")
	if [[ $test == tx ]]; then
		run_out "txload against $srv" taskset -c 1 bin/txload -addr "127.0.0.1:${port[$srv]}" \
			-conns "$CLIENTS" -depth "$DEPTH" -n "$N"
		after=$(cpu_ticks "${pid[$srv]}")
		r=$(awk '{print $(NF - 1)}' "$work/out")
	else
		run_out "redis-benchmark PUBLISH against $srv" taskset -c 1 redis-benchmark -h 127.0.0.1 \
			-p "${port[$srv]}" -c "$CLIENTS" -n "$N" -P "$DEPTH" -q --csv PUBLISH ch hello
		after=$(cpu_ticks "${pid[$srv]}")
		# A subscriber dropped for a full output buffer would make fan-out cheaper.
		if [[ $(numsub "${port[$srv]}") != "$subs" ]]; then
			die "$srv lost subscribers during $test: $(numsub "${port[$srv]}") left of $subs"
		fi
		r=$(sed -n 2p "$work/out" | tr -d '"' | cut -d, -f2)
	fi
	[[ $r =~ ^[0-9.]+$ ]] || die_out "cannot read the rate of $test against $srv:"
	rate_list[$key]+="$r "
	ticks[$key]=$((${ticks[$key]:-0} + after - before))
	reqs[$key]=$((${reqs[$key]:-0} + N))
	printf '  %-8s %-5s %12s /s  cpu %4d ticks\n' "$test" "$srv" "$r" $((after - before)) >&2
}

read -r -a tests <<<"${TESTS:-publish1 publish100 tx}"

declare -A subs_of=([publish1]=1 [publish100]=100 [tx]=0)
load_before=$(cat /proc/loadavg)
echo "== load before: $load_before" >&2
pair=0
for ((round = 0; round < ROUNDS; round++)); do
	for test in "${tests[@]}"; do
		subs=${subs_of[$test]}
		if ((subs > 0)); then
			subscribe "$subs"
		fi
		if (((pair + round) % 2 == 0)); then
			bench_one shoal "$test" "$subs"
			bench_one redis "$test" "$subs"
		else
			bench_one redis "$test" "$subs"
			bench_one shoal "$test" "$subs"
		fi
		stop_subscribers
		pair=$((pair + 1))
	done
done
load_after=$(cat /proc/loadavg)
echo "== load after: $load_after" >&2

{
	echo "Load (/proc/loadavg) before: \`$load_before\`, after: \`$load_after\`."
	echo
	echo "| test | subscribers | Shoal /s | Redis /s | Shoal/Redis | Shoal CPU s per 1M | Redis CPU s per 1M | CPU Shoal/Redis |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for test in "${tests[@]}"; do
		s="$test/shoal"
		r="$test/redis"
		rs=$(median <<<"${rate_list[$s]}")
		rr=$(median <<<"${rate_list[$r]}")
		case $test in
		tx) label="MULTI/SET/SET/EXEC (tx)" ;;
		*) label="PUBLISH (publishes)" ;;
		esac
		awk -v t="$label" -v sb="${subs_of[$test]}" -v rs="$rs" -v rr="$rr" \
			-v ts="${ticks[$s]}" -v tr="${ticks[$r]}" -v ns="${reqs[$s]}" -v nr="${reqs[$r]}" \
			-v hz="$CLK_TCK" 'BEGIN {
				cs = ts / hz / ns * 1e6; cr = tr / hz / nr * 1e6
				printf "| %s | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %s |\n",
					t, (sb > 0 ? sb : "-"), rs, rr, rs / rr, cs, cr, (cr > 0 ? sprintf("%.2f", cs / cr) : "n/a")
			}'
	done
}
