#!/usr/bin/env bash
# Time a live `nhi scan --aws` of a moto account with N principals (default 1000).
#   bash benches/aws_live.sh [N]        (needs python3 with moto[server]; seeding takes a while)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
cargo build --release --quiet
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
MOTO_SCENARIO_WAIT=signal python3 tests/aws/moto_scenario.py "$port" big "$n" < /dev/null > "$log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true; rm -f "$log"' EXIT
until grep -q READY "$log"; do
  kill -0 $moto 2>/dev/null || { echo "moto scenario failed:"; tail -5 "$log"; exit 1; }
  sleep 1
done
for i in 1 2 3; do
  AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true \
    /usr/bin/time -f "scan --aws ($n principals): %e s wall, %M KB peak RSS" \
    target/release/nhi -v scan --aws --aws-endpoint-url "http://127.0.0.1:$port" --format json -o /dev/null 2>&1 \
    | grep -E "account scanned|wall" | sed 's/.*INFO //'
done
