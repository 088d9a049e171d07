#!/usr/bin/env bash
# CPU profile of one scenario ("v2 only"; DUAL=true: "dual-write"): starts a throwaway PostgreSQL seeded like run.sh, starts the built service,
# warms up WARM seconds (default 60; tiered JIT needs about a minute on 2 cores), then samples the service with
# dotnet-trace for SECONDS (default 15) under wrk load and prints the top methods, exclusive and inclusive.
# Usage: bench/api/profile.sh [scenario=next] ; DT=dir holding dotnet-trace (default /tmp/dt:
#   dotnet tool install --tool-path /tmp/dt dotnet-trace). Build first: dotnet build src/Teski.Api -c Release.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=${1:-next}; DT=${DT:-/tmp/dt}
source bench/api/lib.sh
start_pg_seeded
start_service "${DUAL:-false}"
wrk -t2 -c16 -d"${WARM:-60}s" -s "bench/api/$S.lua" "http://127.0.0.1:$API_PORT" >/dev/null 2>&1
wrk -t2 -c16 -d"$(( ${SECONDS_:-15} + 4 ))s" --latency -s "bench/api/$S.lua" "http://127.0.0.1:$API_PORT" > "$WORK/$S.txt" &
LOAD=$!
sleep 2
"$DT/dotnet-trace" collect -p "$SERVER_PID" --profile dotnet-sampled-thread-time --duration "00:00:00:${SECONDS_:-15}" -o "$WORK/trace.nettrace" >/dev/null
wait "$LOAD"
echo "== $S under profile: $(awk '/Requests\/sec/ {print $2}' "$WORK/$S.txt") req/s"
"$DT/dotnet-trace" report "$WORK/trace.nettrace" topN -n "${TOP:-40}"
"$DT/dotnet-trace" report "$WORK/trace.nettrace" topN -n "${TOP:-40}" --inclusive
[ -n "${KEEP:-}" ] && cp "$WORK/trace.nettrace" "$KEEP"
