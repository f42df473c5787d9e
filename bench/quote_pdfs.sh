#!/usr/bin/env bash
# Benchmark of the documents (issue: quotes): renders the whole-cycle quote 1,000 times through the
# application's path (reads, data, Typst, PDF) with a release build; prints the median milliseconds
# per document and the peak resident memory. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --features bench --quiet
./target/release/acunum bench-pdf --count "${COUNT:-1000}"
