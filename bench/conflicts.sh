#!/usr/bin/env bash
# Benchmark of the conflict check (issue: cycles): 100,000 sessions in the database, 2,000 checks of a
# new session (intervenant, room, participants, phase order, days off), median and p99 per check,
# on SQLite and PostgreSQL, with a release build. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
cargo build --release --features bench --quiet
OUT=$PWD/bench/out
mkdir -p "$OUT"
rm -f "$OUT"/conflicts.db*
./target/release/acunum --database-url "sqlite://$OUT/conflicts.db" bench-conflicts --sessions "${SESSIONS:-100000}"
psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_conflicts" -c "CREATE DATABASE acunum_conflicts"
./target/release/acunum --database-url "$PG_BASE/acunum_conflicts" bench-conflicts --sessions "${SESSIONS:-100000}"
