#!/usr/bin/env bash
# XADD against Shoal and redis-server, pinned (servers on core 0, client on
# core 1), interleaved, with server CPU ticks (1/100 s) read from /proc.
# redis-benchmark 7.0 has no -t xadd, so the command is given explicitly.
# Run from the repository root after `make build`.
set -e
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
run() { # name port pid
  local t0 t1 out
  t0=$(cpu_ticks "$3")
  out=$(taskset -c 1 redis-benchmark -p "$2" -c 50 -n "$N" -P "$P" --csv XADD s '*' f v 2>/dev/null | tail -1)
  t1=$(cpu_ticks "$3")
  echo "$1 P=$P $out cpu_ticks=$((t1-t0))"
}
shoal_port=$(free_port)
redis_port=$(free_port "$shoal_port")
start_server Shoal "$shoal_port" "$work/shoal.log" \
  taskset -c 0 bin/shoal --port "$shoal_port" --shards 1 --io-threads 1 --metrics-port 0 \
    --dir "$work"
sp=$server_pid
start_server redis-server "$redis_port" "$work/redis.log" \
  taskset -c 0 redis-server --port "$redis_port" --save '' --appendonly no
rp=$server_pid
for P in 1 16; do
  if [ $P = 1 ]; then N=50000; else N=200000; fi
  run shoal "$shoal_port" "$sp"; run redis "$redis_port" "$rp"
  redis-cli -p "$shoal_port" del s >/dev/null; redis-cli -p "$redis_port" del s >/dev/null
  run redis "$redis_port" "$rp"; run shoal "$shoal_port" "$sp"
  redis-cli -p "$shoal_port" del s >/dev/null; redis-cli -p "$redis_port" del s >/dev/null
done
cat /proc/loadavg
stop_all
