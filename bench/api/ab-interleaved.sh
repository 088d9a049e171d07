#!/usr/bin/env bash
# Interleaved A/B of two builds on one PostgreSQL (v2 only): both services run at once on the same seeded databases,
# each is warmed up WARM seconds (default 90: the JIT, bench/api/warmup.sh) on scenario S (default next), then ROUNDS
# (default 6) alternations of D seconds (default 10) each, the order flipped every round so that the drift of the
# run (the data grows) falls on both builds alike. Per burst: req/s, p50, and the CPU time per request of that service
# and of PostgreSQL. Separate runs of ab.sh differed by ±25 % on this box; bursts a few seconds apart on one server
# do not carry that. PostgreSQL's figure can come out negative when one of its child processes (autovacuum) exits
# between the two samples: read that burst's throughput and service figure only.
# Usage: bench/api/ab-interleaved.sh A.dll[,VAR=value,...] B.dll[,VAR=value,...]   (e.g. copies of
# src/Teski.Api/bin/Release/net10.0 in /tmp; the same build twice with an environment variable on one arm A/Bs a setting)
set -euo pipefail
A_ARG=${1:-}; B_ARG=${2:-}
[ $# -eq 2 ] && [ -f "${A_ARG%%,*}" ] && [ -f "${B_ARG%%,*}" ] || { echo "usage: $0 A/Teski.Api.dll[,VAR=value] B/Teski.Api.dll[,VAR=value]" >&2; exit 2; }
A_DLL=$(realpath "${A_ARG%%,*}"); B_DLL=$(realpath "${B_ARG%%,*}")
envs_of() { [ "$1" != "${1%%,*}" ] && tr , '\n' <<< "${1#*,}" || true; } # an argument's VAR=value list, one per line
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
S=${S:-next}; W=${WARM:-90}; D=${D:-10}; R=${ROUNDS:-6}
start_pg_seeded
declare -A PID PORTS
for v in A B; do
  DLL=$([ $v = A ] && echo "$A_DLL" || echo "$B_DLL")
  mapfile -t envs < <(envs_of "$([ $v = A ] && echo "$A_ARG" || echo "$B_ARG")")
  API_PORT=$(free_port)
  start_service false "${envs[@]}"
  PID[$v]=$SERVER_PID; PORTS[$v]=$API_PORT
done
trap 'kill ${PID[A]} ${PID[B]} 2>/dev/null; SERVER_PID=""; cleanup' EXIT
for v in A B; do wrk -t2 -c16 -d"${W}s" -s "bench/api/$S.lua" "http://127.0.0.1:${PORTS[$v]}" >/dev/null 2>&1; done
for r in $(seq 1 "$R"); do
  order="A B"; [ $((r % 2)) = 0 ] && order="B A"
  for v in $order; do
    SERVER_PID=${PID[$v]}
    c0=$(service_ticks); p0=$(pg_ticks)
    wrk -t2 -c16 -d"${D}s" --latency -s "bench/api/$S.lua" "http://127.0.0.1:${PORTS[$v]}" > "$WORK/burst.txt"
    c1=$(service_ticks); p1=$(pg_ticks); n=$(awk '/requests in/ {print $1}' "$WORK/burst.txt")
    echo "round $r | $v | $S | $(awk '/Requests\/sec/ {print $2}' "$WORK/burst.txt") req/s | p50 $(awk '$1=="50%" {print $2}' "$WORK/burst.txt") | service CPU $(( (c1 - c0) * 10000 / n )) µs/request | PostgreSQL CPU $(( (p1 - p0) * 10000 / n )) µs/request | $(grep -cE 'Non-2xx|Socket errors' "$WORK/burst.txt") error lines"
  done
done
