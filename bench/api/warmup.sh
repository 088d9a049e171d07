#!/usr/bin/env bash
# How long the service takes to reach its steady state under load (tiered JIT + dynamic PGO): starts a throwaway
# PostgreSQL seeded like run.sh, starts the built service ("dual-write"; DUAL=false: "v2 only") and runs one scenario
# (default review) in CHUNKS consecutive 30 s loads from the first request, printing each chunk's throughput, p50 and
# the service's CPU per request. Extra VAR=value arguments go to the service's environment, e.g.
#   bench/api/warmup.sh DOTNET_TC_CallCountingDelayMs=0      (start call counting at once, see docs/benchmarks.md)
#   bench/api/warmup.sh DOTNET_TieredCompilation=0           (no tiering: full optimisation at first call, no PGO)
# Build first: dotnet build src/Teski.Api -c Release.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg_seeded
start_service "${DUAL:-true}" "$@"
S=${SCEN:-review}
echo "== $S, $([ "${DUAL:-true}" = true ] && echo dual-write || echo "v2 only"), 30 s chunks from the first request ${*:+(env: $*)}"
for i in $(seq 1 "${CHUNKS:-6}"); do
  c0=$(service_ticks)
  wrk -t2 -c16 -d30s --latency -s "bench/api/$S.lua" "http://127.0.0.1:$API_PORT" > "$WORK/c.txt" 2>&1 || true
  c1=$(service_ticks); n=$(awk '/requests in/ {print $1}' "$WORK/c.txt")
  echo "$(( (i - 1) * 30 ))-$(( i * 30 )) s | $(awk '/Requests\/sec/ {printf "%d", $2}' "$WORK/c.txt") req/s | p50 $(awk '$1=="50%" {print $2}' "$WORK/c.txt") | service CPU $(( (c1 - c0) * 10000 / n )) µs/request"
done
