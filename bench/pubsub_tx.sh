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

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-2}
N=${N:-200000}
CLIENTS=50
DEPTH=16

for tool in go redis-server redis-benchmark redis-cli taskset; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
done

go build -o bin/shoal ./cmd/shoal
go build -o bin/txload ./bench/txload

work=$(mktemp -d)
shoal_pid=
redis_pid=
sub_pids=()

stop_subscribers() {
	local p
	for p in "${sub_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${sub_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	sub_pids=()
}

cleanup() {
	local p
	stop_subscribers
	for p in $shoal_pid $redis_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in $shoal_pid $redis_pid; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a port in 20000-59999 that nothing listens on and that
# differs from $1.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		[[ $p == "${1:-}" ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

wait_ready() { # name pid port log
	for _ in $(seq 100); do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "bench: $1 exited at start-up; its log:" >&2
			tail -20 "$4" >&2
			exit 1
		fi
		[[ $(redis-cli -p "$3" ping 2>/dev/null) == PONG ]] && return
		sleep 0.1
	done
	echo "bench: $1 did not answer PING on port $3 within 10 s; its log:" >&2
	tail -20 "$4" >&2
	exit 1
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
		done
	done
	for srv in shoal redis; do
		for _ in $(seq 200); do
			[[ $(numsub "${port[$srv]}") == "$1" ]] && continue 2
			sleep 0.05
		done
		echo "bench: $srv counts $(numsub "${port[$srv]}") subscribers of ch, want $1" >&2
		exit 1
	done
}

CLK_TCK=$(getconf CLK_TCK)
declare -A port pid rate_list ticks reqs
port[shoal]=$(free_port)
port[redis]=$(free_port "${port[shoal]}")
taskset -c 0 bin/shoal --port "${port[shoal]}" --metrics-port 0 --save '' --appendonly no \
	--shards 1 --io-threads 1 >"$work/shoal.log" 2>&1 &
shoal_pid=$!
taskset -c 0 redis-server --port "${port[redis]}" --bind 127.0.0.1 --save '' \
	--appendonly no --daemonize no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
pid[shoal]=$shoal_pid
pid[redis]=$redis_pid
wait_ready Shoal "$shoal_pid" "${port[shoal]}" "$work/shoal.log"
wait_ready redis-server "$redis_pid" "${port[redis]}" "$work/redis.log"

bench_one() { # server test subscribers
	local srv=$1 test=$2 subs=$3 key="$2/$1" before after r
	before=$(cpu_ticks "${pid[$srv]}")
	if [[ $test == tx ]]; then
		if ! taskset -c 1 bin/txload -addr "127.0.0.1:${port[$srv]}" -conns "$CLIENTS" \
			-depth "$DEPTH" -n "$N" >"$work/out" 2>"$work/err"; then
			echo "bench: txload against $srv failed:" >&2
			cat "$work/out" "$work/err" >&2
			exit 1
		fi
		after=$(cpu_ticks "${pid[$srv]}")
		r=$(awk '{print $(NF - 1)}' "$work/out")
	else
		if ! taskset -c 1 redis-benchmark -h 127.0.0.1 -p "${port[$srv]}" -c "$CLIENTS" \
			-n "$N" -P "$DEPTH" -q --csv PUBLISH ch hello >"$work/out" 2>"$work/err"; then
			echo "bench: redis-benchmark PUBLISH against $srv failed:" >&2
			cat "$work/out" "$work/err" >&2
			exit 1
		fi
		after=$(cpu_ticks "${pid[$srv]}")
		# A subscriber dropped for a full output buffer would make fan-out cheaper.
		if [[ $(numsub "${port[$srv]}") != "$subs" ]]; then
			echo "bench: $srv lost subscribers during $test: $(numsub "${port[$srv]}") left of $subs" >&2
			exit 1
		fi
		r=$(sed -n 2p "$work/out" | tr -d '"' | cut -d, -f2)
	fi
	if [[ ! $r =~ ^[0-9.]+$ ]]; then
		echo "bench: cannot read the rate of $test against $srv:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
	rate_list[$key]+="$r "
	ticks[$key]=$((${ticks[$key]:-0} + after - before))
	reqs[$key]=$((${reqs[$key]:-0} + N))
	printf '  %-8s %-5s %12s /s  cpu %4d ticks\n' "$test" "$srv" "$r" $((after - before)) >&2
}

median() {
	tr ' ' '\n' | grep -v '^$' | sort -g |
		awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
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
