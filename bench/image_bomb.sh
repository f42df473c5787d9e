#!/usr/bin/env bash
# Image bombs (issue: hardening): a 1 MB PNG claiming 16000 × 16000 pixels, sent as a logo, and three
# distinct ones stored as logos by an older version (written straight into the database), then the
# public programme PDF that shows the logo, asked three times. Prints the server's resident memory
# (VmRSS) before and after, and the time of each PDF. Release build, SQLite, loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --features bench --quiet
OUT=$PWD/bench/out
mkdir -p "$OUT"
DB="$OUT/bomb.db"
rm -f "$DB"*
BIN=./target/release/acunum
$BIN --database-url "sqlite://$DB" demo > /dev/null
PORT=${PORT:-28871}
$BIN --database-url "sqlite://$DB" serve --addr "127.0.0.1:$PORT" > "$OUT/bomb-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.2; done
rss() { awk '/VmRSS/ {print $2}' /proc/$SERVER/status; }
python3 - "$OUT" <<'PY'
import struct, sys, zlib
out = sys.argv[1]
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
for n in range(4):
    w = h = 16000
    c = zlib.compressobj(9)
    row = b"\0" + bytes([n]) * (w * 4)
    body = b"".join(c.compress(row) for _ in range(h)) + c.flush()
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    open(f"{out}/bomb{n}.png", "wb").write(png)
    print(f"bomb{n}.png: {len(png)} bytes, {w} x {h} pixels")
PY
JAR="$OUT/bomb.cookies"
rm -f "$JAR"
csrf() { curl -s -b "$JAR" -c "$JAR" "http://127.0.0.1:$PORT$1" | sed -n 's/.*name="csrf-token" content="\([^"]*\)".*/\1/p' | head -1; }
T=$(csrf /connexion)
curl -s -o /dev/null -b "$JAR" -c "$JAR" --data-urlencode "email=coordination@demo.acunum.fr" \
  --data-urlencode "password=acunum-demo-2026" --data-urlencode "_csrf=$T" "http://127.0.0.1:$PORT/connexion"
T=$(csrf /organisation)
echo "RSS at start: $(rss) kB"
code=$(curl -s -o "$OUT/bomb-upload.html" -w '%{http_code}' -b "$JAR" -F "logo=@$OUT/bomb0.png;type=image/png" \
  "http://127.0.0.1:$PORT/organisation/logo?_csrf=$T")
echo "upload of bomb0.png as the logo: HTTP $code ($(grep -o 'trop grande[^<]*' "$OUT/bomb-upload.html" | head -1))"
echo "RSS after the upload: $(rss) kB"
ORG=$(python3 -c "import sqlite3;print(sqlite3.connect('$DB').execute(\"select id from organisations where slug='mediations-numeriques-de-charente'\").fetchone()[0])")
MODULE=$(python3 -c "import sqlite3;print(sqlite3.connect('$DB').execute('select id from modules where org_id=$ORG order by id').fetchone()[0])")
SLUG=mediations-numeriques-de-charente
for n in 1 2 3; do
  python3 - "$DB" "$ORG" "$OUT/bomb$n.png" <<'PY'
import sqlite3, sys, time
db, org, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = sqlite3.connect(db)
c.execute("INSERT INTO organisation_logos (org_id, mime, data, updated_at) VALUES (?, 'image/png', ?, ?) "
          "ON CONFLICT (org_id) DO UPDATE SET mime = excluded.mime, data = excluded.data, updated_at = excluded.updated_at",
          (org, open(path, "rb").read(), int(time.time())))
c.commit()
PY
  t=$(curl -s -o "$OUT/bomb-programme.pdf" -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT/programme/$SLUG/$MODULE/pdf")
  echo "programme PDF with stored bomb$n.png as the logo: HTTP ${t% *} in ${t#* } s; RSS $(rss) kB"
done
