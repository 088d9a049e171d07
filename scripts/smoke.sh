#!/usr/bin/env bash
# Smoke test of a built Teski Memory service, as an operator would run it on a fresh machine.
#
#   scripts/smoke.sh [path/to/Teski.Api.dll]
#
# Default DLL: src/Teski.Api/bin/Release/net10.0/Teski.Api.dll (built with `dotnet build src/Teski.Api -c Release`
# when missing). The service runs in a fresh temp dir with no configuration except --urls on a free loopback port:
#   1. defaults (legacy only):  dev token --user 42 → POST /api/v1/memory/log/v1 → GET /api/v1/memory/review/next
#                               → POST /api/v1/memory/review/result
#   2. restarted with TESKI_MEMORY_V2_ENABLED=true TESKI_DUAL_WRITE=true (and SRS_LEEWAY_MIN=0 so a new item is due at
#      once), UUID token:       POST /api/memory/mistake → GET /api/memory/next → POST /memory/review → GET /memory/stats
#      and the v2 mistake mirrored into the legacy app.db.
# Needs: dotnet, curl, python3 (for JSON; jq is not assumed). Exits non-zero with a message on the first failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DLL="${1:-$ROOT/src/Teski.Api/bin/Release/net10.0/Teski.Api.dll}"
READY_TIMEOUT=60

fail() { echo "SMOKE FAILED: $*" >&2; exit 1; }
step() { echo "--- $*" >&2; }

for tool in dotnet curl python3; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done

