#!/usr/bin/env bash
# Where the service's CPU goes, by code path: starts a throwaway PostgreSQL seeded like run.sh, starts the built service
# ("v2 only"; DUAL=true: "dual-write") with perf maps on, warms up WARM seconds (default 90; the tiered JIT
# compiles for 60–90 s of full load, bench/api/warmup.sh JITTED=1), then samples the whole box
# with Linux perf (call graphs, 499 Hz) for 12 s under wrk load and prints the service's samples split by path
# (bench/api/perf-split.py: request, outbox insert, mirror, tiered JIT, …) and its top symbols. Unlike dotnet-trace's
# thread-time profile this counts CPU only, and sees the kernel and the JIT's own thread.
# Usage: [DUAL=true] [SCEN=review] bench/api/perf.sh ; needs `perf` (apt-get install -y linux-perf). Build first:
# dotnet build src/Teski.Api -c Release. RATE=req/s samples a paced load (paced.lua) instead. KEEP=path keeps the service's stacks (perf script) for a closer look.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg_seeded
# W^X off: with it on, JIT code runs from a double mapping perf cannot resolve against the perf map.
start_service "${DUAL:-false}" DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
S=${SCEN:-review}
wrk -t2 -c16 -d"${WARM:-90}s" -s "bench/api/$S.lua" "http://127.0.0.1:$API_PORT" >/dev/null 2>&1
wrk_scenario "$S" 20 "${RATE:-}" > "$WORK/load.txt" &
LOAD=$!
sleep 3
perf record -F 499 -g -a -o "$WORK/perf.data" -- sleep 12 >/dev/null 2>&1
wait "$LOAD"
echo "== $S ($([ "${DUAL:-false}" = true ] && echo dual-write || echo "v2 only")): $(awk '/Requests\/sec/ {print $2}' "$WORK/load.txt") req/s"
perf script -i "$WORK/perf.data" --pid "$SERVER_PID" 2>/dev/null > "$WORK/stacks.txt"
rm -f "/tmp/perf-$SERVER_PID.map" # the runtime's perf map: perf script has read it
python3 bench/api/perf-split.py "$WORK/stacks.txt"
[ -n "${KEEP:-}" ] && cp "$WORK/stacks.txt" "$KEEP"
perf report -i "$WORK/perf.data" --no-children --pid "$SERVER_PID" --sort sym -q -g none 2>/dev/null | head -"${TOP:-25}"
