#!/usr/bin/env bash
# The mirror's recovery from a large backlog (after an outage of the mirror store): starts a throwaway PostgreSQL seeded
# like run.sh, then for each build given (default: the tree's Release build), on fresh databases:
#   - HISTORY applied records (default 200,000) in the v2 outbox, then VACUUM ANALYZE: the statistics of normal running,
#     where almost nothing is pending;
#   - PENDING due records (default 50,000: real mistake facts of the 10k seeded users, 5 each, in seq order across
#     people) inserted after that, as an outage leaves them. Autovacuum is off for the outbox, as for a table whose
#     analyze threshold (a tenth of a day of history) the outage did not reach;
#   - the service in "dual-write" (v2 primary), no load: its periodic pass drains the backlog alone.
# Prints the pending count every 10 s, the drain time and rate (or what was left at TIMEOUT, default 600 s), the
# legacy mistake_logs rows added, and the pass's "refreshed its planner statistics" log lines.
# Usage: [PENDING=50000] [HISTORY=200000] [TIMEOUT=600] bench/api/backlog-drain.sh [/tmp/a/Teski.Api.dll ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" -v f="$1" 'BEGIN {printf f, b - a}'; } # since $t0, in printf format $1
PENDING=${PENDING:-50000}
HISTORY=${HISTORY:-200000}
for dll in "${@:-$DLL}"; do
  DLL=$dll fresh_dbs
  psql -q -v ON_ERROR_STOP=1 v2 <<SQL
ALTER TABLE teski_mirror_backlog SET (autovacuum_enabled = false);
INSERT INTO teski_mirror_backlog (id, stream, kind, payload, created_at, attempts, next_attempt_at, applied_at)
SELECT gen_random_uuid(), 'u:history', 'MistakeFact', '{}', now() - interval '2 hours', 1, now() - interval '2 hours', now() - interval '2 hours'
FROM generate_series(1, $HISTORY);
VACUUM ANALYZE teski_mirror_backlog;
INSERT INTO teski_mirror_backlog (id, stream, kind, payload, created_at, attempts, next_attempt_at)
SELECT gen_random_uuid(), 'u:' || replace(u::text, '-', ''), 'MistakeFact',
  jsonb_build_object('at', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'fact', 'mistake', 'kind', 'MistakeFact',
    'stream', 'u:' || replace(u::text, '-', ''),
    'user', jsonb_build_object('ref', jsonb_build_object('v2Id', u, 'legacyId', null), 'v2Id', u, 'persona', 'calm', 'profile', null,
      'legacyId', i, 'timeZone', 'Europe/Helsinki', 'analyticsConsent', true),
    'entry', jsonb_build_object('origin', 2, 'taskId', null, 'concept', c, 'skillId', null, 'subtype', 'sign', 'errorType', 'other',
      'detailJson', 'sign slip in step 2', 'instanceId', null, 'v2MistakeId', gen_random_uuid(), 'errorSubtype', null,
      'templateCode', c, 'legacyMistakeId', null)),
  t, 0, t
FROM generate_series(0, $PENDING - 1) AS g,
  LATERAL (SELECT 1 + g % 10000 AS i, 'concept-' || (1 + g % 40) AS c, now() - interval '1 hour' + g * interval '1 ms' AS t) AS k,
  LATERAL (SELECT md5(i::text)::uuid AS u) AS v
ORDER BY g;
SQL
  logs0=$(psql -Atc "SELECT count(*) FROM mistake_logs" legacy)
  DLL=$dll start_service true "Logging__LogLevel__Teski.Application.Common.Mirroring.MirrorBackgroundService=Information"
  t0=$(date +%s.%N); left=$PENDING; next=10
  while [ "$left" -gt 0 ]; do
    sleep 1
    left=$(psql -Atc "SELECT count(*) FROM teski_mirror_backlog WHERE applied_at IS NULL" v2)
    el=$(elapsed %d)
    [ "$el" -ge "$next" ] && { echo "  ${el} s: $left pending"; next=$((next + 10)); }
    [ "$el" -ge "${TIMEOUT:-600}" ] && break
  done
  el=$(elapsed %.1f)
  logs1=$(psql -Atc "SELECT count(*) FROM mistake_logs" legacy)
  echo "$dll | $PENDING pending over $HISTORY applied | $((PENDING - left)) applied in $el s ($(awk -v n=$((PENDING - left)) -v s="$el" 'BEGIN {printf "%.0f", n / s}') records/s), $left left | legacy mistake_logs +$((logs1 - logs0)) | statistics refreshed $(grep -c 'refreshed its planner statistics' "$WORK/api.log" || true)x"
  stop_service
done
