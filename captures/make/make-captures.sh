#!/bin/bash
# Regenerates calltap's own SIP/RTP captures (captures/sipp-*.pcap) from scratch.
#
# Real peers on loopback: SIPp as caller (uac) and callee (uas), each side sending a known
# sine tone as G.711 RTP with SIPp's rtp_stream; tcpdump -i lo records the call.
# Every capture is then checked with rtp_report.py (tshark + numpy): stream count and the
# dominant frequency of every RTP stream. A failed check stops the script.
#
#   sudo captures/make/make-captures.sh [NAME ...]    # default: all; NAME like sipp-hold
#   OUT=/some/dir captures/make/make-captures.sh      # write somewhere else than captures/
#   KEEP_WORK=1 ...                                    # keep the SIPp logs and raw captures
#
# Needs root (tcpdump on lo) and these Debian 12 packages, installs nothing:
#   sip-tester (SIPp 3.6.1 built with RTP streaming: `sipp -v` shows RTPSTREAM), tcpdump,
#   tcpreplay (tcprewrite), sox, tshark, python3, python3-numpy.
# Addresses: caller 127.0.10.1, callee 127.0.10.2 (IPv4), ::1 (IPv6). Loopback only.
# Rerunning gives equivalent captures: same calls, tones, ports, packet counts within a few
# packets; capture times, Call-IDs/tags (they carry the SIPp pid) and jitter differ.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$(dirname "$HERE")}
REPORT="python3 $HERE/rtp_report.py"
WORK=$(mktemp -d /tmp/calltap-captures.XXXXXX)

CALLER=127.0.10.1
CALLEE=127.0.10.2
V4_FILTER="udp and (host $CALLER or host $CALLEE)"

cleanup() { # stop only our own background jobs that are still running
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

for tool in sipp tcpdump tcprewrite sox tshark python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
case "$(sipp -v 2>&1 || true)" in *RTPSTREAM*) ;; *) echo "this sipp has no rtp_stream support" >&2; exit 1 ;; esac

# tone FILE HZ ENCODING: one second of sine as raw G.711 (mu-law or a-law), 8 kHz.
# Every tone here has a whole number of cycles per second, so rtp_stream's loop is seamless.
tone() {
    sox -n -r 8000 -c 1 -e "$3" -t raw "$1" synth 1 sine "$2" vol 0.5
}

# peer_dir NAME HZ FILE ENCODING: make a working directory for one SIPp peer, holding its
# tone file (the scenarios name it caller.g711 or callee.g711), and print its path.
peer_dir() {
    mkdir -p "$WORK/$1"
    tone "$WORK/$1/$3" "$2" "$4"
    echo "$WORK/$1"
}

CAP_PID=
start_capture() { # FILE FILTER
    : >"$WORK/tcpdump.log"
    # --immediate-mode: without it the last packets can still sit in the kernel's capture
    # ring (up to a 1 s block) when tcpdump is stopped, and would be lost.
    tcpdump -i lo -s 0 --immediate-mode -U -w "$1" "$2" 2>"$WORK/tcpdump.log" &
    CAP_PID=$!
    local i
    for i in $(seq 50); do
        grep -q "listening on" "$WORK/tcpdump.log" && break
        sleep 0.1
    done
    sleep 0.5
}

stop_capture() {
    kill "$CAP_PID"
    wait "$CAP_PID" || true
    cat "$WORK/tcpdump.log" | grep -E "captured|dropped" | sed 's/^/  tcpdump: /'
}

# start_sipp DIR ARGS...: start one SIPp peer in DIR in the background (its screen goes to
# DIR/sipp.log); its pid is left in LAST_PID.
start_sipp() {
    local dir=$1; shift
    (cd "$dir" && exec sipp -nostdin "$@" >"$dir/sipp.log" 2>&1) &
    LAST_PID=$!
}

wait_peer() { # PID NAME DIR: wait for a SIPp peer and insist that it succeeded
    if ! wait "$1"; then
        echo "SIPp $2 failed; its screen:" >&2
        tr -d '\033' <"$3/sipp.log" | tail -40 >&2
        exit 1
    fi
}

