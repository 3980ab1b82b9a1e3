#!/usr/bin/env bash
# Benchmark `nhi scan --from` on a generated estate: wall time and peak RSS.
#   bash benches/run.sh [PRINCIPALS]      (default 50000; needs python3 and GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50000}"
dir="${TMPDIR:-/tmp}/nhi-estate-$n"
[ -f "$dir/gaad.json" ] || python3 benches/generate_estate.py --principals "$n" --out "$dir"
cargo build --release --quiet
for format in json table; do
  for i in 1 2 3; do
    /usr/bin/time -f "scan --format $format: %e s wall, %M KB peak RSS, %P CPU" \
      target/release/nhi scan --from "$dir" --now 2026-11-02T00:00:00Z --format "$format" -o /dev/null || true
  done
done
