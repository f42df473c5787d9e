#!/usr/bin/env bash
# Benchmark of the notepad (issue: notepad): the seph-blog1 editing trace (bench/data, CC BY 4.0 Joseph
# Gentle) replayed as per-keystroke remote updates through the server's whole path (decode, store,
# apply, relay) beside a plain yrs apply in the same run; SQLite and PostgreSQL, release build.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
cargo build --release --features bench --quiet
OUT=$PWD/bench/out
mkdir -p "$OUT"
gunzip -c bench/data/sequential_traces_seph-blog1.json.gz > "$OUT/seph-blog1.json"
rm -f "$OUT"/notepad.db*
echo "== SQLite"
./target/release/acunum --database-url "sqlite://$OUT/notepad.db" bench-notepad "$OUT/seph-blog1.json" | tee "$OUT/notepad-sqlite.txt"
echo "== PostgreSQL"
psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_notepad" -c "CREATE DATABASE acunum_notepad"
./target/release/acunum --database-url "$PG_BASE/acunum_notepad" bench-notepad "$OUT/seph-blog1.json" | tee "$OUT/notepad-postgres.txt"
