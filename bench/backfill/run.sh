#!/usr/bin/env bash
# Times the legacy → v2 backfill on a generated legacy SQLite database into a throwaway PostgreSQL, plus a raw
# binary-COPY ceiling. Usage: bench/backfill/run.sh [small|medium|large]   (default small)
#   small  =  1k users /  10k mistakes     medium = 10k users / 100k mistakes     large = 100k users / 1M mistakes
# Env: PG_BIN (default: newest /usr/lib/postgresql/*/bin), BATCH (5000), WORK (a temp dir), KEEP=1 keeps the files,
#      WRITER=copy|unnest (PostgreSQL insert path, default copy), NO_PIPELINE=1 (no read-ahead), NO_VERIFY=1, SKIP_EXTRA=1 skips the second (idempotency) run and the kill -9 step.
set -euo pipefail
size="${1:-small}"
case "$size" in
  small)  users=1000;   mistakes=10000;   tasks=5000;   points=5000 ;;
  medium) users=10000;  mistakes=100000;  tasks=50000;  points=50000 ;;
  large)  users=100000; mistakes=1000000; tasks=500000; points=500000 ;;
  *) echo "usage: $0 [small|medium|large]" >&2; exit 2 ;;
esac
repo="$(cd "$(dirname "$0")/../.." && pwd)"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
BATCH="${BATCH:-5000}"
WORK="${WORK:-$(mktemp -d /tmp/teski-bench-XXXXXX)}"
port=$(( 20000 + RANDOM % 20000 ))
as_pg=()
if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$WORK"; as_pg=(runuser -u postgres --); fi

cleanup() {
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" stop -m fast -w >/dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building" >&2
dotnet build -c Release -v q "$repo/tools/LegacyGen" >/dev/null
dotnet build -c Release -v q "$repo/bench/backfill/Runner" >/dev/null

echo "== generating $size legacy database" >&2
dotnet run -c Release --no-build --project "$repo/tools/LegacyGen" -- --out "$WORK/app.db" \
  --users "$users" --mistakes "$mistakes" --tasks "$tasks" --points "$points" --seed 7
ls -l "$WORK/app.db"

echo "== starting throwaway PostgreSQL on port $port" >&2
"${as_pg[@]}" "$PG_BIN/initdb" -D "$WORK/pg" -U postgres -A trust -E UTF8 --no-sync --locale=C >/dev/null
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w start \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres teski_v2
"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres teski_copy

echo "== backfill + verify + COPY ceiling" >&2
/usr/bin/time -v dotnet "$repo/bench/backfill/Runner/bin/Release/net10.0/BackfillBench.dll" \
  --legacy "sqlite:///$WORK/app.db" --target "postgresql://postgres@127.0.0.1:$port/teski_v2" \
  --batch "$BATCH" --writer "${WRITER:-copy}" ${NO_PIPELINE:+--no-pipeline} --create-v2 $([ "${NO_VERIFY:-0}" = 1 ] || echo --verify) --copy-ceiling-db "postgresql://postgres@127.0.0.1:$port/teski_copy" 2> >(grep -E "Maximum resident|Elapsed \(wall" >&2)

[ "${SKIP_EXTRA:-0}" = 1 ] && exit 0
echo "== second run (idempotency: expect 0 inserted)" >&2
dotnet "$repo/bench/backfill/Runner/bin/Release/net10.0/BackfillBench.dll" \
  --legacy "sqlite:///$WORK/app.db" --target "postgresql://postgres@127.0.0.1:$port/teski_v2" --batch "$BATCH" 2>/dev/null | tail -12

echo "== crash test: kill -9 the backfill mid-run, re-run (resumes), verify" >&2
"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres teski_crash
crash_url="postgresql://postgres@127.0.0.1:$port/teski_crash"
dotnet "$repo/bench/backfill/Runner/bin/Release/net10.0/BackfillBench.dll" \
  --legacy "sqlite:///$WORK/app.db" --target "$crash_url" --batch 500 --create-v2 >/dev/null 2>&1 &
victim=$!
sleep "${KILL_AFTER:-3}"
kill -9 "$victim" 2>/dev/null && echo "killed backfill pid $victim" >&2 || echo "backfill finished before the kill (raise the size or lower KILL_AFTER)" >&2
wait "$victim" 2>/dev/null || true
"$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d teski_crash -Atc \
  "SELECT 'checkpoint ' || entity || ' after ' || coalesce(last_legacy_id, '-') || ' done=' || rows_done || ' completed=' || completed FROM migration_checkpoint ORDER BY updated_at" >&2
dotnet "$repo/bench/backfill/Runner/bin/Release/net10.0/BackfillBench.dll" \
  --legacy "sqlite:///$WORK/app.db" --target "$crash_url" --batch "$BATCH" --verify 2>/dev/null | grep -E "resumed after|^verify|checksum|(ok|FAIL)$"
