#!/usr/bin/env bash
# Signed webhook deliveries per second to a loopback receiver that verifies
# every signature (server/examples/webhook_bench.rs), on a release build over
# PostgreSQL (a fresh database) or BENCH_DATABASE_URL. Not a test: figures go
# in the CHANGELOG / issue notes. Target: >= 1,000/s on PostgreSQL.
#
#   bench/webhook-deliveries.sh            # 20,000 deliveries, 2 workers
#   bench/webhook-deliveries.sh 50000 4
set -euo pipefail
cd "$(dirname "$0")/.."
RUST_LOG=${RUST_LOG:-warn} cargo run --release -q -p mobieus-server --example webhook_bench -- "${1:-20000}" "${2:-2}"
