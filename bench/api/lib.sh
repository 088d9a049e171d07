# The setup bench/api/run.sh, ab.sh, profile.sh and statements.sh share: a throwaway PostgreSQL holding both stores, seeded with
# 10k users (seed.sql, seed-legacy.sql), HS256 tokens for 1,000 of them, and the built Release service on top.
# Sourced after `cd` to the repository root. Sets WORK, PORT, API_PORT, SERVER_PID, DLL (override: DLL=path) and
# TOKENS; when run as root, initdb/pg_ctl run as the postgres user. V2EXTRA appends ADO.NET keywords to the v2
# connection string the service gets (e.g. "Max Auto Prepare=64"); PGOPTS adds server options (e.g.
# "-c shared_preload_libraries=pg_stat_statements"). KEEP_LOGS=dir keeps the PostgreSQL and service logs on exit.
for tool in wrk pgbench psql python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (Debian: apt-get install -y postgresql wrk python3 curl)" >&2; exit 2; }
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "bench: PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/teski-bench-XXXX); chmod 755 "$WORK"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; } # a free TCP port on 127.0.0.1
PORT=$(free_port)
API_PORT=$(free_port)
AS_PG=(); [ "$(id -u)" = 0 ] && { chown postgres "$WORK"; AS_PG=(runuser -u postgres --); }
SECRET="bench-secret-key-that-is-long-enough-for-hs256"
DLL=${DLL:-src/Teski.Api/bin/Release/net10.0/Teski.Api.dll}
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres
SERVER_PID=""
cleanup() { # KEEP_LOGS=dir keeps PostgreSQL's log and the services' logs there
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" stop -m immediate >/dev/null 2>&1 || true
  [ -n "${KEEP_LOGS:-}" ] && { mkdir -p "$KEEP_LOGS"; cp "$WORK"/*.log "$KEEP_LOGS"/ 2>/dev/null || true; }
  rm -rf "$WORK"; }
trap cleanup EXIT

start_pg() {
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust --no-sync >/dev/null
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK -c max_connections=200 -c shared_buffers=256MB -c synchronous_commit=off ${PGOPTS:-}" start >/dev/null
  python3 bench/api/tokens.py "$SECRET" 1000 "$WORK/tokens.lua"
  export TOKENS="$WORK/tokens.lua"
}

fresh_dbs() { # both stores recreated, migrated with the service's own `db migrate`, and seeded
  psql -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS legacy" -c "DROP DATABASE IF EXISTS v2" -c "CREATE DATABASE legacy" -c "CREATE DATABASE v2" postgres
  export TESKI_LEGACY_DB_URL="postgresql://postgres@127.0.0.1:$PORT/legacy" TESKI_ASYNC_DB_URL="postgresql://postgres@127.0.0.1:$PORT/v2"
  SECRET_KEY=$SECRET dotnet "$DLL" db migrate >/dev/null 2>&1
  psql -q -f bench/api/seed.sql v2 >/dev/null; psql -q -f bench/api/seed-legacy.sql legacy >/dev/null
  [ -n "${V2EXTRA:-}" ] && export TESKI_ASYNC_DB_URL="Host=127.0.0.1;Port=$PORT;Database=v2;Username=postgres;$V2EXTRA"
  return 0
}

start_pg_seeded() { start_pg; fresh_dbs; }

start_service() { # $1 = dual-write true|false, then extra VAR=value environment; output to $API_LOG (default $WORK/api.log)
  local dual=$1 log=${API_LOG:-$WORK/api.log}; shift
  env "$@" SECRET_KEY=$SECRET TESKI_MEMORY_V2_ENABLED=true TESKI_DUAL_WRITE=$dual Logging__LogLevel__Default=Warning dotnet "$DLL" --urls "http://127.0.0.1:$API_PORT" > "$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$API_PORT/health/ready" >/dev/null && return 0; sleep 1; done
  echo "service did not become ready" >&2; cat "$log" >&2; exit 1
}


# CPU time (user + system, clock ticks) so far of the service, and of the PostgreSQL server and its live processes
service_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
pg_ticks() {
  local pm t=0 p; pm=$(head -1 "$WORK/data/postmaster.pid")
  for p in "$pm" $(pgrep -P "$pm"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}

# wrk on scenario $1 (bench/api/$1.lua) for $2 seconds, 16 connections, latency percentiles on stdout: paced at $3 req/s
# offered when $3 is given (paced.lua's closed loop: each connection waits a think time of mean 16,000 / $3 ms between a
# response and its next request, exponential unless PACE=fixed), at full load otherwise.
wrk_scenario() {
  if [ -n "${3:-}" ]; then
    SCENARIO="bench/api/$1.lua" DELAY_MS=$(( 16000 / $3 )) wrk -t2 -c16 -d"$2s" --latency -s bench/api/paced.lua "http://127.0.0.1:$API_PORT"
  else
    wrk -t2 -c16 -d"$2s" --latency -s "bench/api/$1.lua" "http://127.0.0.1:$API_PORT"
  fi
}

stop_service() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# The endpoint's SQL (pgbench-$1.sql) at $2 transactions/s (pgbench -R, prepared, 16 clients, 15 s or $DURATION): p50 and
# p99 of the transaction times without pgbench's schedule lag (its log's time minus lag columns), as wrk's paced closed
# loop does not count waiting either; the lag's own p99 is printed too.
pgbench_tps() { # $1 = scenario, $2 = seconds: pgbench -M prepared on its SQL with 16 clients; prints the tps
  pgbench_tps_with "$1" 16 "$2"
}
pgbench_tps_with() { # $1 = scenario, $2 = clients, $3 = seconds: as pgbench_tps, with that many clients; tps to one decimal
  pgbench -n -M prepared -c "$2" -j 2 -T "$3" -f "bench/api/pgbench-$1.sql" v2 2>&1 | awk -F'= ' '/^tps/ {printf "%.1f", $2}'
}
pgbench_at_rate() {
  rm -f "$WORK"/pgblog*
  pgbench -n -M prepared -c "${CONNS:-16}" -j 2 -T "${DURATION:-15}" -R "$2" -l --log-prefix="$WORK/pgblog" -f "bench/api/pgbench-$1.sql" v2 >/dev/null 2>&1
  echo "pgbench at $2 tps (prepared) | $1 | $(cat "$WORK"/pgblog* | awk '{print $3 - $7, $7}' | sort -n | awk '{t[NR] = $1; l[NR] = $2} END {printf "%d transactions | p50 %.2fms | p99 %.2fms", NR, t[int(NR * 0.5)] / 1000, t[int(NR * 0.99)] / 1000}') | schedule lag p99 $(cat "$WORK"/pgblog* | awk '{print $7}' | sort -n | awk '{a[NR] = $1} END {printf "%.2fms", a[int(NR * 0.99)] / 1000}')"
}
