#!/usr/bin/env bash
# How long the service takes to reach its steady state under load (tiered JIT + dynamic PGO): starts a throwaway
# PostgreSQL seeded like run.sh, starts the built service ("dual-write"; DUAL=false: "v2 only") and runs one scenario
# (default review) in CHUNKS consecutive loads of CHUNK seconds (default 30) from the first request, printing each
# chunk's throughput, p50, and the service's and PostgreSQL's CPU per request. JITTED=1 also counts the methods the JIT
# compiled during each chunk (the service's perf map, DOTNET_PerfMapEnabled=1: one line per compiled method or stub),
# which shows when tiering is done. Extra VAR=value arguments go to the service's environment, e.g.
#   bench/api/warmup.sh DOTNET_TC_CallCountingDelayMs=0      (start call counting at once, see docs/benchmarks.md)
#   bench/api/warmup.sh DOTNET_TieredCompilation=0           (no tiering: full optimisation at first call, no PGO)
# Build first: dotnet build src/Teski.Api -c Release.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg_seeded
JITTED=${JITTED:-0}; [ "$JITTED" = 1 ] && set -- DOTNET_PerfMapEnabled=1 "$@"
start_service "${DUAL:-true}" "$@"
S=${SCEN:-review}; C=${CHUNK:-30}
MAP=/tmp/perf-$SERVER_PID.map; [ "$JITTED" = 1 ] && trap 'rm -f "$MAP"; cleanup' EXIT
jitted() { [ "$JITTED" = 1 ] && wc -l < "$MAP" || echo 0; }
echo "== $S, $([ "${DUAL:-true}" = true ] && echo dual-write || echo "v2 only"), $C s chunks from the first request ${*:+(env: $*)}"
for i in $(seq 1 "${CHUNKS:-6}"); do
  c0=$(service_ticks); p0=$(pg_ticks); j0=$(jitted)
  wrk -t2 -c16 -d${C}s --latency -s "bench/api/$S.lua" "http://127.0.0.1:$API_PORT" > "$WORK/c.txt" 2>&1 || true
  c1=$(service_ticks); p1=$(pg_ticks); j1=$(jitted); n=$(awk '/requests in/ {print $1}' "$WORK/c.txt")
  echo "$(( (i - 1) * C ))-$(( i * C )) s | $(awk '/Requests\/sec/ {printf "%d", $2}' "$WORK/c.txt") req/s | p50 $(awk '$1=="50%" {print $2}' "$WORK/c.txt") | service CPU $(( (c1 - c0) * 10000 / n )) µs/request | PostgreSQL CPU $(( (p1 - p0) * 10000 / n )) µs/request$([ "$JITTED" = 1 ] && echo " | methods jitted $(( j1 - j0 ))")"
done
