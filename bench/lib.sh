# shellcheck shell=bash
# Helpers shared by the benchmark scripts under bench/. A script sources it
# first (it works under `set -euo pipefail` and without it):
#
#   bench_name="aof bench"          # optional: prefix of error messages
#   . "$(dirname "$0")/lib.sh"
#
# Sourcing it:
#   - changes to the repository root (bin/, cmd/ and bench/ are relative);
#   - creates a scratch directory, $work, removed on exit;
#   - sets CLK_TCK (clock ticks per second, the unit of cpu_ticks);
#   - traps EXIT to stop every process started through start_server or
#     passed to track, then remove every path in cleanup_paths ($work and
#     whatever the script adds); INT and TERM exit with 130, so the EXIT
#     trap runs on ^C too.
#
# Variables it reads: bench_name (default "bench"). Variables it sets:
#   work, CLK_TCK, cleanup_paths (array), bench_pids (array: the processes
#   the EXIT trap stops), server_pid (the last start_server's process).
#
# Functions:
#   die MSG...                  print "$bench_name: MSG" on stderr, exit 1
#   need_tools TOOL...          die unless every TOOL is on PATH
#   build_bins PKG...           go build each ./PKG into bin/ (cmd/shoal ->
#                               bin/shoal, bench/txload -> bin/txload)
#   free_port [PORT...]         print a port in 20000-59999 that nothing
#                               listens on and that is none of the PORTs
#                               (ports picked but not yet listened on)
#   track PID...                add background processes to bench_pids
#   stop_procs PID...           kill the processes, reap them, untrack them
#   stop_all                    stop_procs every tracked process
#   wait_ready NAME PID PORT LOG
#                               wait up to 10 s for PONG on PORT; die with
#                               the tail of LOG if PID exits or time runs out
#   start_server NAME PORT LOG CMD...
#                               run CMD in the background (stdout and stderr
#                               to LOG), track it, set server_pid, and
#                               wait_ready; CMD may start with taskset
#                               (it execs, so server_pid is the server's)
#   run_out WHAT CMD...         run CMD with stdout to $work/out and stderr
#                               to $work/err; on failure die with both,
#                               saying "WHAT failed"
#   die_out MSG...              die showing $work/out and $work/err
#   csv_rate                    print the requests/s of the redis-benchmark
#                               --csv output in $work/out, all its tests
#                               together (total requests / total time),
#                               rounded; die_out when there is none
#   cpu_ticks PID               print utime+stime of a whole process (all
#                               threads) from /proc/PID/stat, in clock ticks
#   cpu_us TICKS REQUESTS [DECIMALS]
#                               print CPU microseconds per request (default
#                               2 decimals)
#   median                      read numbers separated by blanks or newlines
#                               on stdin, print their median
#   ratio A B                   print A/B with 3 decimals
#   pct_change A B              print (A/B - 1) as a signed percentage,
#                               e.g. +0.4%

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit

bench_name=${bench_name:-bench}
bench_pids=()
server_pid=
work=$(mktemp -d)
cleanup_paths=("$work")
CLK_TCK=$(getconf CLK_TCK)

die() {
	echo "$bench_name: $*" >&2
	exit 1
}

need_tools() {
	local tool
	for tool; do
		command -v "$tool" >/dev/null || die "$tool not found"
	done
}

build_bins() {
	local pkg
	for pkg; do
		go build -o "bin/${pkg##*/}" "./$pkg"
	done
}

free_port() {
	local p q
	while :; do
		p=$((20000 + RANDOM % 40000))
		for q; do
			[[ $p == "$q" ]] && continue 2
		done
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

track() {
	bench_pids+=("$@")
}

stop_procs() {
	local p q keep=()
	for p; do
		kill "$p" 2>/dev/null || true
	done
	for p; do
		wait "$p" 2>/dev/null || true
	done
	for q in "${bench_pids[@]}"; do
		for p; do
			[[ $q == "$p" ]] && continue 2
		done
		keep+=("$q")
	done
	bench_pids=("${keep[@]}")
}

stop_all() {
	stop_procs "${bench_pids[@]}"
}

bench_cleanup() {
	stop_all
	rm -rf "${cleanup_paths[@]}"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

wait_ready() { # name pid port log
	for _ in $(seq 100); do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "$bench_name: $1 exited at start-up; its log:" >&2
			tail -20 "$4" >&2
			exit 1
		fi
		[[ $(redis-cli -p "$3" ping 2>/dev/null) == PONG ]] && return
		sleep 0.1
	done
	echo "$bench_name: $1 did not answer PING on port $3 within 10 s; its log:" >&2
	tail -20 "$4" >&2
	exit 1
}

start_server() { # name port log cmd...
	local name=$1 port=$2 log=$3
	shift 3
	"$@" >"$log" 2>&1 &
	server_pid=$!
	track "$server_pid"
	wait_ready "$name" "$server_pid" "$port" "$log"
}

run_out() { # what cmd...
	local what=$1
	shift
	if ! "$@" >"$work/out" 2>"$work/err"; then
		die_out "$what failed:"
	fi
}

die_out() {
	echo "$bench_name: $*" >&2
	cat "$work/out" "$work/err" >&2
	exit 1
}

csv_rate() {
	local r
	# One row: its rate; several: the harmonic mix, as they ran one after
	# the other with the same request count.
	r=$(tr -d '"' <"$work/out" | awk -F, 'NR > 1 {t += 1 / $2; n++; last = $2}
		END {if (n == 1) printf "%.0f", last; else if (n) printf "%.0f", n / t}')
	[[ $r =~ ^[0-9]+$ ]] || die_out "cannot read the rate:"
	echo "$r"
}

cpu_ticks() {
	local stat
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) } # the command name may hold spaces; fields resume after ')'
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

cpu_us() { # ticks requests [decimals]
	awk -v t="$1" -v h="$CLK_TCK" -v n="$2" -v d="${3:-2}" 'BEGIN {printf "%.*f", d, t / h / n * 1e6}'
}

median() {
	tr ' ' '\n' | grep -v '^$' | sort -g |
		awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'
}

pct_change() {
	awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f%%", (a / b - 1) * 100}'
}
