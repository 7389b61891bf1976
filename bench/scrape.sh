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

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-6}
N=${N:-2000000}
KEYS=${KEYS:-100000}
CLIENTS=50
DEPTH=16

need_tools go redis-benchmark redis-cli taskset curl
build_bins cmd/shoal

port=$(free_port)
mport=$(free_port "$port")
url="http://127.0.0.1:$mport/metrics"
start_server Shoal "$port" "$work/shoal.log" \
	taskset -c 0 bin/shoal --port "$port" --metrics-port "$mport" --save '' --appendonly no \
	--shards 1 --io-threads 1
shoal_pid=$server_pid
for _ in $(seq 100); do
	curl -sf -o /dev/null "$url" && break
	sleep 0.1
done
taskset -c 1 redis-benchmark -p "$port" -c "$CLIENTS" -n "$KEYS" -r "$KEYS" -P "$DEPTH" -q -t set >/dev/null
echo "== keys loaded: $(redis-cli -p "$port" dbsize); /metrics is $(curl -s "$url" | wc -c) bytes" >&2

declare -A rate_list ticks
scrape_times=

bench_one() { # mode: plain | scrape
	local mode=$1 before after r scraper_pid
	if [[ $mode == scrape ]]; then
		# One scrape per second, like Prometheus with scrape_interval: 1s.
		# shellcheck disable=SC2016 # $1 is the inner shell's
		taskset -c 1 bash -c 'while :; do curl -s -o /dev/null -w "%{time_total}\n" "$1"; sleep 1; done' \
			_ "$url" >"$work/scrapes" &
		scraper_pid=$!
		track "$scraper_pid"
	fi
	before=$(cpu_ticks "$shoal_pid")
	run_out redis-benchmark taskset -c 1 redis-benchmark -p "$port" -c "$CLIENTS" -n "$N" -r "$KEYS" \
		-P "$DEPTH" -q --csv -t set,get
	after=$(cpu_ticks "$shoal_pid")
	if [[ $mode == scrape ]]; then
		stop_procs "$scraper_pid"
		scrape_times+="$(tr '\n' ' ' <"$work/scrapes")"
		[[ -s $work/scrapes ]] || die "no scrape completed during the run"
	fi
	r=$(csv_rate) # SET and GET combined
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
us_plain=$(cpu_us "${ticks[plain]}" "$reqs" 3)
us_scrape=$(cpu_us "${ticks[scrape]}" "$reqs" 3)
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
| ratio scrape / none | $(ratio "$rate_scrape" "$rate_plain") | $(ratio "$us_scrape" "$us_plain") | CPU cost of scraping: $(pct_change "$us_scrape" "$us_plain") |
TABLE
