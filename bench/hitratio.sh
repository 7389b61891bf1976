#!/usr/bin/env bash
# Cache hit ratio of Shoal against redis-server under the same maxmemory:
# cache-aside traffic (GET, SET on a miss) with Zipf(0.99) key popularity
# over about ten times more keys than fit, for allkeys-lru and allkeys-lfu
# (bench/hitload). Prints a Markdown table of the hit ratios side by side.
#
# Environment:
#   MAXMEM    maxmemory for both servers (default 64mb)
#   KEYS      key universe (default 1000000: ~100k 512-byte values fit in 64mb)
#   VALUE     value size in bytes (default 512)
#   WARM, OPS requests before counting / counted (default 2000000 each)
#   POLICIES  (default "allkeys-lru allkeys-lfu")
#   SHARDS    Shoal's shards (default: one per core)
set -euo pipefail

bench_name=hitratio
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MAXMEM=${MAXMEM:-64mb}
KEYS=${KEYS:-1000000}
VALUE=${VALUE:-512}
WARM=${WARM:-2000000}
OPS=${OPS:-2000000}
POLICIES=${POLICIES:-allkeys-lru allkeys-lfu}
SHARDS=${SHARDS:-0}
REDIS_PORT=${REDIS_PORT:-16391}
SHOAL_PORT=${SHOAL_PORT:-16392}

need_tools go redis-server redis-cli
build_bins cmd/shoal bench/hitload

run() { # server policy -> "hit ratio | keys held"
	local server=$1 policy=$2 port
	if [ "$server" = redis ]; then
		port=$REDIS_PORT
		start_server redis-server "$port" "$work/redis.log" \
			redis-server --port "$port" --save '' --appendonly no --dir "$work" --maxmemory "$MAXMEM" \
			--maxmemory-policy "$policy"
	else
		port=$SHOAL_PORT
		start_server Shoal "$port" "$work/shoal.log" \
			./bin/shoal --port "$port" --save '' --appendonly no --dir "$work" --metrics-port 0 --maxmemory "$MAXMEM" \
			--maxmemory-policy "$policy" --shards "$SHARDS"
	fi
	./bin/hitload -mode hit -addr "127.0.0.1:$port" -keys "$KEYS" -value "$VALUE" \
		-warm "$WARM" -ops "$OPS" | sed -n 's/.*hit_ratio=\([0-9.]*\).*keys=\([0-9]*\).*/\1 | \2/p'
	stop_procs "$server_pid"
}

echo "maxmemory $MAXMEM, $KEYS keys of $VALUE bytes, Zipf(0.99), $WARM warm-up + $OPS counted GETs"
echo
echo "| policy | redis-server 7.0 hit ratio | keys held | Shoal hit ratio | keys held |"
echo "|---|---:|---:|---:|---:|"
for policy in $POLICIES; do
	r=$(run redis "$policy")
	s=$(run shoal "$policy")
	echo "| $policy | $r | $s |"
done