# one_call NAME UAC_XML UAS_XML PT CODEC ENCODING CALLER_HZ CALLEE_HZ UAC_D UAS_D TAIL [v6]
# One call: callee SIP :5060 RTP :6000, caller SIP :5060 (IPv6: :5070) RTP :6100.
one_call() {
    local name=$1 uac_xml=$2 uas_xml=$3 pt=$4 codec=$5 enc=$6 chz=$7 ehz=$8 uac_d=$9
    local uas_d=${10} tail=${11} v6=${12:-}
    local cdir edir caller callee cport filter remote
    cdir=$(peer_dir "$name/uac" "$chz" caller.g711 "$enc")
    edir=$(peer_dir "$name/uas" "$ehz" callee.g711 "$enc")
    if [ -n "$v6" ]; then
        caller=::1 callee=::1 cport=5070 remote="[::1]:5060"
        filter="ip6 and udp and (port 5060 or port 5070 or port 6000 or port 6100)"
    else
        caller=$CALLER callee=$CALLEE cport=5060 remote="$CALLEE:5060" filter=$V4_FILTER
    fi
    start_capture "$WORK/$name.pcap" "$filter"
    start_sipp "$edir" -sf "$HERE/$uas_xml" -i "$callee" -p 5060 -mi "$callee" -mp 6000 \
        -rtp_payload "$pt" -key pt "$pt" -key codec "$codec" -d "$uas_d" -m 1
    local uas_pid=$LAST_PID
    sleep 0.5
    start_sipp "$cdir" -sf "$HERE/$uac_xml" -i "$caller" -p "$cport" -mi "$caller" -mp 6100 \
        -rtp_payload "$pt" -key pt "$pt" -key codec "$codec" -d "$uac_d" -m 1 \
        -s callee "$remote"
    local uac_pid=$LAST_PID
    wait_peer "$uac_pid" uac "$cdir"
    wait_peer "$uas_pid" uas "$edir"
    sleep "$tail"
    if [ -n "${TAIL_HOOK:-}" ]; then "$TAIL_HOOK" "$name"; fi
    sleep 1
    stop_capture
}

# options_ping NAME: the callee's address pings the caller's with one OPTIONS, answered 200.
options_ping() {
    local adir=$WORK/$1/options-answer pdir=$WORK/$1/options-ping
    mkdir -p "$adir" "$pdir"
    start_sipp "$adir" -sf "$HERE/options-answer.xml" -i "$CALLER" -p 5060 -m 1
    local answer_pid=$LAST_PID
    sleep 0.3
    start_sipp "$pdir" -sf "$HERE/options-ping.xml" -i "$CALLEE" -p 5060 -m 1 -s caller "$CALLER:5060"
    wait_peer "$LAST_PID" options-ping "$pdir"
    wait_peer "$answer_pid" options-answer "$adir"
}

check() { # FILE ARGS...: rtp_report.py checks; no RTP gaps over 100 ms unless ARGS say so
    $REPORT --gaps 0 "$@"
}

publish() { # NAME: copy a checked capture to OUT
    cp "$WORK/$1.pcap" "$OUT/$1.pcap"
    chmod 644 "$OUT/$1.pcap"
    echo "  wrote $OUT/$1.pcap ($(stat -c %s "$OUT/$1.pcap") bytes)"
}

V4_PAIR_EXPECT() { # CALLER_HZ CALLEE_HZ
    echo "--expect $CALLER:6100>$CALLEE:6000=$1 --expect $CALLEE:6000>$CALLER:6100=$2"
}

make_g711_tones() {
    echo "== sipp-g711-tones: PCMU, caller 700 Hz, callee 1100 Hz, 8 s, BYE"
    one_call sipp-g711-tones uac-call.xml uas-call.xml 0 PCMU mu-law 700 1100 8000 0 1
    # shellcheck disable=SC2046
    check "$WORK/sipp-g711-tones.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 700 1100) || return 1
    publish sipp-g711-tones
}

make_pcma_tones() {
    echo "== sipp-pcma-tones: PCMA, caller 500 Hz, callee 1300 Hz, 6 s, BYE"
    one_call sipp-pcma-tones uac-call.xml uas-call.xml 8 PCMA a-law 500 1300 6000 0 1
    # shellcheck disable=SC2046
    check "$WORK/sipp-pcma-tones.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 500 1300) || return 1
    publish sipp-pcma-tones
}

