#!/usr/bin/env bash
# Benchmark of the certificates (issue: attendance): a culture training of 1,000 participants, its
# 8 half-days marked, then the 2,000 documents (certificat de réalisation + attestation de fin de
# formation) made into one ZIP archive as the coordinator downloads it: total time, time per
# document, peak memory of the process; on SQLite and PostgreSQL, with a release build. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
N=${PARTICIPANTS:-1000}
cargo build --release --features bench --quiet
OUT=$PWD/bench/out
mkdir -p "$OUT"
rm -f "$OUT"/certificates.db*
./target/release/acunum --database-url "sqlite://$OUT/certificates.db" bench-certificates --participants "$N"
psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_certificates" -c "CREATE DATABASE acunum_certificates"
./target/release/acunum --database-url "$PG_BASE/acunum_certificates" bench-certificates --participants "$N"
