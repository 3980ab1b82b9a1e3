#!/usr/bin/env bash
# Peak RSS of a live `nhi scan --aws-org` against moto: an organization of M member accounts with
# N principals each, scanned with each --aws-concurrency given (default 2 and 8).
#   bash benches/aws_org.sh M N [CONCURRENCY...]      (needs python3 with moto[server])
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/moto.sh
m="${1:-40}"; n="${2:-100}"; shift 2 || true
concurrency=("$@")
[ $# -eq 0 ] && concurrency=(2 8)
nhi="${NHI:-target/release/nhi}"
start_moto bigorg "$m" "$n"
for c in "${concurrency[@]}"; do
  AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true \
    /usr/bin/time -f "--aws-org, $m accounts x $n principals, --aws-concurrency $c: %e s wall, %M KB peak RSS" \
    "$nhi" scan --aws --aws-org --aws-role-name nhi-scanner --aws-concurrency "$c" \
    --aws-endpoint-url "http://127.0.0.1:$port" --now 2026-11-02T00:00:00Z --format json -o /dev/null -q 2>&1 \
    | grep -E 'wall|error' | tail -3
done