make_vlan() {
    echo "== sipp-g711-tones-vlan / -qinq: sipp-g711-tones.pcap with 802.1Q tag 100 (+ 802.1ad 200)"
    [ -f "$WORK/sipp-g711-tones.pcap" ] || cp "$OUT/sipp-g711-tones.pcap" "$WORK/"
    tcprewrite --enet-vlan=add --enet-vlan-tag=100 --enet-vlan-cfi=0 --enet-vlan-pri=0 \
        -i "$WORK/sipp-g711-tones.pcap" -o "$WORK/sipp-g711-tones-vlan.pcap"
    # QinQ: a second, outer tag (service tag, TPID 0x88a8) around the 802.1Q tag 100.
    tcprewrite --enet-vlan=add --enet-vlan-tag=200 --enet-vlan-cfi=0 --enet-vlan-pri=0 \
        --enet-vlan-proto=802.1ad \
        -i "$WORK/sipp-g711-tones-vlan.pcap" -o "$WORK/sipp-g711-tones-qinq.pcap"
    [ "$(tshark -r "$WORK/sipp-g711-tones-vlan.pcap" -Y 'vlan.id == 100' | wc -l)" = \
      "$(tshark -r "$WORK/sipp-g711-tones.pcap" | wc -l)" ] || { echo "VLAN tag missing" >&2; exit 1; }
    [ "$(tshark -r "$WORK/sipp-g711-tones-qinq.pcap" -Y 'ieee8021ad.id == 200 && vlan.id == 100' | wc -l)" = \
      "$(tshark -r "$WORK/sipp-g711-tones.pcap" | wc -l)" ] || { echo "QinQ tags missing" >&2; exit 1; }
    # shellcheck disable=SC2046
    check "$WORK/sipp-g711-tones-vlan.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 700 1100) || return 1
    # shellcheck disable=SC2046
    check "$WORK/sipp-g711-tones-qinq.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 700 1100) || return 1
    publish sipp-g711-tones-vlan
    publish sipp-g711-tones-qinq
}

make_ipv6() {
    echo "== sipp-g711-tones-ipv6: PCMU over [::1], caller 700 Hz, callee 1100 Hz, 8 s, BYE"
    one_call sipp-g711-tones-ipv6 uac-call.xml uas-call.xml 0 PCMU mu-law 700 1100 8000 0 1 v6
    check "$WORK/sipp-g711-tones-ipv6.pcap" --calls 1 --streams 2 \
        --expect '[::1]:6100>[::1]:6000=700' --expect '[::1]:6000>[::1]:6100=1100' || return 1
    publish sipp-g711-tones-ipv6
}

make_hold() {
    echo "== sipp-hold: PCMU, 700/1100 Hz, 3 s media, hold (sendonly) 3 s, resume 3 s, BYE"
    one_call sipp-hold uac-hold.xml uas-hold.xml 0 PCMU mu-law 700 1100 3000 0 1
    # shellcheck disable=SC2046
    check "$WORK/sipp-hold.pcap" --calls 1 --streams 2 --gaps 1 $(V4_PAIR_EXPECT 700 1100) ||
        return 1
    publish sipp-hold
}

make_early_media() {
    echo "== sipp-early-media: PCMU, 183+SDP and callee RTP 2 s before 200, then 4 s both ways"
    one_call sipp-early-media uac-call.xml uas-early.xml 0 PCMU mu-law 700 1100 4000 2000 1
    # shellcheck disable=SC2046
    check "$WORK/sipp-early-media.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 700 1100) || return 1
    publish sipp-early-media
}

make_no_bye() {
    echo "== sipp-no-bye: PCMU, 700/1100 Hz, 8 s media, no BYE; 3 s after the media an"
    echo "   out-of-dialog OPTIONS ping (callee -> caller, 200 OK) closes the capture"
    TAIL_HOOK=options_ping one_call sipp-no-bye uac-nobye.xml uas-nobye.xml 0 PCMU mu-law \
        700 1100 8000 8000 2.6
    # shellcheck disable=SC2046
    check "$WORK/sipp-no-bye.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 700 1100) || return 1
    if tshark -r "$WORK/sipp-no-bye.pcap" -Y 'sip.Method == "BYE"' | grep -q .; then
        echo "sipp-no-bye has a BYE" >&2; exit 1
    fi
    [ "$(tshark -r "$WORK/sipp-no-bye.pcap" -Y 'sip.CSeq.method == "OPTIONS"' | wc -l)" = 2 ] ||
        { echo "sipp-no-bye lacks its closing OPTIONS/200" >&2; exit 1; }
    publish sipp-no-bye
}

