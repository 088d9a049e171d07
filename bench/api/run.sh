#!/usr/bin/env bash
# API load benchmark against a throwaway PostgreSQL (both stores), with pgbench running the same SQL as the ceiling:
# around the "v2 only" review and next measurements (same data, same minutes), and at the end on fresh databases.
# Two services run at once on the same databases: one "v2 only", one "dual-write" (v2 primary). Each is warmed up and
# measured at full load in turn; then every scenario is measured at a paced 50 % of its "v2 only" maximum on both,
# interleaved (v2 only, dual, dual, v2 only), so the dual-write p50 is compared with the single-store p50 on the same
# data in the same minutes; then the soak ("v2 only"). Review and next are also measured paced right after the "v2 only"
# full loads, where run.sh measured them before (the p99 target's measurement in runs up to H, docs/benchmarks.md).
# Usage: bench/api/run.sh [duration-seconds=20] [connections=16]
#   WARMUP=seconds of unmeasured load per scenario before measuring (default 45), SOAK=seconds of the 50%-load soak
#   (default 120; 0 skips), PACED=scenarios measured at 50 % of their "v2 only" maximum (default all four),
#   SETTLE=0 skips the VACUUM (ANALYZE) of both stores before each paced measurement (see settle()).
# Needs: Debian's postgresql (initdb/pg_ctl/pgbench) and wrk (apt-get install -y postgresql wrk), python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20}; CONNS=${2:-16}
dotnet build src/Teski.Api -c Release -nologo -v q -clp:ErrorsOnly
source bench/api/lib.sh
start_pg
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
drain() { # how long the mirror backlog takes to empty once the load stops (target: within 5 s); sets $drained
  local t0 pending at_stop; t0=$(date +%s.%N); at_stop=""
  for _ in $(seq 1 240); do
    pending=$(psql -tA -c "SELECT count(*) FROM teski_mirror_backlog WHERE applied_at IS NULL" v2)
    [ -z "$at_stop" ] && at_stop=$pending
    [ "$pending" = 0 ] && break; sleep 0.25
  done
  drained=" | backlog at stop ${at_stop}, empty after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}') s (pending now: $pending)"
}

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $("$PGBIN/postgres" --version), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "== duration ${DURATION}s, ${CONNS} connections"
settle() { # the vacuum debt of the loads before, paid before each paced measurement, the same way on both services: an
  # autovacuum worker that starts during a 15 s paced measurement moved its p50 by up to a third (docs/benchmarks.md,
  # the vacuum probe), and which measurement it lands on is chance. VACUUM (ANALYZE) both stores, then wait (at most
  # 30 s) until no autovacuum worker runs. No CHECKPOINT: the full-page images of the first write to every page after
  # one would weigh on the measurement that follows.
  psql -q -c "VACUUM (ANALYZE)" v2; psql -q -c "VACUUM (ANALYZE)" legacy
  for _ in $(seq 1 60); do
    [ "$(psql -tA -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'" postgres)" = 0 ] && break
    sleep 0.5
  done
}

read_wrk() { # $1 = a wrk --latency output file: sets rps, p50, p99 and errs (its error lines, empty when none)
  rps=$(awk '/Requests\/sec/ {print $2}' "$1"); p50=$(awk '$1=="50%" {print $2}' "$1"); p99=$(awk '$1=="99%" {print $2}' "$1")
  errs=$(grep -E "Non-2xx|Socket errors" "$1" | tr '\n' ' ' || true)
}

to_ms() { # a wrk latency ("850.00us", "1.58ms", "1.02s") in milliseconds
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else printf "%.3f", v * 1000 }'
}

fresh_dbs
# Both services at once, on the same databases (as during a rolling change of the flags): the paced comparison then
# needs no second set of databases, whose state after different full loads (different rates, different rows) and
# minutes later (the box's speed drifts by up to ±25 % over minutes) made the old control, next, which mirrors
# nothing, come out 1.10–1.63× slower in dual-write (docs/benchmarks.md). The idle one costs a few queries a second.
declare -A half_of port_of pid_of label_of
label_of[false]="v2 only"; label_of[true]="dual-write (v2 primary)"
trap 'kill ${pid_of[false]:-} ${pid_of[true]:-} 2>/dev/null || true; cleanup' EXIT
for stage in false true; do
  API_PORT=$(free_port); API_LOG="$WORK/api-$stage.log" start_service $stage
  pid_of[$stage]=$SERVER_PID; port_of[$stage]=$API_PORT
