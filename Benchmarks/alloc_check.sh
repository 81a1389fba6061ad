#!/usr/bin/env bash
# Shows that the RTP path does not allocate: replays two generated captures that differ only in
# how long the same 20 calls last (20k vs 80k RTP packets) under a malloc counter, and prints the
# allocations per extra packet. Per-second work (call expiry) allocates a little; per packet, nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/calltap}
work=Benchmarks/work/alloc
mkdir -p "$work"
cc -O2 -shared -fPIC -o "$work/malloc_count.so" Benchmarks/malloc_count.c -ldl
declare -A packets allocations
for seconds in 10 40; do
    python3 Benchmarks/generate_capture.py --calls 20 --seconds "$seconds" --codec pcmu --out "$work/c$seconds.pcap" > /dev/null
    rm -rf "$work/out"
    LD_PRELOAD="$work/malloc_count.so" "$binary" replay "$work/c$seconds.pcap" --out "$work/out" --json \
        > "$work/c$seconds.json" 2> "$work/c$seconds.err"
    packets[$seconds]=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Packets'])" "$work/c$seconds.json")
    allocations[$seconds]=$(sed -n 's/^malloc_count: \([0-9]*\) allocations$/\1/p' "$work/c$seconds.err")
    echo "20 calls x ${seconds} s: ${packets[$seconds]} packets, ${allocations[$seconds]} allocations"
done
extra_packets=$(( packets[40] - packets[10] ))
extra_allocations=$(( allocations[40] - allocations[10] ))
python3 -c "print(f'extra: {$extra_packets} packets, {$extra_allocations} allocations = {$extra_allocations/$extra_packets:.4f} per packet (30 s more capture time: {$extra_allocations/30:.1f} per second)')"
rm -rf "$work/out"
