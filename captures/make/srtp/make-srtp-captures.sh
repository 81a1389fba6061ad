#!/bin/bash
# Regenerates calltap's SRTP captures (captures/srtp-*.pcap, captures/rtp-midcall.pcap).
#
# Real peers on loopback, recorded with tcpdump -i lo:
#   baresip 1.0.0 (srtp module, SDES) as caller and callee, each sending a sine tone from a
#   sox-made wav through its aufile source; kamailio 5.6 (stateful proxy, rtpengine module) and
#   rtpengine 10.5 (userspace) as an SBC; a SIPp 3.6.1 uas (uas-call-rr.xml) as a plain-RTP
#   callee. srtp-reinvite-rekey: SIPp on both sides (uac-rekey.xml, uas-rekey.xml) replaying
#   SRTP made by make_srtp_capture.py, because no real peer here re-keys. Then the synthetic
#   captures from make_srtp_capture.py (independent RFC 3711/7714 code). Every SRTP capture is
#   checked with srtp_check (libsrtp2) and srtp_pycheck.py using the keys that sdp_keys.py reads
#   out of the capture's own SDP, and the decrypted audio's tone with tone_of.py.
#
#   sudo captures/make/srtp/make-srtp-captures.sh [NAME ...]   # default: all; NAME: srtp-sdes-80
#   OUT=/some/dir ... ; KEEP_WORK=1 ...                          # as ../make-captures.sh
#
# Needs root (tcpdump on lo) and these Debian 12 packages: baresip (1.0.0), kamailio (5.6),
# rtpengine-daemon (10.5), sip-tester, tcpdump, tshark, sox, gcc, libsrtp2-dev, libpcap-dev,
# python3, python3-numpy, python3-cryptography. Installs nothing.
#
# baresip 1.0.0 binds its RTP sockets to 0.0.0.0, so on loopback its media would leave from
# 127.0.0.1 instead of the address in its SDP; bindaddr.so (LD_PRELOAD) binds them to the
# peer's own 127.0.x.y address instead. Nothing else is changed in any peer.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
MAKE=$(dirname "$HERE")
OUT=${OUT:-$(dirname "$MAKE")}
WORK=$(mktemp -d /tmp/calltap-srtp.XXXXXX)
GEN="python3 $HERE/make_srtp_capture.py"
PIDS=()