make_20_calls() {
    # 4 s calls, not 6: 40 streams of 6 s would make a 2.8 MB file (the limit is 2 MB).
    echo "== sipp-20-calls-one-port: 20 overlapping PCMU calls, 150 ms apart, 4 s each;"
    echo "   caller i: SIP :5100+i, RTP :6100+10i, 400+50i Hz; callee: one RTP port :6000, 2000 Hz"
    local name=sipp-20-calls-one-port edir i cdir hz
    local -a uac_pids=() uac_dirs=() expect=()
    edir=$(peer_dir "$name/uas" 2000 callee.g711 mu-law)
    start_capture "$WORK/$name.pcap" "$V4_FILTER"
    # -rtp_threadtasks 4: SIPp's default packs up to 20 streams in one sending thread,
    # which then falls behind and skips packets once ~16 calls are up.
    start_sipp "$edir" -sf "$HERE/uas-call.xml" -i "$CALLEE" -p 5060 -mi "$CALLEE" -mp 6000 \
        -rtp_payload 0 -key pt 0 -key codec PCMU -rtp_threadtasks 4 -m 20
    local uas_pid=$LAST_PID
    sleep 0.5
    for i in $(seq 0 19); do
        hz=$((400 + 50 * i))
        cdir=$(peer_dir "$name/uac$i" "$hz" caller.g711 mu-law)
        start_sipp "$cdir" -sf "$HERE/uac-call.xml" -i "$CALLER" -p $((5100 + i)) -mi "$CALLER" \
            -mp $((6100 + 10 * i)) -rtp_payload 0 -key pt 0 -key codec PCMU -d 4000 -m 1 \
            -s callee "$CALLEE:5060"
        uac_pids+=("$LAST_PID")
        uac_dirs+=("$cdir")
        expect+=(--expect "$CALLER:$((6100 + 10 * i))>$CALLEE:6000=$hz"
                 --expect "$CALLEE:6000>$CALLER:$((6100 + 10 * i))=2000")
        sleep 0.15
    done
    for i in $(seq 0 19); do wait_peer "${uac_pids[$i]}" "uac$i" "${uac_dirs[$i]}"; done
    wait_peer "$uas_pid" uas "$edir"
    sleep 1
    stop_capture
    check "$WORK/$name.pcap" --calls 20 --streams 40 "${expect[@]}" || return 1
    # The callee's side of every call uses the one RTP port 6000, both ways.
    local ports
    ports=$(tshark -r "$WORK/$name.pcap" -Y "rtp && ip.src == $CALLEE" -T fields -e udp.srcport | sort -u)
    [ "$ports" = 6000 ] || { echo "callee RTP source ports: $ports" >&2; exit 1; }
    ports=$(tshark -r "$WORK/$name.pcap" -Y "rtp && ip.dst == $CALLEE" -T fields -e udp.dstport | sort -u)
    [ "$ports" = 6000 ] || { echo "callee RTP destination ports: $ports" >&2; exit 1; }
    publish "$name"
}

# ---- Codec captures: G.722, G.729, Opus, a codec change, SIP over TCP, loss and jitter ----
# Besides the tools above, these need gcc and pkg-config with libopus-dev, libspandsp-dev and
# libbcg729-dev (tone_rtp.c is built on the fly), and ffmpeg: codec_report.py checks every
# tone with ffmpeg's own decoders, independent of the encoders.
# A peer sends a codec with play_pcap_audio: SIPp replays an RTP-only pcap made by
# tone_rtp.c from its -mi/-mp address to the address and port of the other side's SDP,
# with the packets' own RTP headers and their timing (uac-pcap.xml, uas-pcap.xml).
# Every tone pcap: 20 ms packets; caller SSRC 0xCA110001, first seq 1000, first timestamp
# 160000; callee SSRC 0xCA110002, seq 2000, timestamp 320000 (sipp-opus-tones' callee
# differs, see there).
CODEC_REPORT="python3 $HERE/codec_report.py"
TONE_RTP=

