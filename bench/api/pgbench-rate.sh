#!/usr/bin/env bash
# The database's own latency at a given rate: a throwaway PostgreSQL seeded like run.sh, then the endpoint's SQL through
# pgbench at each scenario/rate pair (pgbench -R, prepared, 16 clients, 15 s), p50/p99 without schedule lag.
# Usage: bench/api/pgbench-rate.sh review 284 next 719     (the 50 % rates run.sh printed)
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/api/lib.sh
start_pg_seeded
while [ $# -ge 2 ]; do pgbench_at_rate "$1" "$2"; shift 2; done
