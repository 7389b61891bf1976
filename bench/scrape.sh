#!/usr/bin/env bash
# Measures what a Prometheus scrape every second costs Shoal under load: the
# same redis-benchmark run (-P 16, SET and GET on 100,000 random keys) with
# and without a loop that fetches /metrics once a second, interleaved (the
# order alternates per round), server pinned to core 0 (one shard, one event
# loop), the benchmark and curl on core 1. Server CPU per request is read
# from /proc/PID/stat around each run, as in bench/run.sh; the issue's bar is
# that scraping every second costs under 1%.
#
# Prints a Markdown table: medians of req/s, CPU µs per request summed over
# rounds, and the ratios with/without scraping, plus the scrapes done and
# their median duration.
#
# Environment: ROUNDS (default 6), N (requests per run, default 2000000:
# about 10 s at -P 16, so each scraping run sees ~10 scrapes), KEYS (keys
# loaded first, default 100000, so a scrape counts a realistic keyspace).
set -euo pipefail

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-6}
N=${N:-2000000}
KEYS=${KEYS:-100000}
CLIENTS=50
DEPTH=16

for tool in go redis-benchmark redis-cli taskset curl; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
done

go build -o bin/shoal ./cmd/shoal

work=$(mktemp -d)
shoal_pid=
scraper_pid=

stop_scraper() {
	if [[ -n $scraper_pid ]]; then
		kill "$scraper_pid" 2>/dev/null || true
		wait "$scraper_pid" 2>/dev/null || true
		scraper_pid=
	fi
}

cleanup() {
	stop_scraper
	if [[ -n $shoal_pid ]]; then
		kill "$shoal_pid" 2>/dev/null || true
		wait "$shoal_pid" 2>/dev/null || true
	fi
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
mport=$(free_port "$port")
url="http://127.0.0.1:$mport/metrics"
taskset -c 0 bin/shoal --port "$port" --metrics-port "$mport" --save '' --appendonly no \
	--shards 1 --io-threads 1 >"$work/shoal.log" 2>&1 &
shoal_pid=$!
for _ in $(seq 100); do
	[[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && curl -sf -o /dev/null "$url" && break
	if ! kill -0 "$shoal_pid" 2>/dev/null; then
		echo "bench: Shoal exited at start-up; its log:" >&2
		tail -20 "$work/shoal.log" >&2
		exit 1
	fi
	sleep 0.1
done
taskset -c 1 redis-benchmark -p "$port" -c "$CLIENTS" -n "$KEYS" -r "$KEYS" -P "$DEPTH" -q -t set >/dev/null
echo "== keys loaded: $(redis-cli -p "$port" dbsize); /metrics is $(curl -s "$url" | wc -c) bytes" >&2

CLK_TCK=$(getconf CLK_TCK)
declare -A rate_list ticks
scrape_times=

bench_one() { # mode: plain | scrape
	local mode=$1 before after r
	if [[ $mode == scrape ]]; then
		# One scrape per second, like Prometheus with scrape_interval: 1s.
		taskset -c 1 bash -c 'while :; do curl -s -o /dev/null -w "%{time_total}\n" "$1"; sleep 1; done' \
			_ "$url" >"$work/scrapes" &
		scraper_pid=$!
	fi
	before=$(cpu_ticks "$shoal_pid")
	if ! taskset -c 1 redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r "$KEYS" -P "$DEPTH" \
		-q --csv -t set,get >"$work/out" 2>"$work/err"; then
		echo "bench: redis-benchmark failed:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
	after=$(cpu_ticks "$shoal_pid")
	if [[ $mode == scrape ]]; then
		stop_scraper
		scrape_times+="$(tr '\n' ' ' <"$work/scrapes")"
		if [[ ! -s $work/scrapes ]]; then
			echo "bench: no scrape completed during the run" >&2
			exit 1
		fi
	fi
	# Sum of the SET and GET rates' harmonic mix: total requests / total time.
	r=$(tr -d '"' <"$work/out" | awk -F, 'NR > 1 {t += 1 / $2; n++} END {if (n) printf "%.0f", n / t}')
	if [[ ! $r =~ ^[0-9]+$ ]]; then
		echo "bench: cannot read the rates:" >&2
		cat "$work/out" "$work/err" >&2
		exit 1
	fi
	rate_list[$mode]+="$r "
	ticks[$mode]=$((${ticks[$mode]:-0} + after - before))
	printf '  %-6s %10s req/s  cpu %5d ticks\n' "$mode" "$r" $((after - before)) >&2
}

load_before=$(cat /proc/loadavg)
echo "== load before: $load_before" >&2
for ((round = 0; round < ROUNDS; round++)); do
	if ((round % 2 == 0)); then
		bench_one plain
		bench_one scrape
	else
		bench_one scrape
		bench_one plain
	fi
done
load_after=$(cat /proc/loadavg)
echo "== load after: $load_after" >&2

reqs=$((ROUNDS * N * 2)) # SET and GET
rate_plain=$(echo "${rate_list[plain]}" | median)
rate_scrape=$(echo "${rate_list[scrape]}" | median)
us_plain=$(awk -v t="${ticks[plain]}" -v h="$CLK_TCK" -v n="$reqs" 'BEGIN {printf "%.3f", t / h / n * 1e6}')
us_scrape=$(awk -v t="${ticks[scrape]}" -v h="$CLK_TCK" -v n="$reqs" 'BEGIN {printf "%.3f", t / h / n * 1e6}')
nscrapes=$(echo "$scrape_times" | wc -w)
scrape_ms=$(echo "$scrape_times" | median | awk '{printf "%.1f", $1 * 1000}')

cat <<TABLE
Command: \`ROUNDS=$ROUNDS N=$N KEYS=$KEYS bash bench/scrape.sh\`; Shoal \`--shards 1 --io-threads 1\` on
core 0; \`redis-benchmark -c $CLIENTS -P $DEPTH -r $KEYS -t set,get\` and the curl loop on core 1.
Load before: \`$load_before\`, after: \`$load_after\`. $nscrapes scrapes, median $scrape_ms ms each.

| run | req/s (median) | server CPU µs/request | |
|---|---:|---:|---|
| no scrape | $rate_plain | $us_plain | |
| /metrics every 1 s | $rate_scrape | $us_scrape | |
| ratio scrape / none | $(awk -v a="$rate_scrape" -v b="$rate_plain" 'BEGIN {printf "%.3f", a / b}') | $(awk -v a="$us_scrape" -v b="$us_plain" 'BEGIN {printf "%.3f", a / b}') | CPU cost of scraping: $(awk -v a="$us_scrape" -v b="$us_plain" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}') |
TABLE