tone_rtp() { # ARGS...: run tone_rtp.c, built on first use
    if [ -z "$TONE_RTP" ]; then
        local tool
        for tool in cc pkg-config ffmpeg; do
            command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
        done
        # shellcheck disable=SC2046
        cc -O2 -o "$WORK/tone_rtp" "$HERE/tone_rtp.c" \
            $(pkg-config --cflags --libs opus spandsp libbcg729) -lm
        TONE_RTP=$WORK/tone_rtp
    fi
    "$TONE_RTP" "$@" 2>&1 | sed 's/^/  /'
}

# caller_tone NAME FILE ARGS...: a tone pcap in the caller's directory of capture NAME
caller_tone() {
    local name=$1 file=$2; shift 2
    mkdir -p "$WORK/$name/uac"
    tone_rtp --src "$CALLER:6100" --dst "$CALLEE:6000" "$@" -o "$WORK/$name/uac/$file"
}

callee_tone() { # NAME FILE ARGS...: the same for the callee
    local name=$1 file=$2; shift 2
    mkdir -p "$WORK/$name/uas"
    tone_rtp --src "$CALLEE:6000" --dst "$CALLER:6100" "$@" -o "$WORK/$name/uas/$file"
}

# pcap_call NAME UAC_XML UAS_XML UAC_D FILTER SIPP_ARGS...: one call, callee SIP :5060
# RTP :6000, caller SIP :5060 RTP :6100, peers in $WORK/NAME/uac and $WORK/NAME/uas (their
# tone files made beforehand); SIPP_ARGS go to both peers.
pcap_call() {
    local name=$1 uac_xml=$2 uas_xml=$3 uac_d=$4 filter=$5; shift 5
    local cdir=$WORK/$name/uac edir=$WORK/$name/uas
    mkdir -p "$cdir" "$edir"
    start_capture "$WORK/$name.pcap" "$filter"
    start_sipp "$edir" -sf "$HERE/$uas_xml" -i "$CALLEE" -p 5060 -mi "$CALLEE" -mp 6000 "$@" -m 1
    local uas_pid=$LAST_PID
    sleep 0.5
    start_sipp "$cdir" -sf "$HERE/$uac_xml" -i "$CALLER" -p 5060 -mi "$CALLER" -mp 6100 "$@" \
        -d "$uac_d" -m 1 -s callee "$CALLEE:5060"
    local uac_pid=$LAST_PID
    wait_peer "$uac_pid" uac "$cdir"
    wait_peer "$uas_pid" uas "$edir"
    sleep 1
    stop_capture
}

LEFT="$CALLER:6100>$CALLEE:6000"
RIGHT="$CALLEE:6000>$CALLER:6100"

# codec_check FILE ARGS...: codec_report.py checks, and no RTP inter-arrival gap over 40 ms
# (a take in which the busy machine made SIPp send late fails, and is taken again).
codec_check() {
    $CODEC_REPORT --max-delta 40 "$@"
}

# tones_call NAME CODEC PT RTPMAP ATTR CALLER_HZ CALLEE_HZ [CALLEE_TONE_ARGS...]: an 8 s call
# of one codec, each side one tone, then its checks and publication.
tones_call() {
    local name=$1 codec=$2 pt=$3 rtpmap=$4 attr=$5 chz=$6 ehz=$7; shift 7
    caller_tone "$name" caller.pcap --codec "$codec" --freq "$chz" --duration 8 \
        --ssrc 0xCA110001 --seq 1000 --ts 160000
    callee_tone "$name" callee.pcap --codec "$codec" --freq "$ehz" --duration 8 \
        --ssrc 0xCA110002 --seq 2000 --ts 320000 "$@"
    pcap_call "$name" uac-pcap.xml uas-pcap.xml 8000 "$V4_FILTER" \
        -key pt "$pt" -key rtpmap "$rtpmap" -key attr "$attr"
    codec_check "$WORK/$name.pcap" --calls 1 --streams 2 \
        --expect "$LEFT=$chz" --expect "$RIGHT=$ehz" \
        --stats "$LEFT=400,0,0,0" --stats "$RIGHT=400,0,0,0" || return 1
    publish "$name"
}

