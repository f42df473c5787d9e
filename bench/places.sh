#!/usr/bin/env bash
# Benchmark of the directory of places (issue: places): import of 100,000 places generated from the
# real exports of data/lieux/reels (rows/s, then the same file again), nearest-10 queries in memory
# over that directory and over 1,000,000 points (median and p99, with a brute-force scan beside), and
# through the API (HTTP, token, JSON) over 100,000 and 1,000,000 imported places; SQLite and
# PostgreSQL, with a release build. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
cargo build --release --features bench --quiet
OUT=$PWD/bench/out
mkdir -p "$OUT"
rm -f "$OUT"/places.db*
echo "== SQLite"
./target/release/acunum --database-url "sqlite://$OUT/places.db" bench-places --rows "${ROWS:-100000}" --big "${BIG:-1000000}" | tee "$OUT/places-sqlite.txt"
echo "== PostgreSQL"
psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_places" -c "CREATE DATABASE acunum_places"
./target/release/acunum --database-url "$PG_BASE/acunum_places" bench-places --rows "${ROWS:-100000}" --big "${BIG:-1000000}" | tee "$OUT/places-postgres.txt"
