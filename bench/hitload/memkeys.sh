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

cd "$(dirname "$0")/../.."

SIZES=${SIZES:-1000000 10000000}
OPS=${OPS:-1000000}
CONNS=${CONNS:-50}
REDIS_PORT=${REDIS_PORT:-16393}
SHOAL_PORT=${SHOAL_PORT:-16394}

go build -o bin/shoal ./cmd/shoal
go build -o bin/hitload ./bench/hitload

pids=()
work=$(mktemp -d)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

wait_port() {
	for _ in $(seq 100); do
		redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "memkeys: nothing answers on port $1" >&2
	exit 1
}

for n in $SIZES; do
	for server in redis shoal; do
		if [ "$server" = redis ]; then
			port=$REDIS_PORT
			redis-server --port "$port" --save '' --appendonly no --dir "$work" >/dev/null 2>&1 &
		else
			port=$SHOAL_PORT
			./bin/shoal --port "$port" --save '' --appendonly no --dir "$work" --metrics-port 0 >/dev/null 2>&1 &
		fi
		pid=$!
		pids+=("$pid")
		wait_port "$port"
		echo "== $server, $n keys"
		./bin/hitload -mode fill -addr "127.0.0.1:$port" -keys "$n" -pid "$pid"
		./bin/hitload -mode latency -addr "127.0.0.1:$port" -keys "$n" -ops "$OPS" -conns "$CONNS"
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	done
done