make_g722_tones() {
    echo "== sipp-g722-tones: G.722 (PT 9), caller 700 Hz, callee 1100 Hz, 8 s, BYE"
    # A G.722 SDP has no fmtp; the attribute slot carries a=maxptime:20.
    tones_call sipp-g722-tones g722 9 G722/8000 maxptime:20 700 1100
}

make_g722_wideband() {
    echo "== sipp-g722-wideband-tones: G.722, caller 700 Hz, callee 5000 Hz (above 4 kHz:"
    echo "   only a 16 kHz decode keeps it), 8 s, BYE"
    tones_call sipp-g722-wideband-tones g722 9 G722/8000 maxptime:20 700 5000
}

make_g729_tones() {
    echo "== sipp-g729-tones: G.729 (PT 18, annexb=no), caller 700 Hz, callee 1100 Hz, 8 s, BYE"
    tones_call sipp-g729-tones g729 18 G729/8000 "fmtp:18 annexb=no" 700 1100
}

make_opus_tones() {
    echo "== sipp-opus-tones: Opus (PT 111, opus/48000/2, in-band FEC), caller mono 700 Hz,"
    echo "   callee stereo 1100 Hz both channels, 8 s, BYE; the callee's sequence number"
    echo "   and timestamp wrap at its 201st packet"
    # Callee: first seq 65336 and first timestamp 2^32 - 192000, so that both wrap to 0 at
    # packet index 200 (4 s in): 200 packets x 960 ticks = 192000.
    tones_call sipp-opus-tones opus 111 opus/48000/2 "fmtp:111 useinbandfec=1" 700 1100 \
        --channels 2 --freq2 1100 --seq 65336 --ts 4294775296
}

make_reinvite() {
    local name=sipp-g711-to-g722-reinvite
    echo "== $name: PCMU 3 s, re-INVITE to G.722, 3 s, BYE; caller 700 Hz, callee 1100 Hz"
    # The G.722 pcaps continue the PCMU ones: same SSRC, next sequence number, timestamp
    # +160 per packet as if no time had passed between them.
    caller_tone $name caller-1.pcap --codec pcmu --freq 700 --duration 3 \
        --ssrc 0xCA110001 --seq 1000 --ts 160000
    caller_tone $name caller-2.pcap --codec g722 --freq 700 --duration 3 \
        --ssrc 0xCA110001 --seq 1150 --ts 184000
    callee_tone $name callee-1.pcap --codec pcmu --freq 1100 --duration 3 \
        --ssrc 0xCA110002 --seq 2000 --ts 320000
    callee_tone $name callee-2.pcap --codec g722 --freq 1100 --duration 3 \
        --ssrc 0xCA110002 --seq 2150 --ts 344000
    pcap_call $name uac-reinvite.xml uas-reinvite.xml 3000 "$V4_FILTER" \
        -key pt1 0 -key rtpmap1 PCMU/8000 -key pt2 9 -key rtpmap2 G722/8000
    codec_check "$WORK/$name.pcap" --calls 1 --streams 2 \
        --expect "$LEFT=700" --expect "$RIGHT=1100" \
        --stats "$LEFT=300,0,0,0" --stats "$RIGHT=300,0,0,0" || return 1
    [ "$(tshark -r "$WORK/$name.pcap" -Y 'sip.Method == "INVITE"' | wc -l)" = 2 ] ||
        { echo "$name: expected INVITE and re-INVITE" >&2; return 1; }
    publish $name
}

make_tcp_tones() {
    local name=sipp-tcp-tones
    echo "== $name: PCMU, SIP over TCP (sipp -t t1), caller 700 Hz, callee 1100 Hz, 8 s, BYE"
    peer_dir "$name/uac" 700 caller.g711 mu-law >/dev/null
    peer_dir "$name/uas" 1100 callee.g711 mu-law >/dev/null
    pcap_call $name uac-call.xml uas-call.xml 8000 \
        "(udp or tcp) and (host $CALLER or host $CALLEE)" \
        -t t1 -rtp_payload 0 -key pt 0 -key codec PCMU
    # shellcheck disable=SC2046
    check "$WORK/$name.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 700 1100) || return 1
    codec_check "$WORK/$name.pcap" --stats "$LEFT=400,0,0,0" --stats "$RIGHT=400,0,0,0" || return 1
    [ "$(tshark -r "$WORK/$name.pcap" -Y 'sip && udp' | wc -l)" = 0 ] ||
        { echo "$name: SIP over UDP found" >&2; return 1; }
    [ "$(tshark -r "$WORK/$name.pcap" -Y 'sip && tcp' | wc -l)" -ge 7 ] ||
        { echo "$name: SIP over TCP missing" >&2; return 1; }
    publish $name
}

