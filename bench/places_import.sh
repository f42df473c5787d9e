#!/usr/bin/env bash
# Benchmark of importing a national-size file of places (issue 19): 1,000,000 rows generated from the real
# exports of data/lieux/reels, as CSV and as JSON, imported by `acunum places import` (the file read as a
# stream, in batches) on SQLite and PostgreSQL, with a release build. Prints rows/s and the process's peak
# memory (/usr/bin/time -v, "Maximum resident set size"). Then the server's resident memory before and after
# an import sent through the API (a 60 MB file), to see that memory is given back. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release --features bench --quiet
BIN=$PWD/target/release/acunum
OUT=$PWD/bench/out
mkdir -p "$OUT"
for f in csv json; do
  [ -s "$OUT/places-$ROWS.$f" ] || "$BIN" bench-places-file --rows "$ROWS" --format $f "$OUT/places-$ROWS.$f"
done

import_one() { # label database-url format
  local label=$1 url=$2 format=$3 file="$OUT/places-$ROWS.$3"
  /usr/bin/time -v "$BIN" --database-url "$url" places import --org 1 "$file" > "$OUT/import-$label-$format.txt" 2> "$OUT/import-$label-$format.time" &
  local timer=$! pid="" anon=0 mapped=0
  # The process's own memory (RssAnon) apart from the database file's pages it maps (RssFile: SQLite's
  # mmap_size lets each connection map up to 256 MiB of the file), sampled every 0.1 s.
  while kill -0 $timer 2>/dev/null; do
    [ -n "$pid" ] || pid=$(pgrep -P $timer -f "places import" || true)
    if [ -n "$pid" ] && [ -r /proc/$pid/status ]; then
      read -r a f < <(awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {print a+0, f+0}' /proc/$pid/status 2>/dev/null || echo "0 0")
      [ "${a:-0}" -gt $anon ] && anon=$a
      [ "${f:-0}" -gt $mapped ] && mapped=$f
    fi
    sleep 0.1
  done
  wait $timer
  local line peak
  line=$(grep -E "lignes en" "$OUT/import-$label-$format.txt")
  peak=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$OUT/import-$label-$format.time")
  printf '%-10s %-5s %s MB (%s) | peak memory %s MiB (own memory at most %s MiB, database file mapped at most %s MiB)\n' \
    "$label" "$format" "$(( $(stat -c %s "$file") / 1000000 ))" "$line" "$peak" "$((anon / 1024))" "$((mapped / 1024))"
}

setup() { # database-url: one organisation and its users, without the demo (whose feeds a server would read)
  "$BIN" --database-url "$1" migrate >/dev/null
  "$BIN" --database-url "$1" bench-data --orgs 1 --clients 10 --intervenants 10 --users 10 >/dev/null
}

fresh() { # label: an empty database of that kind, set up; prints its URL
  if [ "$1" = sqlite ]; then
    rm -f "$OUT"/places-import.db*
    setup "sqlite://$OUT/places-import.db"
    echo "sqlite://$OUT/places-import.db"
  else
    psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_places_import" -c "CREATE DATABASE acunum_places_import"
    setup "$PG_BASE/acunum_places_import"
    echo "$PG_BASE/acunum_places_import"
  fi
}

echo "== $ROWS rows: a first import as CSV, the same file again (every row unchanged), a first import as JSON"
for db in sqlite postgres; do
  url=$(fresh $db)
  import_one $db "$url" csv
  import_one $db "$url" csv
  url=$(fresh $db)
  import_one $db "$url" json
done

echo "== memory of the server around an import through the API (SQLite)"
SMALL=$OUT/places-api.csv
head -c 60000000 "$OUT/places-$ROWS.csv" | head -n -1 > "$SMALL"
url=$(fresh sqlite)
port=18191
ACUNUM_PLACES_MAX_UPLOAD_BYTES=104857600 "$BIN" --database-url "sqlite://$OUT/places-import.db" serve --addr 127.0.0.1:$port > "$OUT/server-places.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
token=$("$BIN" --database-url "sqlite://$OUT/places-import.db" token create --email user0-0@bench.test --name bench)
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$pid/status; }
peak() { awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status; }
before=$(rss)
start=$(date +%s.%N)
curl -sf -o "$OUT/places-api-report.json" -H "Authorization: Bearer $token" --data-binary @"$SMALL" \
  "http://127.0.0.1:$port/api/v1/places/import?filename=api.csv"
end=$(date +%s.%N)
sleep 2
after=$(rss)
rows=$(python3 -c "import json;print(json.load(open('$OUT/places-api-report.json'))['rows_total'])")
printf 'API import of %s MB (%s rows) in %.1f s: server memory %s MiB before, peak %s MiB, %s MiB after\n' \
  "$(( $(stat -c %s "$SMALL") / 1000000 ))" "$rows" "$(echo "$end - $start" | bc)" "$before" "$(peak)" "$after"
