#!/usr/bin/env bash
# Bytes per key and GET/SET latency with many keys, Shoal against
# redis-server: fills key:0 .. key:N-1 with 16-byte values (bench/hitload
# fill), prints used_memory and RSS per key, then p50/p99/p99.9 of
# unpipelined GETs and SETs of random keys from 50 connections.
#
# Environment:
#   SIZES  key counts (default "1000000 10000000")
#   OPS    latency requests per server and size (default 1000000)
#   CONNS  connections for the latency run (default 50)
set -euo pipefail

bench_name=memkeys
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

SIZES=${SIZES:-1000000 10000000}
OPS=${OPS:-1000000}
CONNS=${CONNS:-50}
REDIS_PORT=${REDIS_PORT:-16393}
SHOAL_PORT=${SHOAL_PORT:-16394}

need_tools go redis-server redis-cli
build_bins cmd/shoal bench/hitload

for n in $SIZES; do
	for server in redis shoal; do
		if [ "$server" = redis ]; then
			port=$REDIS_PORT
			start_server redis-server "$port" "$work/redis.log" \
				redis-server --port "$port" --save '' --appendonly no --dir "$work"
		else
			port=$SHOAL_PORT
			start_server Shoal "$port" "$work/shoal.log" \
				./bin/shoal --port "$port" --save '' --appendonly no --dir "$work" --metrics-port 0
		fi
		pid=$server_pid
		echo "== $server, $n keys"
		./bin/hitload -mode fill -addr "127.0.0.1:$port" -keys "$n" -pid "$pid"
		./bin/hitload -mode latency -addr "127.0.0.1:$port" -keys "$n" -ops "$OPS" -conns "$CONNS"
		stop_procs "$pid"
	done
done