if [[ ! -f "$DLL" ]]; then
    if [[ $# -gt 0 ]]; then
        fail "no such DLL: $DLL"
    fi
    step "building $DLL (dotnet build src/Teski.Api -c Release)"
    dotnet build "$ROOT/src/Teski.Api" -c Release >&2 || fail "build failed"
    [[ -f "$DLL" ]] || fail "build did not produce $DLL"
fi
DLL="$(cd "$(dirname "$DLL")" && pwd)/$(basename "$DLL")"

# "No configuration": the caller's own settings (product-contract.md's variables, URLs) must not leak in.
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(TESKI_|ASPNETCORE_|DOTNET_ENVIRONMENT$|SECRET_KEY$|ENV$|KILL_SWITCH$|DAILY_REVIEW_CAP$|SRS_LEEWAY_MIN$|XP_BASE$|XP_MASTERY_BONUS$|AB_BUCKETS$|PERSONA_DEFAULT$|HTTP_PORTS$|HTTPS_PORTS$)' || true)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/teski-smoke.XXXXXX")"
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    local rc=$?
    stop_server
    if [[ $rc -ne 0 && -f "$WORK/server.log" ]]; then
        echo "--- last lines of the service log ($WORK/server.log):" >&2
        tail -n 30 "$WORK/server.log" >&2 || true
        echo "(work dir kept: $WORK)" >&2
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start_server [VAR=value ...]: runs the DLL from $WORK (so ./data/ lands there) and waits for /health/ready.
start_server() {
    PORT="$(free_port)"
    BASE="http://127.0.0.1:$PORT"
    (cd "$WORK" && exec env "$@" dotnet "$DLL" --urls "$BASE" >>"$WORK/server.log" 2>&1) &
    SERVER_PID=$!
    local deadline=$((SECONDS + READY_TIMEOUT))
    until curl -fsS -o /dev/null "$BASE/health/ready" 2>/dev/null; do
        kill -0 "$SERVER_PID" 2>/dev/null || fail "the service exited during startup"
        (( SECONDS < deadline )) || fail "/health/ready not 200 within ${READY_TIMEOUT}s"
        sleep 0.5
    done
    step "service ready on $BASE ($*)"
}

# call METHOD PATH EXPECTED_STATUS [JSON_BODY]: prints the body; fails on another status.
call() {
    local method=$1 path=$2 expected=$3 body=${4:-}
    local args=(-sS -o "$WORK/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN")
    if [[ -n "$body" ]]; then args+=(-H 'Content-Type: application/json' --data "$body"); fi
    local status
    status="$(curl "${args[@]}" "$BASE$path")" || fail "$method $path: curl failed"
    [[ "$status" == "$expected" ]] || fail "$method $path: expected HTTP $expected, got $status: $(cat "$WORK/body")"
    cat "$WORK/body"
}

# check JSON PYTHON_EXPR MESSAGE: evaluates the expression with j = the parsed JSON; prints its value if it is a string.
check() {
    python3 - "$1" "$2" "$3" <<'PY' || exit 1
import json, sys
text, expr, message = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    j = json.loads(text)
except ValueError:
    sys.exit(f"SMOKE FAILED: {message}: not JSON: {text[:300]}")
try:
    ok = eval(expr, {"j": j})
except Exception as e:  # a missing key or wrong type is a failed check, not a crash
    sys.exit(f"SMOKE FAILED: {message}: {type(e).__name__} {e} in {text[:300]}")
if not ok:
    sys.exit(f"SMOKE FAILED: {message}: {text[:300]}")
PY
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# --- 1. defaults: legacy only -----------------------------------------------------------------------------
start_server
TOKEN="$(cd "$WORK" && dotnet "$DLL" dev token --user 42 2>>"$WORK/server.log")" || fail "dev token --user 42 failed"
[[ "$TOKEN" == *.*.* ]] || fail "dev token did not print a JWT: $TOKEN"

[[ "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/api/v1/memory/review/next")" == 401 ]] || fail "a call without a token was not 401"

R="$(call POST /api/v1/memory/log/v1 200 '{"template_code":"smoke-fractions","error_type":"recall","detail":{"reason":"unit mixup"}}')"
check "$R" 'isinstance(j["id"], int)' "log/v1 returns {id: int}"
step "legacy mistake logged: $R"

R="$(call GET '/api/v1/memory/review/next?count=2' 200)"
# The new card is due 20 minutes after the mistake, so the queue is legitimately still empty here.
check "$R" 'isinstance(j["items"], list) and all(i["type"] == "review" for i in j["items"])' "review/next returns {items: [...]}"
step "legacy review queue: $R"

R="$(call POST '/api/v1/memory/review/result?template_code=smoke-fractions&correct=true' 200)"
check "$R" 'abs(j["easiness"] - 2.4) < 1e-9 and j["interval_days"] == 1 and isinstance(j["next_review_at"], str)' "review/result returns the SM-2 result"
step "legacy review result: $R"

call POST '/api/v1/memory/review/result?template_code=never-logged&correct=true' 404 >/dev/null
check "$(cat "$WORK/body")" 'j["code"] == "review_card_not_found"' "unknown card is 404 review_card_not_found"
call GET /api/memory/next 404 >/dev/null   # the v2 family is off by default
stop_server

# --- 2. restarted in stage "dual-write, v2 primary" -------------------------------------------------------
start_server TESKI_MEMORY_V2_ENABLED=true TESKI_DUAL_WRITE=true SRS_LEEWAY_MIN=0
USER_UUID="$(python3 -c 'import uuid; print(uuid.uuid4())')"
TOKEN="$(cd "$WORK" && dotnet "$DLL" dev token --user "$USER_UUID" 2>>"$WORK/server.log")" || fail "dev token --user <uuid> failed"

R="$(call POST /api/memory/mistake 200 "{\"user_id\":\"$USER_UUID\",\"concept\":\"smoke.algebra\",\"raw\":\"2x+3=7 -> x=5\"}")"
check "$R" 'sorted(j) == ["concept", "memory_id", "subtype"] and j["concept"] == "smoke.algebra"' "mistake returns {memory_id, concept, subtype}"
MEMORY_ID="$(field "$R" memory_id)"
step "v2 mistake logged: $R"

sleep 1
R="$(call GET "/api/memory/next?user_id=$USER_UUID&limit=10" 200)"
check "$R" "[i[\"memory_id\"] for i in j[\"items\"]] == [\"$MEMORY_ID\"] and j[\"remaining_today\"] == 60" "next lists the new item"
step "v2 next: $R"

R="$(call POST /memory/review 200 "{\"user_id\":\"$USER_UUID\",\"memory_id\":\"$MEMORY_ID\",\"grade\":4}")"
check "$R" "j[\"memory_id\"] == \"$MEMORY_ID\" and j[\"interval_days\"] >= 1 and j[\"xp_awarded\"] == 10 and isinstance(j[\"persona_msg\"], str)" "review returns the new schedule"
step "v2 review: $R"

R="$(call GET "/memory/stats?user_id=$USER_UUID" 200)"
check "$R" "j[\"user_id\"] == \"$USER_UUID\" and j[\"today_reviewed\"] == 1 and j[\"daily_cap\"] == 60" "stats count the review"
step "v2 stats: $R"

call GET "/memory/stats?user_id=$(python3 -c 'import uuid; print(uuid.uuid4())')" 403 >/dev/null
check "$(cat "$WORK/body")" 'j["code"] == "user_id_mismatch"' "someone else's user_id is 403"

# Dual-write: the v2 mistake is mirrored into the legacy store (./data/app.db).
python3 - "$WORK/data/app.db" <<'PY' || fail "the v2 mistake was not mirrored into the legacy store"
import sqlite3, sys, time
for _ in range(50):
    n = sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM mistake_logs WHERE template_code = 'smoke.algebra'").fetchone()[0]
    if n >= 1:
        sys.exit(0)
    time.sleep(0.2)
sys.exit(1)
PY
step "dual-write: mistake present in legacy app.db"
METRICS="$(curl -fsS "$BASE/metrics")" || fail "GET /metrics failed"
grep -q '^teski_mirror_applied_total' <<<"$METRICS" || fail "/metrics lacks teski_mirror_applied_total"
stop_server

echo "SMOKE OK" >&2
