#!/usr/bin/env bash
# A/B spot check of a runtime setting: starts a throwaway PostgreSQL, seeds it like run.sh, starts the built service
# ("v2 only") with the extra environment given as arguments (e.g. DOTNET_gcServer=0; A=1 for "none"), warms up WARM
# seconds per scenario (default 8), then measures review and next for 10 s each: throughput, p50, and the CPU time
# (user + system) per request of the service and of PostgreSQL (its server processes; the connections are pooled, so
# the backends live through the measurement), which move less than throughput when the shared box is noisy. V2EXTRA appends ADO.NET keywords
# to the v2 connection string (e.g. "Max Auto Prepare=64"; see lib.sh). Build first: dotnet build src/Teski.Api -c Release.
# Runs as root (initdb/pg_ctl as the postgres user through runuser).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg_seeded
start_service false "$@"
W=${WARM:-8}
for s in review next mistake legacy-log; do wrk -t2 -c16 -d${W}s -s bench/api/$s.lua "http://127.0.0.1:$API_PORT" >/dev/null 2>&1; done
for s in review next; do
  c0=$(service_ticks); p0=$(pg_ticks)
  wrk -t2 -c16 -d10s --latency -s bench/api/$s.lua "http://127.0.0.1:$API_PORT" > "$WORK/$s.txt"
  c1=$(service_ticks); p1=$(pg_ticks); n=$(awk '/requests in/ {print $1}' "$WORK/$s.txt")
  echo "$* | $s | $(awk '/Requests\/sec/ {print $2}' "$WORK/$s.txt") req/s | p50 $(awk '$1=="50%" {print $2}' "$WORK/$s.txt") | service CPU $(( (c1 - c0) * 10000 / n )) µs/request | PostgreSQL CPU $(( (p1 - p0) * 10000 / n )) µs/request | $(grep -cE 'Non-2xx|Socket errors' "$WORK/$s.txt") error lines"
done