make_loss_jitter() {
    local name=sipp-pcmu-loss-jitter
    echo "== $name: PCMU, caller 700 Hz, callee 1100 Hz, 8 s; the caller's RTP then"
    echo "   impaired by impair_rtp.py: 12 lost, 4 duplicated, 5 reordered, 0..30 ms jitter"
    # The clean call, sent with play_pcap_audio like the codec captures: exactly 400 packets
    # each way from the first 20 ms (SIPp's rtp_stream sometimes starts 100 ms late).
    caller_tone $name caller.pcap --codec pcmu --freq 700 --duration 8 \
        --ssrc 0xCA110001 --seq 1000 --ts 160000
    callee_tone $name callee.pcap --codec pcmu --freq 1100 --duration 8 \
        --ssrc 0xCA110002 --seq 2000 --ts 320000
    pcap_call $name uac-pcap.xml uas-pcap.xml 8000 "$V4_FILTER" \
        -key pt 0 -key rtpmap PCMU/8000 -key attr maxptime:20
    # shellcheck disable=SC2046
    check "$WORK/$name.pcap" --calls 1 --streams 2 $(V4_PAIR_EXPECT 700 1100) || return 1
    codec_check "$WORK/$name.pcap" --stats "$LEFT=400,0,0,0" --stats "$RIGHT=400,0,0,0" || return 1
    mv "$WORK/$name.pcap" "$WORK/$name-clean.pcap"
    python3 "$HERE/impair_rtp.py" "$WORK/$name-clean.pcap" "$WORK/$name.pcap" --stream "$LEFT"
    $CODEC_REPORT "$WORK/$name.pcap" --calls 1 --streams 2 \
        --expect "$LEFT=700" --expect "$RIGHT=1100" \
        --stats "$LEFT=392,12,4,5" --stats "$RIGHT=400,0,0,0" || return 1
    publish $name
}

ALL="sipp-g711-tones sipp-pcma-tones sipp-20-calls-one-port sipp-hold sipp-g711-tones-vlan
     sipp-g711-tones-ipv6 sipp-early-media sipp-no-bye
     sipp-g722-tones sipp-g722-wideband-tones sipp-g729-tones sipp-opus-tones
     sipp-g711-to-g722-reinvite sipp-tcp-tones sipp-pcmu-loss-jitter"
for name in ${@:-$ALL}; do
    case $name in
        sipp-g711-tones) step=make_g711_tones ;;
        sipp-pcma-tones) step=make_pcma_tones ;;
        sipp-20-calls-one-port) step=make_20_calls ;;
        sipp-hold) step=make_hold ;;
        sipp-g711-tones-vlan|sipp-g711-tones-qinq) step=make_vlan ;;
        sipp-g711-tones-ipv6) step=make_ipv6 ;;
        sipp-early-media) step=make_early_media ;;
        sipp-no-bye) step=make_no_bye ;;
        sipp-g722-tones) step=make_g722_tones ;;
        sipp-g722-wideband-tones) step=make_g722_wideband ;;
        sipp-g729-tones) step=make_g729_tones ;;
        sipp-opus-tones) step=make_opus_tones ;;
        sipp-g711-to-g722-reinvite) step=make_reinvite ;;
        sipp-tcp-tones) step=make_tcp_tones ;;
        sipp-pcmu-loss-jitter) step=make_loss_jitter ;;
        *) echo "unknown capture $name; known: $ALL" >&2; exit 2 ;;
    esac
    # A take fails its checks when the shared machine was too busy for SIPp to keep its
    # 20 ms pace (skipped packets): take it again, up to 3 times.
    for attempt in 1 2 3; do
        if $step; then break; fi
        [ "$attempt" = 3 ] && { echo "$name: failed its checks 3 times" >&2; exit 1; }
        echo "$name: checks failed, taking it again"
    done
done
echo "done"
