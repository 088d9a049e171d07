#!/usr/bin/env bash
# Latency against offered load: starts a throwaway PostgreSQL seeded like run.sh, starts the built service ("dual-write";
# DUAL=false: "v2 only"), warms up WARM seconds (default 150, see warmup.sh), then runs one scenario (SCEN, default
# review) paced at each of RATES (default "50 150 230 300" req/s offered; paced.lua's closed loop) for 15 s and prints
# the achieved rate, p50, p90 and p99. Extra VAR=value arguments go to the service's environment.
# Build first: dotnet build src/Teski.Api -c Release.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg_seeded
start_service "${DUAL:-true}" "$@"
S=${SCEN:-review}
wrk -t2 -c16 -d"${WARM:-150}s" -s "bench/api/$S.lua" "http://127.0.0.1:$API_PORT" >/dev/null 2>&1 || true
echo "== $S, $([ "${DUAL:-true}" = true ] && echo dual-write || echo "v2 only"), after ${WARM:-150} s of warm-up"
for rate in ${RATES:-50 150 230 300}; do
  delay=$(( 16 * 1000 / rate ))
  SCENARIO="bench/api/$S.lua" DELAY_MS=$delay wrk -t2 -c16 -d15s --latency -s bench/api/paced.lua "http://127.0.0.1:$API_PORT" > "$WORK/p.txt" 2>&1 || true
  echo "offered $rate req/s | $(awk '/Requests\/sec/ {print $2}' "$WORK/p.txt") req/s | p50 $(awk '$1=="50%" {print $2}' "$WORK/p.txt") | p90 $(awk '$1=="90%" {print $2}' "$WORK/p.txt") | p99 $(awk '$1=="99%" {print $2}' "$WORK/p.txt")"
done
