#!/usr/bin/env bash
# Runs every test project (domain, application, infrastructure, API) against real stores:
# SQLite files and a throwaway PostgreSQL server the test fixture starts from the machine's initdb/pg_ctl.
# Extra arguments go to `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")"
results=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --results-directory) results="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
dotnet build Teski.sln -c Release -nologo -v q -clp:ErrorsOnly
status=0
for proj in tests/Teski.Domain.Tests tests/Teski.Application.Tests tests/Teski.Infrastructure.Tests tests/Teski.Api.Tests; do
  extra=()
  if [ -n "$results" ]; then extra=(--logger "trx;LogFileName=$(basename "$proj").trx" --results-directory "$results"); fi
  dotnet test "$proj" -c Release --no-build -nologo "${extra[@]}" "${args[@]}" || status=1
done
exit $status
