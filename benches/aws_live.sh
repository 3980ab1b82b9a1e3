#!/usr/bin/env bash
# Time a live `nhi scan --aws` of a moto account with N principals (default 1000).
#   bash benches/aws_live.sh [N]        (needs python3 with moto[server]; seeding takes a while)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/moto.sh
n="${1:-1000}"
cargo build --release --quiet
start_moto big "$n"
for i in 1 2 3; do
  AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true \
    /usr/bin/time -f "scan --aws ($n principals): %e s wall, %M KB peak RSS" \
    target/release/nhi -v scan --aws --aws-endpoint-url "http://127.0.0.1:$port" --format json -o /dev/null 2>&1 \
    | grep -E "account scanned|wall" | sed 's/.*INFO //'
done
