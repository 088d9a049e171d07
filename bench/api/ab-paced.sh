#!/usr/bin/env bash
# A/B of builds or settings at a PACED load (the regime of the dual-write p50 target): starts a throwaway PostgreSQL
# seeded like run.sh, then for each argument "path/to/Teski.Api.dll[,VAR=value,...]" (ROUNDS times, alternating):
# fresh databases, the service ("dual-write"; the token V2ONLY in an argument: "v2 only"; the token GENERIC: both
# stores' connection strings with Options='-c plan_cache_mode=force_generic_plan'), WARM seconds of full load (default
# 120), then SCEN (default review) paced at RATE req/s offered (default 420) for 20 s: achieved rate, p50, p99, service
# and PostgreSQL CPU per request, errors, the backlog at stop, and the distinct applied_at values of the last 25 s
# (mirror batches, plus the warm-up's tail). Copy each build to its own directory first (cp -r bin/Release/net10.0 /tmp/a).
# Usage: [ROUNDS=2] bench/api/ab-paced.sh /tmp/a/Teski.Api.dll /tmp/b/Teski.Api.dll,V2ONLY
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg_seeded
S=${SCEN:-review}
for round in $(seq 1 ${ROUNDS:-1}); do
for arg in "$@"; do
  dll=${arg%%,*}; envs=(); [ "$arg" != "$dll" ] && IFS=, read -ra envs <<< "${arg#*,}"
  dual=${DUAL:-true}; e2=(AB_PACED=1); for e in "${envs[@]}"; do if [ "$e" = V2ONLY ]; then dual=false; elif [ "$e" = GENERIC ]; then e2+=("TESKI_LEGACY_DB_URL=Host=127.0.0.1;Port=$PORT;Database=legacy;Username=postgres;Options='-c plan_cache_mode=force_generic_plan'" "TESKI_ASYNC_DB_URL=Host=127.0.0.1;Port=$PORT;Database=v2;Username=postgres;Options='-c plan_cache_mode=force_generic_plan'"); else e2+=("$e"); fi; done
  DLL=$dll fresh_dbs; DLL=$dll start_service $dual "${e2[@]}"
  wrk -t2 -c16 -d${WARM:-120}s -s bench/api/$S.lua "http://127.0.0.1:$API_PORT" >/dev/null 2>&1
  sleep 2
  c0=$(service_ticks); p0=$(pg_ticks)
  wrk_scenario "$S" 20 "${RATE:-420}" > "$WORK/x.txt"
  c1=$(service_ticks); p1=$(pg_ticks); n=$(awk '/requests in/ {print $1}' "$WORK/x.txt")
  pend=$(psql -Atc "SELECT count(*) FROM teski_mirror_backlog WHERE applied_at IS NULL" v2)
  echo "$arg dual=$dual | $S @${RATE:-420} | $(awk '/Requests\/sec/ {print $2}' "$WORK/x.txt") req/s | p50 $(awk '$1=="50%" {print $2}' "$WORK/x.txt") | p99 $(awk '$1=="99%" {print $2}' "$WORK/x.txt") | service $(( (c1 - c0) * 10000 / n )) µs | pg $(( (p1 - p0) * 10000 / n )) µs | $(grep -cE 'Non-2xx|Socket errors' "$WORK/x.txt") err | pending at stop $pend | batches $(psql -Atc "SELECT count(DISTINCT applied_at) FROM teski_mirror_backlog WHERE applied_at > now() - interval '25 seconds'" v2)"
  stop_service
done
done