cleanup() { # stop only the processes this script started
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

for tool in baresip kamailio rtpengine sipp tcpdump tshark sox cc python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
cc -O2 -o "$WORK/srtp_check" "$HERE/srtp_check.c" -lsrtp2 -lpcap
cc -shared -fPIC -O2 -o "$WORK/bindaddr.so" "$HERE/bindaddr.c" -ldl
CHECK=$WORK/srtp_check

# ---------------------------------------------------------------- capture
CAP_PID=
start_capture() { # FILE FILTER
    : >"$WORK/tcpdump.log"
    tcpdump -i lo -s 0 --immediate-mode -U -w "$1" "$2" 2>"$WORK/tcpdump.log" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    local i
    for i in $(seq 50); do
        grep -q "listening on" "$WORK/tcpdump.log" && break
        sleep 0.1
    done
    sleep 0.3
}

stop_capture() {
    kill "$CAP_PID"
    wait "$CAP_PID" || true
    grep -E "captured|dropped" "$WORK/tcpdump.log" | sed 's/^/  tcpdump: /'
}

# ---------------------------------------------------------------- baresip
# baresip_peer DIR IP RTP_MIN CTRL_PORT HZ ACCOUNT_PARAMS: write a config dir for one
# headless baresip (SIP on IP:5060, RTP ports RTP_MIN..RTP_MIN+9, ctrl_tcp on
# 127.0.0.1:CTRL_PORT, audio source: a 20 s sine of HZ at half full scale, 8 kHz mono, or
# when HZ is not a number, that sox noise instead, e.g. pinknoise, from a fixed seed;
# no audio player module: the received audio is decoded and dropped), start it, and wait
# until it is ready. Its pid is added to PIDS; its log is DIR/baresip.log. The sndfile
# module dumps the audio it encodes and decodes to DIR/dump-*-enc.wav / -dec.wav (kept in
# WORK, never in captures/): baresip_dumps reports the tone baresip itself decoded.
baresip_peer() {
    local dir=$1 ip=$2 rtp=$3 ctrl=$4 hz=$5 params=$6 user
    user=$(basename "$dir")
    mkdir -p "$dir"
    if [[ $hz =~ ^[0-9.]+$ ]]; then
        sox -n -r 8000 -c 1 -b 16 "$dir/tone.wav" synth 20 sine "$hz" vol 0.5
    else
        sox -R -n -r 8000 -c 1 -b 16 "$dir/tone.wav" synth 20 "$hz" vol 0.5
    fi
    cat >"$dir/config" <<EOF
poll_method		epoll
sip_listen		$ip:5060
net_interface		$ip
call_local_timeout	120
call_max_calls		4
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			srtp.so
module			sndfile.so
snd_path		$dir
module_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$ctrl
audio_source		aufile,$dir/tone.wav
ausrc_srate		8000
ausrc_channels		1
rtp_ports		$rtp-$((rtp + 9))
rtcp_mux		no
EOF
    echo "<sip:$user@$ip>;regint=0;audio_codecs=PCMU$params" >"$dir/accounts"
    (cd "$dir" && BINDADDR=$ip LD_PRELOAD=$WORK/bindaddr.so exec timeout 120 \
        baresip -f "$dir" -v >"$dir/baresip.log" 2>&1) &
    PIDS+=("$!")
    local i
    for i in $(seq 50); do
        grep -qs "baresip is ready" "$dir/baresip.log" && return 0
        sleep 0.1
    done
    echo "baresip in $dir did not start" >&2
    cat "$dir/baresip.log" >&2
    exit 1
}

baresip_dumps() { # DIR...: dominant tone of what each baresip encoded (enc) and decoded (dec)
    local f
    for f in $(find "$@" -name 'dump-*.wav' 2>/dev/null | sort); do
        python3 "$HERE/tone_of.py" --wav "$f" | sed "s|$WORK/||; s/^/  baresip dump /"
    done
}

bctl() { # CTRL_PORT COMMAND [PARAMS]: one ctrl_tcp command
    python3 "$HERE/bctl.py" "$@" >>"$WORK/bctl.log" 2>&1 || true
}

quit_peers() { # CTRL_PORT...: /quit each baresip, then wait a moment
    local p
    for p in "$@"; do bctl "$p" quit; done
    sleep 1
}

# ---------------------------------------------------------------- checks
# check_srtp FILE [MKI_ARGS...] -- EXPECTED: run srtp_check with the keys of FILE's SDPs
# (or extra specs after --), then the dominant tone of each decrypted stream.
# Prints the results; fails when a packet does not authenticate.
check_srtp() {
    local file=$1; shift
    local -a specs
    mapfile -t specs < <(python3 "$HERE/sdp_keys.py" "${KEYS_FROM:-$file}")
    rm -rf "$WORK/dump" && mkdir -p "$WORK/dump"
    echo "  srtp_check $(basename "$file"):"
    local rc=0 out
    out=$("$CHECK" --dump "$WORK/dump" "$@" "$file" "${specs[@]}") || rc=$?
    echo "$out" | sed 's/^/    /'
    python3 "$HERE/srtp_pycheck.py" "$file" ${KEYS_FROM:+--keys-from "$KEYS_FROM"} "$@" |
        sed 's/^/    python check /'
    if ls "$WORK/dump/"*.raw >/dev/null 2>&1; then
        python3 "$HERE/tone_of.py" "$WORK/dump/"*.raw | sed "s|$WORK/dump/||; s/^/    tone /"
    fi
    return $rc
}

publish() { # NAME
    cp "$WORK/$1.pcap" "$OUT/$1.pcap"
    chmod 644 "$OUT/$1.pcap"
    local size
    size=$(stat -c %s "$OUT/$1.pcap")
    [ "$size" -lt 2000000 ] || { echo "$1 is $size bytes (limit 2 MB)" >&2; exit 1; }
    echo "  wrote $OUT/$1.pcap ($size bytes)"
}

sip_summary() { # FILE: the SIP messages with their times
    tshark -r "$1" -Y sip -T fields -e frame.time_relative -e ip.src -e ip.dst \
        -e _ws.col.Info 2>/dev/null | sed 's/^/    sip /'
}

# ---------------------------------------------------------------- real-peer captures
# b2b_call NAME NET CALLER_HZ CALLEE_HZ TALK PARAMS [LATE]: baresip caller 127.0.NET.1
# (RTP 10000-10009, ctrl 4441) dials baresip callee 127.0.NET.2 (RTP 20000-20009, ctrl
# 4442, auto answer); TALK seconds after the dial the caller hangs up (BYE). With LATE,
# tcpdump starts LATE seconds after the dial (after the 200/ACK) instead of before it.
b2b_call() {
    local name=$1 net=$2 chz=$3 ehz=$4 talk=$5 params=$6 late=${7:-}
    local a=127.0.$net.1 b=127.0.$net.2 d=$WORK/$name
    local filter="udp and (host $a or host $b)"
    baresip_peer "$d/bob" "$b" 20000 4442 "$ehz" "$params;answermode=auto"
    baresip_peer "$d/alice" "$a" 10000 4441 "$chz" "$params"
    # With LATE, a second tcpdump records the whole call from the dial into NAME-full.pcap
    # (kept in WORK only): the keys of its SDP are what srtp_check needs for the late file.
    local full_pid=
    if [ -n "$late" ]; then
        start_capture "$WORK/$name-full.pcap" "$filter"
        full_pid=$CAP_PID
    else
        start_capture "$WORK/$name.pcap" "$filter"
    fi
    bctl 4441 dial "sip:bob@$b"
    if [ -n "$late" ]; then
        sleep "$late"
        start_capture "$WORK/$name.pcap" "$filter"
        sleep "$(python3 -c "print($talk - $late - 0.3)")"
    else
        sleep "$talk"
    fi
    bctl 4441 hangup
    sleep 1
    quit_peers 4441 4442
    stop_capture
    if [ -n "$full_pid" ]; then kill "$full_pid"; wait "$full_pid" || true; fi
    grep -hE "SRTP is Enabled|re-keying|failed to decrypt" "$d"/*/baresip.log |
        sed 's/.*srtp:/srtp:/' | sed -E 's/with [0-9]+ bytes/with N bytes/' | sort | uniq -c |
        sed 's/^/  baresip: /' || true
    baresip_dumps "$d"
}

make_sdes_80() {
    echo "== srtp-sdes-80: baresip -> baresip, RTP/SAVP AES_CM_128_HMAC_SHA1_80, 440/1000 Hz, ~6 s"
    b2b_call srtp-sdes-80 30 440 1000 6.5 ";mediaenc=srtp-mand"
    sip_summary "$WORK/srtp-sdes-80.pcap"
    check_srtp "$WORK/srtp-sdes-80.pcap" || return 1
    publish srtp-sdes-80
}

# The same call with noise instead of tones, and baresip's own decoded audio published beside
# it (NAME.alice-decoded.flac: what alice decoded of bob's SRTP; NAME.bob-decoded.flac): noise
# repeats nowhere, so each 20 ms of it that calltap decrypts can be found, sample for sample, in
# what the phone itself decoded.
make_sdes_80_noise() {
    local name=srtp-sdes-80-noise
    echo "== $name: baresip -> baresip, RTP/SAVP AES_CM_128_HMAC_SHA1_80, pink / brown noise, ~6 s"
    b2b_call $name 41 pinknoise brownnoise 6.5 ";mediaenc=srtp-mand"
    sip_summary "$WORK/$name.pcap"
    check_srtp "$WORK/$name.pcap" || return 1
    publish $name
    local who dump
    for who in alice bob; do
        dump=$(find "$WORK/$name/$who" -name 'dump-*-dec.wav')
        [ "$(echo "$dump" | wc -l)" = 1 ] || { echo "$name: expected one decoded dump of $who" >&2; return 1; }
        sox "$dump" "$OUT/$name.$who-decoded.flac"
        chmod 644 "$OUT/$name.$who-decoded.flac"
        echo "  wrote $OUT/$name.$who-decoded.flac ($(stat -c %s "$OUT/$name.$who-decoded.flac") bytes)"
    done
}

# A real re-INVITE: the caller puts the call on hold (re-INVITE a=sendonly) 2.5 s after the
# dial and resumes it (re-INVITE a=sendrecv) 2 s later; BYE 7 s after the dial. baresip
# 1.0.0 draws its SDES key once per stream (srtp.c media_alloc) and re-offers the SAME key
# in every re-INVITE; it re-keys its receiver only when the peer's key changes.
make_reinvite_samekey() {
    local name=srtp-reinvite-samekey a=127.0.37.1 b=127.0.37.2 d=$WORK/srtp-reinvite-samekey
    echo "== $name: baresip -> baresip SRTP 80, 620/1320 Hz, hold at 2.5 s, resume at 4.5 s, BYE at 7 s"
    baresip_peer "$d/bob" "$b" 20000 4442 1320 ";mediaenc=srtp-mand;answermode=auto"
    baresip_peer "$d/alice" "$a" 10000 4441 620 ";mediaenc=srtp-mand"
    start_capture "$WORK/$name.pcap" "udp and (host $a or host $b)"
    bctl 4441 dial "sip:bob@$b"
    sleep 2.5
    bctl 4441 hold
    sleep 2
    bctl 4441 resume
    sleep 2.5
    bctl 4441 hangup
    sleep 1
    quit_peers 4441 4442
    stop_capture
    baresip_dumps "$d"
    sip_summary "$WORK/$name.pcap"
    python3 "$HERE/sdp_keys.py" "$WORK/$name.pcap" --times | sed 's/^/    key /'
    [ "$(tshark -r "$WORK/$name.pcap" -Y 'sip.Method == "INVITE"' | wc -l)" = 3 ] ||
        { echo "$name: expected INVITE + 2 re-INVITEs" >&2; return 1; }
    check_srtp "$WORK/$name.pcap" || return 1
    publish $name
}

make_midcall() {
    echo "== srtp-midcall: baresip -> baresip SRTP 80, 500/1200 Hz; tcpdump starts 2 s after the dial"
    b2b_call srtp-midcall 33 500 1200 7 ";mediaenc=srtp-mand" 2
    sip_summary "$WORK/srtp-midcall.pcap"
    [ "$(tshark -r "$WORK/srtp-midcall.pcap" -Y sdp | wc -l)" = 0 ] ||
        { echo "srtp-midcall has SDP" >&2; return 1; }
    # The keys are not in this capture: srtp_check takes them from the full-call capture
    # recorded alongside by the other tcpdump (and the README lists them).
    python3 "$HERE/sdp_keys.py" "$WORK/srtp-midcall-full.pcap" | sed 's/^/    keys (not in the file): /'
    KEYS_FROM=$WORK/srtp-midcall-full.pcap check_srtp "$WORK/srtp-midcall.pcap" || return 1
    publish srtp-midcall
}

make_rtp_midcall() {
    echo "== rtp-midcall: baresip -> baresip plain RTP/AVP PCMU, 600/1400 Hz; tcpdump starts 2 s after the dial"
    b2b_call rtp-midcall 34 600 1400 7 "" 2
    sip_summary "$WORK/rtp-midcall.pcap"
    [ "$(tshark -r "$WORK/rtp-midcall.pcap" -Y sdp | wc -l)" = 0 ] ||
        { echo "rtp-midcall has SDP" >&2; return 1; }
    tshark -r "$WORK/rtp-midcall.pcap" -d udp.port==10000-10009,rtp -d udp.port==20000-20009,rtp \
        -q -z rtp,streams 2>/dev/null | sed 's/^/    /'
    publish rtp-midcall
}

# ---------------------------------------------------------------- SBC: kamailio + rtpengine
# sbc_call NAME NET RTPENGINE_OFFER_FLAGS CALLEE_KIND CALLER_HZ CALLEE_HZ TALK FILTER_HOSTS
# caller baresip 127.0.NET.1 -> kamailio 127.0.NET.10 (stateful proxy, record-route,
# rtpengine_manage) with rtpengine on 127.0.NET.20 (ng control 127.0.0.1:22222, media ports
# 30000-30099) -> callee 127.0.NET.2: baresip (CALLEE_KIND=baresip) or the SIPp uas of
# uas-call-rr.xml (CALLEE_KIND=sipp, plain RTP, rtp_stream from RTP port 6000).
sbc_call() {
    local name=$1 net=$2 flags=$3 kind=$4 chz=$5 ehz=$6 talk=$7 hosts=$8
    local a=127.0.$net.1 b=127.0.$net.2 k=127.0.$net.10 r=127.0.$net.20 d=$WORK/$name
    mkdir -p "$d/kamailio" "$d/rtpengine" "$d/bob"
    sed -e "s/@PROXY@/$k/g" -e "s/@CALLEE@/$b/g" -e "s|@FLAGS@|$flags|g" \
        "$HERE/kamailio-sbc.cfg" >"$d/kamailio/kamailio.cfg"
    kamailio -c -f "$d/kamailio/kamailio.cfg" >"$d/kamailio/check.log" 2>&1 ||
        { cat "$d/kamailio/check.log" >&2; exit 1; }
    timeout 120 rtpengine --foreground --log-stderr --log-level=6 --table=-1 \
        --interface="$r" --listen-ng=127.0.0.1:22222 --port-min=30000 --port-max=30099 \
        --pidfile="$d/rtpengine/pid" >"$d/rtpengine/rtpengine.log" 2>&1 &
    PIDS+=("$!")
    timeout 120 kamailio -DD -E -f "$d/kamailio/kamailio.cfg" -Y "$d/kamailio" \
        -P "$d/kamailio/pid" >"$d/kamailio/kamailio.log" 2>&1 &
    PIDS+=("$!")
    sleep 1.5
    local sipp_pid=
    if [ "$kind" = sipp ]; then
        sox -n -r 8000 -c 1 -e mu-law -t raw "$d/bob/callee.g711" synth 1 sine "$ehz" vol 0.5
        (cd "$d/bob" && exec timeout 120 sipp -nostdin -sf "$HERE/uas-call-rr.xml" -i "$b" -p 5060 \
            -mi "$b" -mp 6000 -rtp_payload 0 -key pt 0 -key codec PCMU -m 1 \
            >"$d/bob/sipp.log" 2>&1) &
        sipp_pid=$!
        PIDS+=("$sipp_pid")
        sleep 0.5
    else
        baresip_peer "$d/bob" "$b" 20000 4442 "$ehz" ";mediaenc=srtp-mand;answermode=auto"
    fi
    if [ -n "${PLAIN_CALLER:-}" ]; then
        baresip_peer "$d/alice" "$a" 10000 4441 "$chz" ""
    else
        baresip_peer "$d/alice" "$a" 10000 4441 "$chz" ";mediaenc=srtp-mand"
    fi
    local filter="udp and (" h first=1
    for h in $hosts; do
        [ $first = 1 ] || filter="$filter or"
        filter="$filter host 127.0.$net.$h"
        first=0
    done
    start_capture "$WORK/$name.pcap" "$filter )"
    bctl 4441 dial "sip:bob@$k"
    if [ -n "${HOLD:-}" ]; then # hold (re-INVITE) 2.5 s in, resume 2 s later
        sleep 2.5
        bctl 4441 hold
        sleep 2
        bctl 4441 resume
        sleep "$(python3 -c "print($talk - 4.5)")"
    else
        sleep "$talk"
    fi
    bctl 4441 hangup
    sleep 1
    if [ "$kind" = sipp ]; then
        wait "$sipp_pid" || { echo "SIPp uas failed" >&2; tr -d '\033' <"$d/bob/sipp.log" | tail -20 >&2; }
        quit_peers 4441
    else
        quit_peers 4441 4442
    fi
    stop_capture
    kill "$(cat "$d/kamailio/pid")" 2>/dev/null || true
    kill "$(cat "$d/rtpengine/pid")" 2>/dev/null || true
    sleep 0.5
    grep -hE "SRTP is Enabled|failed to decrypt" "$d"/*/baresip.log | sed 's/.*srtp:/srtp:/' |
        sed -E 's/with [0-9]+ bytes/with N bytes/' | sort | uniq -c | sed 's/^/  baresip: /' || true
    baresip_dumps "$d"
}

make_sbc() {
    echo "== srtp-sbc-rtpengine: baresip SRTP 80 (740 Hz) -> kamailio+rtpengine -> SIPp plain RTP (1300 Hz)"
    sbc_call srtp-sbc-rtpengine 32 "RTP/AVP" sipp 740 1300 6.5 "1 2 10 20"
    sip_summary "$WORK/srtp-sbc-rtpengine.pcap"
    check_srtp "$WORK/srtp-sbc-rtpengine.pcap" || return 1
    tshark -r "$WORK/srtp-sbc-rtpengine.pcap" -d udp.port==6000,rtp -d udp.port==30000-30099,rtp \
        -q -z rtp,streams 2>/dev/null | sed 's/^/    /'
    publish srtp-sbc-rtpengine
}

# The callee leg only (kamailio/rtpengine <-> baresip callee), where rtpengine offers one
# chosen suite. The caller leg is plain RTP/AVP (baresip without mediaenc): rtpengine 10.5's
# SDES-no- flags also filter the suites it accepts from the caller, so an SRTP caller (which
# offers only AES_CM_128_HMAC_SHA1_80) would get no media through. baresip 1.0.0 itself always offers AES_CM_128_HMAC_SHA1_80 and nothing else,
# and answers with the suite of the first a=crypto it supports.
RTPENGINE_SUITES="AEAD_AES_256_GCM AEAD_AES_128_GCM AES_256_CM_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_32
    AES_192_CM_HMAC_SHA1_80 AES_192_CM_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32
    F8_128_HMAC_SHA1_80 F8_128_HMAC_SHA1_32 NULL_HMAC_SHA1_80 NULL_HMAC_SHA1_32"
make_suite_leg() { # NAME NET SUITE CALLER_HZ CALLEE_HZ
    local name=$1 net=$2 suite=$3
    echo "== $name: baresip -> kamailio+rtpengine -> baresip; callee leg only, rtpengine offers $suite"
    # rtpengine 10.5 has no SDES-only- flag: drop every other suite it would offer.
    local flags="RTP/SAVP" x
    for x in $RTPENGINE_SUITES; do [ "$x" = "$suite" ] || flags="$flags SDES-no-$x"; done
    PLAIN_CALLER=1 sbc_call "$name" "$net" "$flags" baresip "$4" "$5" 6.5 "2"
    sip_summary "$WORK/$name.pcap"
    # the callee's answer must carry exactly that suite
    tshark -r "$WORK/$name.pcap" -Y "sdp && ip.src == 127.0.$net.2" -T fields -e sdp.media_attr |
        grep -q "crypto:1 $suite " || { echo "$name: callee did not answer $suite" >&2; return 1; }
    check_srtp "$WORK/$name.pcap" || return 1
    publish "$name"
}

# Both legs: a plain-RTP baresip caller -> kamailio+rtpengine -> an SRTP baresip callee.
# rtpengine offers the callee 10 a=crypto lines (its 12 suites minus the two GCM ones, which
# it lists first), so the callee answers with the first it supports, AES_CM_128_HMAC_SHA1_80,
# under that line's tag (not 1). The caller holds (re-INVITE) 2.5 s in and resumes 2 s later:
# rtpengine re-offers the SAME key for the suite in use and fresh keys for the others.
make_sbc_multicrypto() {
    local name=srtp-sbc-multicrypto-hold
    echo "== $name: baresip RTP/AVP (660 Hz) -> kamailio+rtpengine -> baresip RTP/SAVP (1380 Hz),"
    echo "   10 crypto lines offered, hold/resume"
    HOLD=1 PLAIN_CALLER=1 sbc_call $name 39 \
        "RTP/SAVP SDES-no-AEAD_AES_256_GCM SDES-no-AEAD_AES_128_GCM" baresip 660 1380 8 "1 2 10 20"
    sip_summary "$WORK/$name.pcap"
    tshark -r "$WORK/$name.pcap" -Y "sdp && ip.src == 127.0.39.2" -T fields -e frame.time_relative \
        -e sdp.media_attr | sed -E 's/^([0-9.]+).*(crypto:[0-9]+ [A-Z0-9_]+).*/    answer \1 \2/'
    [ "$(tshark -r "$WORK/$name.pcap" -Y 'sip.Method == "INVITE"' | wc -l)" = 6 ] ||
        { echo "$name: expected 3 INVITEs on each leg" >&2; return 1; }
    check_srtp "$WORK/$name.pcap" || return 1
    tshark -r "$WORK/$name.pcap" -d udp.port==10000-10009,rtp -d udp.port==30000-30099,rtp \
        -q -z rtp,streams 2>/dev/null | sed 's/^/    /'
    publish $name
}

# ---------------------------------------------------------------- synthetic captures
synth() { # NAME GENERATOR_ARGS...: one synthetic capture into WORK
    local name=$1; shift
    echo "== $name (synthetic): $*"
    $GEN -o "$WORK/$name.pcap" "$@"
}

make_synth() {
    synth srtp-synth-wrap --suite AES_CM_128_HMAC_SHA1_80 --caller-hz 350 --callee-hz 1250 \
        --duration 5 --seq 65436,65486 --seed 11
    check_srtp "$WORK/srtp-synth-wrap.pcap" || return 1
    publish srtp-synth-wrap
    synth srtp-synth-gcm128 --suite AEAD_AES_128_GCM --caller-hz 450 --callee-hz 1050 \
        --duration 4 --seed 12
    check_srtp "$WORK/srtp-synth-gcm128.pcap" || return 1
    publish srtp-synth-gcm128
    synth srtp-synth-gcm256 --suite AEAD_AES_256_GCM --caller-hz 550 --callee-hz 1150 \
        --duration 4 --seed 16
    check_srtp "$WORK/srtp-synth-gcm256.pcap" || return 1
    publish srtp-synth-gcm256
    synth srtp-synth-aes256 --suite AES_256_CM_HMAC_SHA1_80 --caller-hz 650 --callee-hz 1450 \
        --duration 4 --seed 13
    check_srtp "$WORK/srtp-synth-aes256.pcap" || return 1
    publish srtp-synth-aes256
    synth srtp-synth-32 --suite AES_CM_128_HMAC_SHA1_32 --caller-hz 750 --callee-hz 1550 \
        --duration 4 --seed 17
    check_srtp "$WORK/srtp-synth-32.pcap" || return 1
    publish srtp-synth-32
    synth srtp-synth-tampered --suite AES_CM_128_HMAC_SHA1_80 --caller-hz 850 --callee-hz 1650 \
        --duration 4 --tamper 7 --seed 14
    # expected: every 7th SRTP packet fails authentication
    check_srtp "$WORK/srtp-synth-tampered.pcap" && { echo "tampered file authenticated" >&2; return 1; }
    publish srtp-synth-tampered
    synth srtp-synth-mki --suite AES_CM_128_HMAC_SHA1_80 --caller-hz 950 --callee-hz 1750 \
        --duration 3 --mki 1:4 --lifetime '2^31' --seed 15
    check_srtp "$WORK/srtp-synth-mki.pcap" --mki 1:4 || return 1
    publish srtp-synth-mki
    synth srtp-synth-wrong-key --suite AES_CM_128_HMAC_SHA1_80 --caller-hz 400 --callee-hz 900 \
        --duration 2 --wrong-key --seed 18
    check_srtp "$WORK/srtp-synth-wrong-key.pcap" && { echo "wrong-key file authenticated" >&2; return 1; }
    publish srtp-synth-wrong-key
    synth srtp-synth-truncated --suite AES_CM_128_HMAC_SHA1_80 --caller-hz 300 --callee-hz 800 \
        --duration 2 --truncate 10 --seed 19
    check_srtp "$WORK/srtp-synth-truncated.pcap" && { echo "truncated file all ok" >&2; return 1; }
    publish srtp-synth-truncated
}

# srtp-reinvite-rekey: no real peer here re-keys on a re-INVITE (baresip 1.0.0 re-offers the
# key it drew when the stream was made, see srtp-reinvite-samekey), so SIPp plays both sides:
# uac-rekey.xml / uas-rekey.xml send SDPs with keys made here, and replay SRTP made with
# those keys by make_srtp_capture.py --stream-only (play_pcap_audio). Caller 127.0.38.1
# (RTP 6100, 480 Hz), callee 127.0.38.2 (RTP 6000, 1020 Hz); 3 s with key1, re-INVITE with
# key2 both ways, 3 s more, BYE. Each side keeps its SSRC, sequence and timestamp across
# the re-key.
make_rekey() {
    local name=srtp-reinvite-rekey a=127.0.38.1 b=127.0.38.2 d=$WORK/srtp-reinvite-rekey
    local suite=AES_CM_128_HMAC_SHA1_80 ca1 ca2 cb1 cb2
    echo "== $name (SIPp + generated SRTP): $suite, re-INVITE with new keys both ways"
    mkdir -p "$d/uac" "$d/uas"
    newkey() { python3 -c 'import base64,os; print(base64.b64encode(os.urandom(30)).decode())'; }
    ca1=$(newkey) ca2=$(newkey) cb1=$(newkey) cb2=$(newkey)
    local common=(--suite $suite --caller $a --callee $b --caller-hz 480 --callee-hz 1020 --duration 3)
    $GEN "${common[@]}" --stream-only caller --key "$ca1" --ssrc 0x5EC00001 --seq 1000 --ts 160000 -o "$d/uac/caller-1.pcap"
    $GEN "${common[@]}" --stream-only caller --key "$ca2" --ssrc 0x5EC00001 --seq 1150 --ts 184000 -o "$d/uac/caller-2.pcap"
    $GEN "${common[@]}" --stream-only callee --key "$cb1" --ssrc 0x5EC00002 --seq 2000 --ts 320000 -o "$d/uas/callee-1.pcap"
    $GEN "${common[@]}" --stream-only callee --key "$cb2" --ssrc 0x5EC00002 --seq 2150 --ts 344000 -o "$d/uas/callee-2.pcap"
    start_capture "$WORK/$name.pcap" "udp and (host $a or host $b)"
    (cd "$d/uas" && exec timeout 60 sipp -nostdin -sf "$HERE/uas-rekey.xml" -i $b -p 5060 -mi $b \
        -mp 6000 -key suite $suite -key key1 "$cb1" -key key2 "$cb2" -m 1 >"$d/uas/sipp.log" 2>&1) &
    local uas=$!
    PIDS+=("$uas")
    sleep 0.5
    (cd "$d/uac" && exec timeout 60 sipp -nostdin -sf "$HERE/uac-rekey.xml" -i $a -p 5060 -mi $a \
        -mp 6100 -key suite $suite -key key1 "$ca1" -key key2 "$ca2" -d 3000 -m 1 \
        -s bob $b:5060 >"$d/uac/sipp.log" 2>&1) &
    local uac=$!
    PIDS+=("$uac")
    wait $uac || { echo "SIPp uac failed" >&2; tr -d '\033' <"$d/uac/sipp.log" | tail -30 >&2; return 1; }
    wait $uas || { echo "SIPp uas failed" >&2; tr -d '\033' <"$d/uas/sipp.log" | tail -30 >&2; return 1; }
    sleep 1
    stop_capture
    sip_summary "$WORK/$name.pcap"
    python3 "$HERE/sdp_keys.py" "$WORK/$name.pcap" --times | sed 's/^/    key /'
    [ "$(python3 "$HERE/sdp_keys.py" "$WORK/$name.pcap" | wc -l)" = 4 ] ||
        { echo "$name: expected 4 distinct keys in the SDPs" >&2; return 1; }
    check_srtp "$WORK/$name.pcap" || return 1
    publish $name
}

# The same case entirely from the generator (exact 20 ms timing, no SIPp).
make_synth_rekey() {
    synth srtp-synth-rekey --suite AES_CM_128_HMAC_SHA1_80 --caller-hz 480 --callee-hz 1020 \
        --duration 6 --rekey-at 3 --seed 20
    sip_summary "$WORK/srtp-synth-rekey.pcap"
    check_srtp "$WORK/srtp-synth-rekey.pcap" || return 1
    publish srtp-synth-rekey
}

ALL="srtp-sdes-80 srtp-sdes-80-noise srtp-sdes-32 srtp-sdes-gcm128 srtp-sdes-gcm256 srtp-sbc-rtpengine
     srtp-sbc-multicrypto-hold
     srtp-midcall rtp-midcall srtp-reinvite-samekey srtp-reinvite-rekey srtp-synth-rekey srtp-synth"
for name in ${@:-$ALL}; do
    case $name in
        srtp-sdes-80) make_sdes_80 ;;
        srtp-sdes-80-noise) make_sdes_80_noise ;;
        srtp-sdes-32) make_suite_leg srtp-sdes-32 31 AES_CM_128_HMAC_SHA1_32 520 1080 ;;
        srtp-sdes-gcm128) make_suite_leg srtp-sdes-gcm128 35 AEAD_AES_128_GCM 560 1160 ;;
        srtp-sdes-gcm256) make_suite_leg srtp-sdes-gcm256 36 AEAD_AES_256_GCM 580 1240 ;;
        srtp-sbc-rtpengine) make_sbc ;;
        srtp-sbc-multicrypto-hold) make_sbc_multicrypto ;;
        srtp-midcall) make_midcall ;;
        rtp-midcall) make_rtp_midcall ;;
        srtp-reinvite-rekey) make_rekey ;;
        srtp-reinvite-samekey) make_reinvite_samekey ;;
        srtp-synth-rekey) make_synth_rekey ;;
        srtp-synth) make_synth ;;
        *) echo "unknown capture $name; known: $ALL" >&2; exit 2 ;;
    esac
done
echo "done"
