#!/usr/bin/env bash
# Benchmark of invoicing (issue: invoices): 1,000 deposit invoices issued from 1,000 accepted quotes
# through the application's path (gapless numbering in its transaction, the document, the audit
# trail) and each rendered as Factur-X (CII XML, Typst, PDF/A-3): ms per invoice, peak memory; then
# the FEC of a year of 10,000 invoices (half of them paid). SQLite and PostgreSQL, release build.
# Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
N=${COUNT:-1000}
M=${FEC:-10000}
cargo build --release --features bench --quiet
OUT=$PWD/bench/out
mkdir -p "$OUT"
rm -f "$OUT"/invoices.db*
echo "== SQLite"
./target/release/acunum --database-url "sqlite://$OUT/invoices.db" bench-invoices --count "$N" --fec "$M" | tee "$OUT/invoices-sqlite.txt"
psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_invoices" -c "CREATE DATABASE acunum_invoices"
echo "== PostgreSQL"
./target/release/acunum --database-url "$PG_BASE/acunum_invoices" bench-invoices --count "$N" --fec "$M" | tee "$OUT/invoices-pg.txt"