done
SERVER_PID=""
for stage in false true; do
  SERVER_PID=${pid_of[$stage]}; url="http://127.0.0.1:${port_of[$stage]}"; label=${label_of[$stage]}
  # Warm-up (JIT, connection pools, PostgreSQL caches), not measured. Tiered JIT and dynamic PGO keep recompiling hot
  # methods for two minutes and more under load on 2 cores (bench/api/warmup.sh: a dual-write review load costs the
  # service 9.1 ms of CPU per request in its first 30 s, 2.4 ms after 120 s), so a short warm-up measures the JIT, not
  # the service: WARMUP seconds per scenario (default 45, 180 s in all), then the steady state is measured.
  for s in review next mistake legacy-log; do wrk -t2 -c"$CONNS" -d"${WARMUP:-45}s" -s "bench/api/$s.lua" "$url" >/dev/null 2>&1 || true; done
  [ $stage = true ] && drain # start measuring with an empty backlog
  for s in review next mistake legacy-log; do
    # "v2 only", review and next: the ceiling is also measured around the endpoint, on the same data, the service idle
    # (pgbench -M prepared on the endpoint's SQL, same connections and duration, just before and just after it). The
    # box's speed moves by ±25 % over minutes, and the ceiling at the end of the run is taken ~15 minutes later on
    # fresh databases: its ratio compares numbers from different minutes.
    around=false; [ $stage = false ] && { [ $s = review ] || [ $s = next ]; } && around=true
    [ $around = true ] && before=$(pgbench_tps_with "$s" "$CONNS" "$DURATION")
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "bench/api/$s.lua" "$url" > "$WORK/$s.txt" 2>&1 || true
    [ $around = true ] && after=$(pgbench_tps_with "$s" "$CONNS" "$DURATION")
    read_wrk "$WORK/$s.txt"
    drained=""; [ $stage = true ] && drain
    echo "$label | $s | ${rps} req/s | p50 ${p50} | p99 ${p99} | ${errs:-no errors} | rss $(( $(rss_kb) / 1024 )) MB${drained}"
    if [ $stage = false ]; then half_of[$s]=$(awk -v r="${rps:-0}" 'BEGIN {h = int(r / 2); print (h < 1 ? 1 : h)}'); fi
    if [ $around = true ]; then
      echo "$label | $s | pgbench ceiling around it (prepared, $CONNS clients, same data) | before ${before} tps, after ${after} tps | endpoint / mean $(awk -v r="$rps" -v a="$before" -v b="$after" 'BEGIN {printf "%.1f", r * 200 / (a + b)}') %"
    fi
  done
  if [ $stage = false ]; then
    # The p99 target's scenarios paced at 50 % right after the "v2 only" full loads, on the data they left, where
    # run.sh measured them before the interleaved phase existed (comparable with earlier runs). The interleaved phase
    # below measures them again after both services' loads, on about twice the rows.
    for s in review next; do
      [ "${SETTLE:-1}" = 1 ] && settle
      SCENARIO="bench/api/$s.lua" DELAY_MS=$(( CONNS * 1000 / half_of[$s] )) wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s bench/api/paced.lua "$url" > "$WORK/$s-half.txt" 2>&1 || true
      read_wrk "$WORK/$s-half.txt"
      echo "$label | $s at 50% (target ${half_of[$s]} req/s), after its own full loads | ${rps} req/s | p50 ${p50} | p99 ${p99} | ${errs:-no errors}"
    done
  fi
done

# p99 and p50 at half the "v2 only" maximum rate (paced closed loop, see paced.lua), on both services, interleaved:
# v2 only, dual-write, then dual-write, v2 only, so a drift of the box or of the data over the scenario's minute falls
# on both alike. Each measurement starts with settle() and 3 s unmeasured at the same pace (connections the pool closed
# while the service was idle reopen, their statements are prepared again). The dual-write p50 target compares the means
# of the two rounds' p50s; review and next carry the p99 target ("v2 only", both rounds printed).
for s in ${PACED:-review next mistake legacy-log}; do
  half=${half_of[$s]}; delay=$(( CONNS * 1000 / half ))
  declare -A p50_sum=([false]=0 [true]=0)
  ratios=""
  for r in 1 2; do
    order="false true"; [ $r = 2 ] && order="true false"
    declare -A p50_ms=()
    for stage in $order; do
      SERVER_PID=${pid_of[$stage]}; url="http://127.0.0.1:${port_of[$stage]}"
      [ "${SETTLE:-1}" = 1 ] && settle
      SCENARIO="bench/api/$s.lua" DELAY_MS=$delay wrk -t2 -c"$CONNS" -d3s -s bench/api/paced.lua "$url" >/dev/null 2>&1 || true
      SCENARIO="bench/api/$s.lua" DELAY_MS=$delay wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s bench/api/paced.lua "$url" > "$WORK/$s-half.txt" 2>&1 || true
      read_wrk "$WORK/$s-half.txt"
      drained=""; [ $stage = true ] && drain
      echo "${label_of[$stage]} | $s at 50% (target ${half} req/s), round $r | ${rps} req/s | p50 ${p50} | p99 ${p99} | ${errs:-no errors}${drained}"
      p50_ms[$stage]=$(to_ms "$p50"); p50_sum[$stage]=$(awk -v a="${p50_sum[$stage]}" -v b="${p50_ms[$stage]}" 'BEGIN {print a + b}')
    done
    ratios="$ratios round $r $(awk -v d="${p50_ms[true]}" -v v="${p50_ms[false]}" 'BEGIN {printf "%.2f", d / v}')x,"
  done
  echo "dual-write ÷ v2 only | $s at 50% | p50 ratio:$ratios of the means $(awk -v d="${p50_sum[true]}" -v v="${p50_sum[false]}" 'BEGIN {printf "%.2f", d / v}')x (target <= 1.5x)"
