#!/usr/bin/env bash
# Shows that the RTP path does not allocate: replays pairs of captures that differ only in how
# long the same calls last, under a malloc counter, and prints the allocations per extra packet.
#   plain:  20 generated G.711 calls, 10 s vs 40 s (20k vs 80k RTP packets)
#   SRTP:   one call of the independent SRTP generator (captures/make/srtp, Python
#           `cryptography`), 10 s vs 70 s, AES-CM with HMAC-SHA1 and AES-GCM (6,000 extra packets)
# Per-second work (call expiry) allocates a little; per packet, nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/calltap}
work=Benchmarks/work/alloc
mkdir -p "$work"
cc -O2 -shared -fPIC -o "$work/malloc_count.so" Benchmarks/malloc_count.c -ldl

# replay NAME FILE: prints "packets allocations" of one replay under the counter.
replay() {
    rm -rf "$work/out"
    LD_PRELOAD="$work/malloc_count.so" "$binary" replay "$2" --out "$work/out" --json > "$work/$1.json" 2> "$work/$1.err"
    local packets allocations
    packets=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Packets'])" "$work/$1.json")
    allocations=$(sed -n 's/^malloc_count: \([0-9]*\) allocations$/\1/p' "$work/$1.err")
    echo "$packets $allocations"
}

# compare LABEL SHORT_FILE LONG_FILE SECONDS_MORE
compare() {
    local short long
    read -r -a short <<< "$(replay "$1-short" "$2")"
    read -r -a long <<< "$(replay "$1-long" "$3")"
    echo "$1: ${short[0]} packets, ${short[1]} allocations; ${long[0]} packets, ${long[1]} allocations"
    python3 -c "
p = ${long[0]} - ${short[0]}; a = ${long[1]} - ${short[1]}
print(f'  extra: {p} packets, {a} allocations = {a / p:.4f} per packet ($4 s more capture time: {a / $4:.1f} per second)')"
}

for seconds in 10 40; do
    python3 Benchmarks/generate_capture.py --calls 20 --seconds "$seconds" --codec pcmu --out "$work/c$seconds.pcap" > /dev/null 2>&1
done
compare "plain RTP, 20 calls" "$work/c10.pcap" "$work/c40.pcap" 30

for suite in AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM; do
    for seconds in 10 70; do
        python3 captures/make/srtp/make_srtp_capture.py -o "$work/$suite-$seconds.pcap" --suite "$suite" \
            --duration "$seconds" > /dev/null 2>&1
    done
    compare "SRTP $suite, 1 call" "$work/$suite-10.pcap" "$work/$suite-70.pcap" 60
done
rm -rf "$work/out"
