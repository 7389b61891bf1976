#!/usr/bin/env bash
# XADD against Shoal and redis-server, pinned (servers on core 0, client on
# core 1), interleaved, with server CPU ticks (1/100 s) read from /proc.
# redis-benchmark 7.0 has no -t xadd, so the command is given explicitly.
# Run from the repository root after `make build`.
set -e
run() { # name port pid
  local t0 t1 out
  t0=$(awk '{print $14+$15}' /proc/$3/stat)
  out=$(taskset -c 1 redis-benchmark -p $2 -c 50 -n $N -P $P --csv XADD s '*' f v 2>/dev/null | tail -1)
  t1=$(awk '{print $14+$15}' /proc/$3/stat)
  echo "$1 P=$P $out cpu_ticks=$((t1-t0))"
}
taskset -c 0 bin/shoal --port 7031 --shards 1 --io-threads 1 --metrics-port 0 >/dev/null 2>&1 & sp=$!
taskset -c 0 redis-server --port 7032 --save '' --appendonly no >/dev/null 2>&1 & rp=$!
sleep 1
for P in 1 16; do
  if [ $P = 1 ]; then N=50000; else N=200000; fi
  run shoal 7031 $sp; run redis 7032 $rp
  redis-cli -p 7031 del s >/dev/null; redis-cli -p 7032 del s >/dev/null
  run redis 7032 $rp; run shoal 7031 $sp
  redis-cli -p 7031 del s >/dev/null; redis-cli -p 7032 del s >/dev/null
done
cat /proc/loadavg
kill $sp $rp
