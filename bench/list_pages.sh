#!/usr/bin/env bash
# Benchmark of the list pages. Generates a national-scale dataset (1,000 organisations, 20,000 clients,
# 5,000 intervenants, 50,000 users), starts a release build of the server and, beside it, the machine's own
# ceiling: a hello-world axum handler (bench/hello, a separate binary). Loads each with wrk (64 connections) in
# the same run: the hello-world handler, a static asset (without and with a session cookie), /healthz, the
# client list page and its API twin, on SQLite and PostgreSQL. Prints requests/s, the ratio to the
# hello-world handler and p99 latency. Not a test: figures go in the issue's closing note.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PG_BASE=${PG_BASE:-postgres://root@127.0.0.1}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --features bench --quiet
cargo build --release -p acunum-bench-hello --quiet
BIN=$PWD/target/release/acunum
HELLO=$PWD/target/release/acunum-bench-hello
ASSET=${ASSET:-}
OUT=$PWD/bench/out
mkdir -p "$OUT"

run_wrk() { # name url header...
  local name=$1 url=$2; shift 2
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "${args[@]}" "$url" > "$OUT/$name.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$OUT/$name.txt")
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $5}' "$OUT/$name.txt")
  echo "$rps $p99 ${non2xx:-0}"
}

bench_one() { # label database-url
  local label=$1 url=$2 port=18181
  echo "== $label"
  "$BIN" --database-url "$url" migrate >/dev/null
  "$BIN" --database-url "$url" bench-data --orgs 1000 --clients 20000 --intervenants 5000 --users 50000
  "$BIN" --database-url "$url" serve --addr 127.0.0.1:$port > "$OUT/server-$label.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 1 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
  local jar=$OUT/jar-$label
  rm -f "$jar"
  local csrf
  csrf=$(curl -s -c "$jar" -b "$jar" http://127.0.0.1:$port/connexion | sed -n 's/.*name="csrf-token" content="\([^"]*\)".*/\1/p')
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "email=user0-0@bench.test" \
    --data-urlencode "password=bench-password" http://127.0.0.1:$port/connexion
  local cookie
  cookie="acunum_session=$(awk '$6=="acunum_session" {print $7}' "$jar")"
  local token
  token=$("$BIN" --database-url "$url" token create --email user0-0@bench.test --name bench)
  curl -sf -H "Cookie: $cookie" http://127.0.0.1:$port/clients | grep -q "Structure cliente" || { echo "the client page did not render"; exit 1; }
  # The style sheet, at the address the pages give it (its name carries its digest).
  [ -n "$ASSET" ] || ASSET=$(curl -s http://127.0.0.1:$port/connexion | grep -o '/static/[^"]*app\.css' | head -1)
  curl -sf "http://127.0.0.1:$port$ASSET" >/dev/null || { echo "the asset $ASSET did not answer"; exit 1; }
  "$HELLO" 127.0.0.1:18182 > /dev/null 2>&1 &
  local hello=$!
  for _ in $(seq 1 50); do curl -sf http://127.0.0.1:18182/ >/dev/null && break; sleep 0.1; done
  read -r w_rps w_p99 w_bad < <(run_wrk "$label-hello" http://127.0.0.1:18182/)
  kill $hello; wait $hello 2>/dev/null || true
  read -r s_rps s_p99 s_bad < <(run_wrk "$label-asset" "http://127.0.0.1:$port$ASSET")
  read -r c_rps c_p99 c_bad < <(run_wrk "$label-asset-cookie" "http://127.0.0.1:$port$ASSET" "Cookie: $cookie")
  read -r h_rps h_p99 h_bad < <(run_wrk "$label-healthz" http://127.0.0.1:$port/healthz)
  read -r p_rps p_p99 p_bad < <(run_wrk "$label-clients-page" http://127.0.0.1:$port/clients "Cookie: $cookie")
  read -r a_rps a_p99 a_bad < <(run_wrk "$label-clients-api" http://127.0.0.1:$port/api/v1/clients "Authorization: Bearer $token")
  line() { printf '%-10s %-26s %10s req/s  ratio %-6s  p99 %-8s non-2xx %s\n' "$label" "$1" "$2" "$(echo "scale=3; $2 / $w_rps" | bc)" "$3" "$4"; }
  line "hello world (bench/hello)" "$w_rps" "$w_p99" "$w_bad"
  line "$ASSET" "$s_rps" "$s_p99" "$s_bad"
  line "$ASSET (session cookie)" "$c_rps" "$c_p99" "$c_bad"
  line "/healthz" "$h_rps" "$h_p99" "$h_bad"
  line "/clients (page)" "$p_rps" "$p_p99" "$p_bad"
  line "/api/v1/clients" "$a_rps" "$a_p99" "$a_bad"
  kill $pid
  wait $pid 2>/dev/null || true
}

rm -f "$OUT/bench.db"*
bench_one sqlite "sqlite://$OUT/bench.db" | tee "$OUT/summary-sqlite.txt"
psql -q -h 127.0.0.1 -U root -d postgres -c "DROP DATABASE IF EXISTS acunum_bench" -c "CREATE DATABASE acunum_bench"
bench_one postgres "$PG_BASE/acunum_bench" | tee "$OUT/summary-postgres.txt"
