#!/usr/bin/env bash
# Generator throughput: line items per second into gzip on one core, and peak memory.
#   bench/curgen.sh [LINE_ITEMS] [BILLPIPE_BINARY]     (defaults: 2000000, build-release/billpipe)
# Reports both wall-clock and CPU time: on a shared machine the CPU figure is the stable one.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-2000000}
bin=${2:-build-release/billpipe}
out=$(mktemp -d "${TMPDIR:-/tmp}/billpipe-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT
/usr/bin/time -f "%e %U %S %M" -o "$out/time" "$bin" curgen --out "$out/cur" --line-items "$lines" --quiet
read -r wall user sys rss <"$out/time"
bytes=$(du -sb "$out/cur" | cut -f1)
python3 - "$lines" "$wall" "$user" "$sys" "$rss" "$bytes" <<'PY'
import sys
lines, wall, user, sys_, rss, size = int(sys.argv[1]), *map(float, sys.argv[2:5]), int(sys.argv[5]), int(sys.argv[6])
cpu = user + sys_
print(f"curgen gzip: {lines} line items, {size/1e6:.1f} MB compressed, max RSS {rss/1024:.1f} MiB")
print(f"  wall {wall:.2f} s = {lines/wall:,.0f} lines/s;  CPU {cpu:.2f} s = {lines/cpu:,.0f} lines/s per core")
PY
