#!/usr/bin/env bash
# Wall time and peak RSS of `nhi scan --from DIR`, in total and per phase, for each format.
#   bash benches/phases.sh DIR [FORMAT...]        (default formats: json ndjson)
# Phases come from the scan's own -v/-vv lines (time since start, peak RSS so far); the totals
# from GNU time. Build first: cargo build --release (NHI=path overrides target/release/nhi).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$1"; shift
formats=("$@")
[ $# -eq 0 ] && formats=(json ndjson)
nhi="${NHI:-target/release/nhi}"
for format in "${formats[@]}"; do
  log=$(mktemp)
  /usr/bin/time -f "total: %e s wall, %M KB peak RSS, %P CPU" \
    "$nhi" scan --from "$dir" --now 2026-11-02T00:00:00Z --format "$format" \
    -o "${TMPDIR:-/tmp}/nhi-phases-report.$format" -vv 2> "$log" || true
  echo "== $dir --format $format"
  # Phase lines carry the peak RSS so far; times are taken from the log's timestamps, from the
  # first line (the first file read).
  python3 - "$log" <<'PY'
import re, sys
from datetime import datetime
t0 = None
for line in open(sys.argv[1]):
    m = re.match(r"(\S+)\s+(INFO|DEBUG)\s+(?:[\w:]+: )?(.*)", line)
    if not m:
        continue
    t = datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
    t0 = t0 or t
    rest = m.group(3)
    phase = re.match(r"(collected|privilege graph built|rules run|analyzed|written)\b", rest)
    if phase:
        rss = re.search(r"peak_rss_mib=(\d+)", rest)
        print(f"  {phase.group(1):<24} done at {(t - t0).total_seconds():7.2f} s   "
              f"peak RSS so far {rss.group(1) if rss else '?':>6} MiB")
PY
  grep '^total:' "$log"
  rm -f "$log"
done
