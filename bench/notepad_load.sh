#!/usr/bin/env bash
# Load benchmark of the notepad (issue: notepad): websocket clients typing into one notepad (40 authors)
# and into 200 notepads (3 authors each), against `acunum serve` (release build, SQLite, or PostgreSQL
# with DB=postgres) and the reference node server (y-websocket's bundled server, npm) in the same run.
# Everything on 127.0.0.1; each scenario lasts SECONDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-sqlite}
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
OURS_PORT=${OURS_PORT:-18481}
REF_PORT=${REF_PORT:-18482}
cargo build --release --features bench --quiet
[ -d node_modules/y-websocket-ref ] || npm ci --no-audit --no-fund --ignore-scripts
OUT=$PWD/bench/out
mkdir -p "$OUT"
if [ "$DB" = postgres ]; then
  psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_load" -c "CREATE DATABASE acunum_load"
  URL="$PG_BASE/acunum_load"
else
  rm -f "$OUT"/load.db*
  URL="sqlite://$OUT/load.db"
fi
./target/release/acunum --database-url "$URL" bench-notepad-setup --count 202 > "$OUT/load-config.json"
ACUNUM_NOTEPAD_MAX_MESSAGES_PER_SECOND=1000000 RUST_LOG=warn \
  ./target/release/acunum --database-url "$URL" serve --addr "127.0.0.1:$OURS_PORT" > "$OUT/load-server.log" 2>&1 &
OURS_PID=$!
HOST=127.0.0.1 PORT=$REF_PORT node node_modules/y-websocket-ref/bin/server.js > "$OUT/load-ref.log" 2>&1 &
REF_PID=$!
trap 'kill $OURS_PID $REF_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$OURS_PORT/" >/dev/null 2>&1 && break
  sleep 0.2
done
sleep 1
CONFIG="$OUT/load-config.json" OURS="ws://127.0.0.1:$OURS_PORT" REF="ws://127.0.0.1:$REF_PORT" \
  node bench/notepad_load.mjs | tee "$OUT/notepad-load-$DB.txt"
