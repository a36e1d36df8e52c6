#!/usr/bin/env bash
# Load on the request path: GET /api/v1/users?limit=25 under wrk -c64 against a
# release build on PostgreSQL (or SQLite with BENCH_DATABASE_URL=sqlite://...).
# Prints wrk's summary with latency percentiles. Not a test: figures go in the
# CHANGELOG / issue notes.
#
#   bench/users-list.sh                 # PostgreSQL at 127.0.0.1:5432, 20 s
#   DURATION=60s bench/users-list.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
PG=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DURATION=${DURATION:-20s}
PORT=${PORT:-18900}

if [[ -z ${BENCH_DATABASE_URL:-} ]]; then
  db="mobieus_bench_$$"
  psql "$PG" -qc "CREATE DATABASE $db" >/dev/null
  BENCH_DATABASE_URL="${PG%/*}/$db"
  cleanup_db() { psql "$PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; }
else
  cleanup_db() { :; }
fi

cargo build --release -q -p mobieus-server
bin=target/release/mobieus-server
$bin --database-url "$BENCH_DATABASE_URL" demo --json >/dev/null
key=$($bin --database-url "$BENCH_DATABASE_URL" --json key create --tenant demo --scopes users:read \
  --per-minute 100000000 --per-hour 1000000000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
RUST_LOG=warn $bin --database-url "$BENCH_DATABASE_URL" serve --bind "127.0.0.1:$PORT" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; cleanup_db' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/api/openapi.yaml" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/api/v1/users?limit=25" -H "Authorization: Bearer $key" | python3 -c \
  'import json,sys; d=json.load(sys.stdin); assert len(d["data"])==25, d; print("warm-up ok:", d["total_count"], "users")'
wrk -t2 -c64 -d"$DURATION" --latency -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT/api/v1/users?limit=25"
