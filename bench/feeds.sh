#!/usr/bin/env bash
# Benchmark of the veille (issue: veille). Writes a corpus of 1,000 feeds shaped like real ones (RSS 2.0,
# Atom, RSS 1.0, JSON Feed), parses it with Acunum's parser (release build) and with Python's feedparser
# in the same run, and prints feeds per second and the ratio; then fetches the 1,000 feeds from a local
# server through the guarded fetcher with bounded concurrency and prints the total time. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000}
OUT=$PWD/bench/out
mkdir -p "$OUT"
python3 -c "import feedparser" 2>/dev/null || python3 -m pip install -q --user feedparser
cargo build --release --features bench --quiet
rm -rf "$OUT/feeds"
./target/release/acunum bench-feeds --count "$COUNT" --dir "$OUT/feeds" | tee "$OUT/feeds-acunum.txt"
python3 - "$OUT/feeds" <<'PY' | tee "$OUT/feeds-python.txt"
import os, sys, time, feedparser
d = sys.argv[1]
bodies = [open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d)) if not n.endswith(".json")]
best = None
for _ in range(3):
    t = time.perf_counter()
    entries = sum(len(feedparser.parse(b).entries) for b in bodies)
    took = time.perf_counter() - t
    best = took if best is None else min(best, took)
print(f"analyse XML (Python feedparser {feedparser.__version__}) : {len(bodies)} flux, {entries} articles en {best:.3f} s (meilleur de 3), {len(bodies)/best:.0f} flux/s")
PY
a=$(sed -n 's/^analyse XML (Acunum.*, \([0-9]*\) flux\/s$/\1/p' "$OUT/feeds-acunum.txt")
p=$(sed -n 's/^analyse XML (Python.*, \([0-9]*\) flux\/s$/\1/p' "$OUT/feeds-python.txt")
echo "rapport Acunum / feedparser sur les mêmes flux XML : $(echo "scale=1; $a / $p" | bc) ×"
