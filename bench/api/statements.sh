#!/usr/bin/env bash
# Which SQL one scenario costs: starts a throwaway PostgreSQL with pg_stat_statements, seeds it like run.sh, starts the
# built service ("v2 only"; DUAL=true: "dual-write", v2 primary), warms up WARM seconds (default 90: the tiered JIT
# compiles for 60–90 s of full load, bench/api/warmup.sh JITTED=1), then runs the
# scenario (default review) for 10 s and prints throughput, p50, service and PostgreSQL CPU per request, and the top
# statements of both stores by total execution plus planning time, with their calls per request and how often
# PostgreSQL planned them. Extra VAR=value arguments go to the
# service's environment (as in ab.sh). Build first: dotnet build src/Teski.Api -c Release.
# RATE=req/s runs the measured 10 s paced at that offered rate (paced.lua) instead of at full load.
# Usage: [DUAL=true] [SCEN=next] [RATE=400] bench/api/statements.sh [VAR=value ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
export PGOPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
source bench/api/lib.sh
start_pg_seeded
psql -q -c "CREATE EXTENSION pg_stat_statements" postgres
start_service "${DUAL:-false}" "$@"
S=${SCEN:-review}
wrk -t2 -c16 -d"${WARM:-90}s" -s "bench/api/$S.lua" "http://127.0.0.1:$API_PORT" >/dev/null 2>&1
psql -q -c "SELECT pg_stat_statements_reset()" postgres >/dev/null
mirror_counts() { # the service's mirror counters: applied, deferred, applied inline by requests (backpressure)
  curl -s "http://127.0.0.1:$API_PORT/metrics" | awk '/^teski_mirror_(applied|deferred|inline)_total / {printf "%d ", $2}'
}
m0=($(mirror_counts))
c0=$(service_ticks); p0=$(pg_ticks)
wrk_scenario "$S" 10 "${RATE:-}" > "$WORK/x.txt"
c1=$(service_ticks); p1=$(pg_ticks); n=$(awk '/requests in/ {print $1}' "$WORK/x.txt")
m1=($(mirror_counts))
sleep 2 # the mirror's last records
echo "== $S: $n requests, $(awk '/Requests\/sec/ {print $2}' "$WORK/x.txt") req/s, p50 $(awk '$1=="50%" {print $2}' "$WORK/x.txt"), service CPU $(( (c1 - c0) * 10000 / n )) µs/request, PostgreSQL CPU $(( (p1 - p0) * 10000 / n )) µs/request"
[ ${#m1[@]} = 3 ] && [ ${#m0[@]} = 3 ] && echo "== mirror during the window: applied $(( m1[0] - m0[0] )), deferred $(( m1[1] - m0[1] )), applied inline by requests (workers behind) $(( m1[2] - m0[2] ))"
echo "store | calls | per request | total ms | µs per call | plans | plan µs per call | statement"
psql -At -F' | ' -c "SELECT (SELECT datname FROM pg_database WHERE oid = dbid), calls, round(calls::numeric / $n, 2), round(total_exec_time::numeric, 0), round((total_exec_time / calls * 1000)::numeric, 1), plans, round((total_plan_time / greatest(plans, 1) * 1000)::numeric, 1), left(regexp_replace(query, '\s+', ' ', 'g'), 160) FROM pg_stat_statements WHERE dbid IN (SELECT oid FROM pg_database WHERE datname IN ('v2', 'legacy')) ORDER BY total_exec_time + total_plan_time DESC LIMIT ${TOP:-30}" postgres