done
SERVER_PID=${pid_of[false]}
if [ "${SOAK:-120}" -gt 0 ]; then
  # Soak ("v2 only"): POST /memory/review at 50% of its maximum for SOAK seconds; RSS sampled every 10 s.
  SCENARIO="bench/api/review.lua" DELAY_MS=$(( CONNS * 1000 / half_of[review] )) wrk -t2 -c"$CONNS" -d"${SOAK:-120}s" --latency -s bench/api/paced.lua "http://127.0.0.1:${port_of[false]}" > "$WORK/soak.txt" 2>&1 &
  wrk_pid=$!; samples=""
  while kill -0 "$wrk_pid" 2>/dev/null; do sleep 10; samples="$samples $(( $(rss_kb) / 1024 ))"; done
  first=$(echo $samples | awk '{print $1}'); last=$(echo $samples | awk '{print $NF}')
  growth=$(awk -v a="$first" -v b="$last" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
  read_wrk "$WORK/soak.txt"
  echo "v2 only | soak ${SOAK:-120}s review at 50% (${half_of[review]} req/s) | ${rps} req/s | p99 ${p99} | ${errs:-no errors} | rss MB every 10 s:${samples} | growth first->last ${growth}%"
fi
kill "${pid_of[false]}" "${pid_of[true]}"; wait "${pid_of[false]}" "${pid_of[true]}" 2>/dev/null || true
SERVER_PID=""; trap cleanup EXIT
fresh_dbs
# The ceiling in pgbench's default simple protocol (every statement parsed and planned on every call, as it has
# been measured since the first run) and with -M prepared (parsed and planned once per connection, as the service
# does since ADR 0008): the stricter of the two ratios.
for mode in simple prepared; do
  for s in review next; do
    out=$(pgbench -n -M "$mode" -c "$CONNS" -j 2 -T "$DURATION" -f "bench/api/pgbench-$s.sql" v2 2>&1)
    echo "pgbench ceiling ($mode) | $s | $(echo "$out" | awk -F'= ' '/^tps/ {print $2}' | cut -d' ' -f1) tps | latency avg $(echo "$out" | awk -F'= ' '/latency average/ {print $2}')"
  done
done
# The service runs at most TESKI_MAX_CONCURRENT_REQUESTS (default 2 x cores) requests at once, so it never has more
# than that many transactions open: pgbench with that many clients is the stricter ceiling (fewer backends contend less
# on 2 cores). Both are printed; the issue's ratio is against the same number of client connections as wrk.
LIMIT=${TESKI_MAX_CONCURRENT_REQUESTS:-$(( 2 * $(nproc) ))}
for s in review next; do
  echo "pgbench ceiling (prepared, $LIMIT clients = the service's request limit) | $s | $(pgbench -n -M prepared -c "$LIMIT" -j 2 -T "$DURATION" -f "bench/api/pgbench-$s.sql" v2 2>&1 | awk -F'= ' '/^tps/ {print $2}' | cut -d' ' -f1) tps"
done
# The database's own tail at the paced rate: the same SQL at half the "v2 only" maximum (lib.sh pgbench_at_rate), with
# wrk's 16 connections and with the service's request limit.
for s in review next; do pgbench_at_rate "$s" "${half_of[$s]}"; CONNS=$LIMIT pgbench_at_rate "$s" "${half_of[$s]}" | sed "s/(prepared)/(prepared, $LIMIT clients)/"; done
