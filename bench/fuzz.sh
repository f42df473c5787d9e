#!/usr/bin/env bash
# The long fuzzing run: every reader of outside data (places CSV and JSON, feeds and pages, OPML,
# Markdown, proposals, Yjs messages, images) and, through the server on SQLite and PostgreSQL,
# multipart uploads and JSON bodies, each mutated from valid samples by a seeded generator
# (tests/api/fuzz.rs). The tests run a few hundred cases per reader; this runs CASES (50,000 by
# default; proposals and server requests take a sixth and a fifth of it).
# Usage: bash bench/fuzz.sh            CASES=200000 bash bench/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${CASES:-50000}"
mkdir -p bench/out
export ACUNUM_TEST_POSTGRES="${ACUNUM_TEST_POSTGRES:-postgres://root@127.0.0.1/acunum_t}"
start=$(date +%s)
ACUNUM_FUZZ_CASES="$CASES" cargo test --test api -- fuzz --nocapture --test-threads 2 2>&1 | tee bench/out/fuzz.log |
    grep -E "^fuzz |^test result|kept in" || true
echo "fuzz: ${CASES} cases per reader, $(( $(date +%s) - start )) s; failing inputs, if any, in target/fuzz-failures/"
grep -q "test result: ok" bench/out/fuzz.log
