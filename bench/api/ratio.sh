#!/usr/bin/env bash
# The endpoint against its pgbench ceiling, interleaved: one seeded server, the built service ("v2 only") warmed up
# WARM seconds (default 90; the JIT, bench/api/warmup.sh) per scenario, then ROUNDS (default 6) pairs of D-second
# bursts (default 10): wrk on the endpoint (16 connections) and pgbench -M prepared on its SQL (pgbench-<s>.sql, 16
# clients), the order flipped every round. run.sh measures the ceiling once, minutes after the endpoint, and this box's
# speed drifts by ±25 % over minutes (docs/benchmarks.md); bursts seconds apart share the box's state. Both write to
# the same databases, so each burst runs on the data the bursts before it left (both grow it alike). First, the
# ceiling on the freshly seeded data, as run.sh measures it, for comparison.
# Usage: bench/api/ratio.sh [scenario…] (default: review next). Build first: dotnet build src/Teski.Api -c Release.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
W=${WARM:-90}; D=${D:-10}; R=${ROUNDS:-6}
scenarios=${*:-review next}
start_pg_seeded
# For comparison, the ceiling as run.sh measures it: on the freshly seeded data, before any endpoint load.
for s in $scenarios; do
  echo "$s | fresh data, before any load | pgbench (prepared) $(pgbench_tps "$s" "$D") tps"
done
start_service false
for s in $scenarios; do
  wrk -t2 -c16 -d"${W}s" -s "bench/api/$s.lua" "http://127.0.0.1:$API_PORT" >/dev/null 2>&1
  ratios=""
  for r in $(seq 1 "$R"); do
    order="endpoint pgbench"; [ $((r % 2)) = 0 ] && order="pgbench endpoint"
    for what in $order; do
      if [ $what = endpoint ]; then
        wrk -t2 -c16 -d"${D}s" -s "bench/api/$s.lua" "http://127.0.0.1:$API_PORT" > "$WORK/burst.txt"
        ep=$(awk '/Requests\/sec/ {print $2}' "$WORK/burst.txt"); errs=$(grep -cE 'Non-2xx|Socket errors' "$WORK/burst.txt" || true)
      else
        pg=$(pgbench_tps "$s" "$D")
      fi
    done
    ratio=$(awk -v a="$ep" -v b="$pg" 'BEGIN {printf "%.1f", a * 100 / b}'); ratios="$ratios $ratio"
    echo "$s | round $r ($order) | endpoint $ep req/s | pgbench (prepared) $pg tps | ratio $ratio % | $errs error lines"
  done
  echo "$s | ratios:$ratios | median $(echo $ratios | tr ' ' '\n' | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}') %"
done
