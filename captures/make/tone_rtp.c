/*
 * tone_rtp: write an RTP-only pcap of a sine tone encoded with a voice codec.
 *
 * calltap's capture corpus uses it to give SIPp peers something to send: SIPp's
 * <exec play_pcap_audio="file.pcap"/> replays the RTP of such a file toward the peer's SDP
 * address, keeping each packet's RTP header and payload and the file's packet timing, and
 * putting its own media address and port as the source. Its second use is the benchmark
 * generator (Benchmarks/generate_capture.py), which asks for raw encoded frames (--raw).
 *
 * Build:  cc -O2 -o tone_rtp tone_rtp.c $(pkg-config --cflags --libs opus spandsp libbcg729) -lm
 *
 *   tone_rtp --codec g722 --freq 700 --duration 8 -o caller.pcap
 *   tone_rtp --codec opus --channels 2 --freq 1100 --freq2 1100 -o callee.pcap
 *   tone_rtp --codec g729 --vad --gate 1000,1000 -o dtx.pcap        (Annex B: SID frames)
 *   tone_rtp --codec l16 --rate 44100 --channels 2 -o l16.pcap      (PT 10; mono: PT 11)
 *   tone_rtp --codec opus --cbr --raw --duration 1 --warmup 1 --freq 300 --freq 305 > frames
 *
 * Codecs (RTP clock; 20 ms packet):
 *   pcmu, pcma  PT 0 / 8, clock 8000, 160 bytes (ITU-T G.711, the reference Sun encoder)
 *   g722        PT 9, clock 8000 (RFC 3551: G.722's clock rate is 8000 though its audio is
 *               16 kHz), 160 bytes at 64 kbit/s; spandsp's encoder fed 16 kHz samples
 *   g729        PT 18, clock 8000, two 10-byte frames (bcg729). With --vad (Annex B), a
 *               silent frame is a 2-byte SID frame or is not sent: a packet holds the voice
 *               frames of its 20 ms and at most one SID frame, last; a packet with nothing
 *               is not sent (its timestamp is skipped); a packet whose first 10 ms is not
 *               sent starts 10 ms (80 ticks) later; the marker bit starts each talkspurt
 *   opus        PT 111 (dynamic), clock 48000 whatever the encoder's rate, 960 ticks per
 *               20 ms; libopus, VOIP application, in-band FEC on (with a 10 % expected
 *               loss, without which libopus adds no FEC data), VBR unless --cbr
 *   l16         16-bit big-endian linear (RFC 3551): --rate 44100 --channels 2 is PT 10,
 *               --rate 44100 --channels 1 is PT 11, any other rate takes a dynamic PT (96)
 *
 * Options:
 *   --codec C          pcmu pcma g722 g729 opus l16 (default pcmu)
 *   --freq HZ          tone frequency (left channel when stereo), default 1000
 *   --freq2 HZ         right channel's tone when stereo (default: same as --freq)
 *   --amplitude A      peak amplitude, fraction of full scale, default 0.5
 *   --duration S       seconds of audio (default 8)
 *   --ptime MS         packet duration, multiple of 10 (default 20)
 *   --rate HZ          sample rate: opus encoder input (default 48000), l16 (default 44100)
 *   --channels N       1 or 2 (opus, l16)
 *   --bitrate BPS      opus bitrate (default 32000 mono, 64000 stereo)
 *   --cbr              opus constant bitrate (every packet the same size)
 *   --complexity N     opus encoder complexity 0..10 (default 10)
 *   --no-fec           opus without in-band FEC
 *   --vad              g729 Annex B VAD/DTX
 *   --gate ON,OFF      the tone is on for ON ms, then silent for OFF ms, repeatedly
 *   --noise A          add deterministic white noise of peak A (fraction of full scale)
 *   --pt N --ssrc X --seq N --ts N     RTP payload type, SSRC, first sequence number and
 *                      timestamp (defaults: the codec's PT, 0x12345678, 0, 0; X may be 0x…)
 *   --src IP:PORT --dst IP:PORT        addresses (default 127.0.10.1:6100 > 127.0.10.2:6000)
 *   --start SEC        capture time of the first packet (default 1700000000)
 *   -o FILE            output pcap (nanosecond pcap, Ethernet, IPv4, UDP with checksums)
 *   --raw              instead of a pcap, write the payloads, one after the other, to stdout
 *                      (-o FILE to write them to a file); every --freq given (repeatable in
 *                      this mode) is encoded by a fresh encoder, --warmup seconds first,
 *                      which are encoded but not written, then --duration seconds. The
 *                      payloads must all have the same size (opus: use --cbr), which is
 *                      printed on stderr as "payload_bytes N"
 *   --warmup S         seconds encoded and not written (--raw only), default 0
 *
 * The tone is phase-continuous over the whole file: sample n is A*sin(2*pi*f*n/rate).
 * On stderr it prints one summary line (packets, bytes, SID frames, payload sizes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <arpa/inet.h>

#include <opus.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <bcg729/encoder.h>

#define MAX_FREQS 4096
#define MAX_PAYLOAD 8192

enum codec { PCMU, PCMA, G722, G729, OPUS, L16 };

struct options {
    enum codec codec;
    double freqs[MAX_FREQS];
    int n_freqs;
    double freq2;
    double amplitude, duration, warmup, noise;
    int ptime, rate, channels, bitrate, cbr, fec, vad, gate_on, gate_off, pt, raw, complexity;
    uint32_t ssrc, seq, ts;
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    int64_t start_ns;
    const char *out;
};

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "tone_rtp: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    exit(2);
}

/* ---- G.711 (the reference Sun Microsystems g711.c algorithm) ---- */

static int seg_search(int val, const int *table)
{
    for (int i = 0; i < 8; i++)
        if (val <= table[i])
            return i;
    return 8;
}

static uint8_t linear_to_ulaw(int16_t sample)
{
    static const int seg_uend[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
    int pcm = sample >> 2, mask;
    if (pcm < 0) { pcm = -pcm; mask = 0x7F; } else { mask = 0xFF; }
    if (pcm > 8159) pcm = 8159;
    pcm += 0x84 >> 2;
    int seg = seg_search(pcm, seg_uend);
    if (seg >= 8) return (uint8_t)(0x7F ^ mask);
    return (uint8_t)(((seg << 4) | ((pcm >> (seg + 1)) & 0xF)) ^ mask);
}

static uint8_t linear_to_alaw(int16_t sample)
{
    static const int seg_aend[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
    int pcm = sample >> 3, mask;
    if (pcm >= 0) { mask = 0xD5; } else { mask = 0x55; pcm = -pcm - 1; }
    int seg = seg_search(pcm, seg_aend);
    if (seg >= 8) return (uint8_t)(0x7F ^ mask);
    int aval = seg << 4;
    aval |= seg < 2 ? (pcm >> 1) & 0xF : (pcm >> seg) & 0xF;
    return (uint8_t)(aval ^ mask);
}

/* ---- the signal ---- */

struct signal {
    double freq[2], amplitude, noise;
    int rate, channels, gate_on, gate_off;
    int64_t n;            /* next sample index */
    uint32_t lcg;         /* noise generator state */
};

/* Fill `frames` sample frames (interleaved when stereo). */
static void signal_take(struct signal *s, int16_t *out, int frames)
{
    for (int i = 0; i < frames; i++, s->n++) {
        int on = 1;
        if (s->gate_on > 0 && s->gate_off > 0) {
            int64_t period = (int64_t)(s->gate_on + s->gate_off) * s->rate / 1000;
            on = (s->n % period) < (int64_t)s->gate_on * s->rate / 1000;
        }
        for (int c = 0; c < s->channels; c++) {
            double v = on ? s->amplitude * sin(2.0 * M_PI * s->freq[c] * (double)s->n / s->rate) : 0.0;
            if (s->noise > 0) {
                s->lcg = s->lcg * 1664525u + 1013904223u;
                v += s->noise * (((double)(s->lcg >> 8) / 8388608.0) - 1.0);
            }
            double x = floor(v * 32767.0 + 0.5);
            if (x > 32767) x = 32767;
            if (x < -32768) x = -32768;
            out[i * s->channels + c] = (int16_t)x;
        }
    }
}

/* ---- encoders: one 'packet' of ptime at a time ---- */

struct encoder {
    enum codec codec;
    struct signal sig;
    int ptime, samples_per_packet;      /* per channel, at the signal's rate */
    int ts_step;                        /* RTP ticks per packet */
    g722_encode_state_t *g722;
    bcg729EncoderChannelContextStruct *g729;
    OpusEncoder *opus;
    long sid_frames, untransmitted_frames;
};

/* One packet's worth of audio. For G.729 with DTX a packet may be split (see the top
 * comment): up to 2 payloads come back, with their timestamp offsets in ticks; the
 * count of payloads (0, 1 or 2) is returned. */
static int encoder_packet(struct encoder *e, uint8_t payload[2][MAX_PAYLOAD], int len[2],
                          int ts_off[2])
{
    int16_t pcm[48000 / 1000 * 120 * 2];
    int n = e->samples_per_packet;
    signal_take(&e->sig, pcm, n);
    switch (e->codec) {
    case PCMU:
        for (int i = 0; i < n; i++) payload[0][i] = linear_to_ulaw(pcm[i]);
        len[0] = n; ts_off[0] = 0;
        return 1;
    case PCMA:
        for (int i = 0; i < n; i++) payload[0][i] = linear_to_alaw(pcm[i]);
        len[0] = n; ts_off[0] = 0;
        return 1;
    case G722:
        len[0] = g722_encode(e->g722, payload[0], pcm, n);
        ts_off[0] = 0;
        return 1;
    case L16:
        for (int i = 0; i < n * e->sig.channels; i++) {
            payload[0][2 * i] = (uint8_t)((uint16_t)pcm[i] >> 8);
            payload[0][2 * i + 1] = (uint8_t)(pcm[i] & 0xFF);
        }
        len[0] = 2 * n * e->sig.channels; ts_off[0] = 0;
        return 1;
    case OPUS: {
        int r = opus_encode(e->opus, pcm, n, payload[0], MAX_PAYLOAD);
        if (r < 0) die("opus_encode failed:", opus_strerror(r));
        len[0] = r; ts_off[0] = 0;
        return 1;
    }
    case G729: {
        /* frames of 10 ms: gather voice frames into the current payload; a SID frame
         * ends a payload; an untransmitted frame ends it too, and the next payload starts
         * at the next frame's timestamp. */
        int count = 0, open = 0;
        for (int f = 0; f < n / 80; f++) {
            uint8_t bits[10];
            uint8_t bl = 0;
            bcg729Encoder(e->g729, pcm + 80 * f, bits, &bl);
            if (bl == 0) { e->untransmitted_frames++; open = 0; continue; }
            if (!open) {
                if (count == 2) die("internal: more than 2 payloads in a packet", NULL);
                len[count] = 0; ts_off[count] = 80 * f; count++; open = 1;
            }
            memcpy(payload[count - 1] + len[count - 1], bits, bl);
            len[count - 1] += bl;
            if (bl == 2) { e->sid_frames++; open = 0; }
        }
        return count;
    }
    }
    return 0;
}

static void encoder_init(struct encoder *e, const struct options *o, double freq)
{
    memset(e, 0, sizeof *e);
    e->codec = o->codec;
    e->ptime = o->ptime;
    e->sig.freq[0] = freq;
    e->sig.freq[1] = o->freq2 > 0 ? o->freq2 : freq;
    e->sig.amplitude = o->amplitude;
    e->sig.noise = o->noise;
    e->sig.rate = o->rate;
    e->sig.channels = o->channels;
    e->sig.gate_on = o->gate_on;
    e->sig.gate_off = o->gate_off;
    e->sig.lcg = 12345;
    e->samples_per_packet = o->rate * o->ptime / 1000;
    int clock = o->codec == OPUS ? 48000 : o->codec == L16 ? o->rate : 8000;
    e->ts_step = clock * o->ptime / 1000;
    switch (o->codec) {
    case G722:
        e->g722 = g722_encode_init(NULL, 64000, 0);
        if (!e->g722) die("g722_encode_init failed", NULL);
        break;
    case G729:
        e->g729 = initBcg729EncoderChannel(o->vad ? 1 : 0);
        if (!e->g729) die("initBcg729EncoderChannel failed", NULL);
        break;
    case OPUS: {
        int err;
        e->opus = opus_encoder_create(o->rate, o->channels, OPUS_APPLICATION_VOIP, &err);
        if (err != OPUS_OK) die("opus_encoder_create:", opus_strerror(err));
        int bitrate = o->bitrate > 0 ? o->bitrate : (o->channels == 2 ? 64000 : 32000);
        opus_encoder_ctl(e->opus, OPUS_SET_BITRATE(bitrate));
        opus_encoder_ctl(e->opus, OPUS_SET_VBR(o->cbr ? 0 : 1));
        opus_encoder_ctl(e->opus, OPUS_SET_INBAND_FEC(o->fec ? 1 : 0));
        opus_encoder_ctl(e->opus, OPUS_SET_PACKET_LOSS_PERC(o->fec ? 10 : 0));
        opus_encoder_ctl(e->opus, OPUS_SET_COMPLEXITY(o->complexity));
        break;
    }
    default:
        break;
    }
}

static void encoder_free(struct encoder *e)
{
    if (e->g722) g722_encode_free(e->g722);
    if (e->g729) closeBcg729EncoderChannel(e->g729);
    if (e->opus) opus_encoder_destroy(e->opus);
}

/* ---- pcap output ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

static void write_packet(FILE *f, const struct options *o, int64_t t_ns, uint16_t ip_id,
                         int marker, uint16_t seq, uint32_t ts, const uint8_t *payload, int len)
{
    static uint8_t frame[14 + 20 + 8 + 12 + MAX_PAYLOAD];
    int udp_len = 8 + 12 + len, ip_len = 20 + udp_len, frame_len = 14 + ip_len;
    uint8_t *eth = frame, *ip = frame + 14, *udp = ip + 20, *rtp = udp + 8;
    static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x02}, smac[6] = {0x02, 0, 0, 0, 0, 0x01};
    memcpy(eth, dmac, 6);
    memcpy(eth + 6, smac, 6);
    put16(eth + 12, 0x0800);
    ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)ip_len); put16(ip + 4, ip_id);
    put16(ip + 6, 0x4000); ip[8] = 64; ip[9] = 17; put16(ip + 10, 0);
    put32(ip + 12, o->src_ip); put32(ip + 16, o->dst_ip);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    put16(udp, o->src_port); put16(udp + 2, o->dst_port); put16(udp + 4, (uint16_t)udp_len);
    put16(udp + 6, 0);
    rtp[0] = 0x80; rtp[1] = (uint8_t)((marker ? 0x80 : 0) | o->pt);
    put16(rtp + 2, seq); put32(rtp + 4, ts); put32(rtp + 8, o->ssrc);
    memcpy(rtp + 12, payload, (size_t)len);
    uint32_t s = sum16(ip + 12, 8, 17 + (uint32_t)udp_len);
    uint16_t ck = fold(sum16(udp, (size_t)udp_len, s));
    put16(udp + 6, ck ? ck : 0xFFFF);
    uint32_t rec[4] = {(uint32_t)(t_ns / 1000000000), (uint32_t)(t_ns % 1000000000),
                       (uint32_t)frame_len, (uint32_t)frame_len};
    fwrite(rec, 4, 4, f);       /* pcap records are in the host's (little-endian) order */
    fwrite(frame, 1, (size_t)frame_len, f);
}

/* ---- options ---- */

static uint32_t parse_ip(const char *s, uint16_t *port)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    char *colon = strrchr(buf, ':');
    if (!colon) die("address needs IP:PORT:", s);
    *colon = 0;
    *port = (uint16_t)atoi(colon + 1);
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1) die("not an IPv4 address:", s);
    return ntohl(a.s_addr);
}

static void parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->codec = PCMU; o->amplitude = 0.5; o->duration = 8; o->ptime = 20; o->fec = 1;
    o->pt = -1; o->ssrc = 0x12345678; o->start_ns = 1700000000LL * 1000000000LL;
    o->channels = 1; o->complexity = 10;
    o->src_ip = parse_ip("127.0.10.1:6100", &o->src_port);
    o->dst_ip = parse_ip("127.0.10.2:6000", &o->dst_port);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG (v ? (i++, v) : (die("missing value for", a), ""))
        if (!strcmp(a, "--codec")) {
            const char *c = ARG;
            if (!strcmp(c, "pcmu")) o->codec = PCMU;
            else if (!strcmp(c, "pcma")) o->codec = PCMA;
            else if (!strcmp(c, "g722")) o->codec = G722;
            else if (!strcmp(c, "g729")) o->codec = G729;
            else if (!strcmp(c, "opus")) o->codec = OPUS;
            else if (!strcmp(c, "l16")) o->codec = L16;
            else die("unknown codec", c);
        } else if (!strcmp(a, "--freq")) {
            if (o->n_freqs == MAX_FREQS) die("too many --freq", NULL);
            o->freqs[o->n_freqs++] = atof(ARG);
        } else if (!strcmp(a, "--freq2")) o->freq2 = atof(ARG);
        else if (!strcmp(a, "--amplitude")) o->amplitude = atof(ARG);
        else if (!strcmp(a, "--duration")) o->duration = atof(ARG);
        else if (!strcmp(a, "--warmup")) o->warmup = atof(ARG);
        else if (!strcmp(a, "--ptime")) o->ptime = atoi(ARG);
        else if (!strcmp(a, "--rate")) o->rate = atoi(ARG);
        else if (!strcmp(a, "--channels")) o->channels = atoi(ARG);
        else if (!strcmp(a, "--bitrate")) o->bitrate = atoi(ARG);
        else if (!strcmp(a, "--cbr")) o->cbr = 1;
        else if (!strcmp(a, "--complexity")) o->complexity = atoi(ARG);
        else if (!strcmp(a, "--no-fec")) o->fec = 0;
        else if (!strcmp(a, "--vad")) o->vad = 1;
        else if (!strcmp(a, "--gate")) {
            if (sscanf(ARG, "%d,%d", &o->gate_on, &o->gate_off) != 2) die("--gate ON,OFF", NULL);
        } else if (!strcmp(a, "--noise")) o->noise = atof(ARG);
        else if (!strcmp(a, "--pt")) o->pt = atoi(ARG);
        else if (!strcmp(a, "--ssrc")) o->ssrc = (uint32_t)strtoul(ARG, NULL, 0);
        else if (!strcmp(a, "--seq")) o->seq = (uint32_t)strtoul(ARG, NULL, 0);
        else if (!strcmp(a, "--ts")) o->ts = (uint32_t)strtoul(ARG, NULL, 0);
        else if (!strcmp(a, "--src")) o->src_ip = parse_ip(ARG, &o->src_port);
        else if (!strcmp(a, "--dst")) o->dst_ip = parse_ip(ARG, &o->dst_port);
        else if (!strcmp(a, "--start")) o->start_ns = (int64_t)llround(atof(ARG) * 1e9);
        else if (!strcmp(a, "-o") || !strcmp(a, "--out")) o->out = ARG;
        else if (!strcmp(a, "--raw")) o->raw = 1;
        else die("unknown option", a);
#undef ARG
    }
    if (o->n_freqs == 0) o->freqs[o->n_freqs++] = 1000;
    if (o->n_freqs > 1 && !o->raw) die("several --freq need --raw", NULL);
    if (o->ptime < 10 || o->ptime % 10 || o->ptime > 120) die("--ptime must be 10..120, a multiple of 10", NULL);
    if (o->channels < 1 || o->channels > 2) die("--channels must be 1 or 2", NULL);
    switch (o->codec) {
    case PCMU: case PCMA: case G729:
        if (o->channels != 1) die("this codec is mono", NULL);
        o->rate = 8000;
        break;
    case G722:
        if (o->channels != 1) die("this codec is mono", NULL);
        o->rate = 16000;
        break;
    case OPUS:
        if (!o->rate) o->rate = 48000;
        if (o->rate != 8000 && o->rate != 12000 && o->rate != 16000 && o->rate != 24000 && o->rate != 48000)
            die("opus --rate must be 8000, 12000, 16000, 24000 or 48000", NULL);
        if (o->ptime > 60) die("opus --ptime at most 60", NULL);
        break;
    case L16:
        if (!o->rate) o->rate = 44100;
        if (o->rate * o->ptime % 1000) die("--rate * --ptime must be a whole number of samples", NULL);
        break;
    }
    if (o->rate > 48000) die("--rate at most 48000", NULL);
    if ((long)o->rate * o->ptime / 1000 * o->channels * 2 > MAX_PAYLOAD) die("packets too large: lower --ptime", NULL);
    if (o->pt < 0) {
        static const int pts[] = {[PCMU] = 0, [PCMA] = 8, [G722] = 9, [G729] = 18, [OPUS] = 111};
        if (o->codec == L16)
            o->pt = o->rate == 44100 ? (o->channels == 2 ? 10 : 11) : 96;
        else
            o->pt = pts[o->codec];
    }
    if (o->pt < 0 || o->pt > 127) die("--pt must be 0..127", NULL);
    if (o->vad && o->codec != G729) die("--vad is for g729", NULL);
    if (o->complexity < 0 || o->complexity > 10) die("--complexity must be 0..10", NULL);
    if (!o->out && !o->raw) die("-o FILE is needed", NULL);
}

int main(int argc, char **argv)
{
    struct options o;
    parse(argc, argv, &o);
    int64_t packets = (int64_t)llround(o.duration * 1000.0 / o.ptime);
    int64_t warm = (int64_t)llround(o.warmup * 1000.0 / o.ptime);
    static uint8_t payload[2][MAX_PAYLOAD];
    int len[2], ts_off[2];

    if (o.raw) {
        FILE *f = o.out ? fopen(o.out, "wb") : stdout;
        if (!f) die("cannot write", o.out);
        int size = -1;
        for (int k = 0; k < o.n_freqs; k++) {
            struct encoder e;
            encoder_init(&e, &o, o.freqs[k]);
            for (int64_t p = 0; p < warm + packets; p++) {
                int n = encoder_packet(&e, payload, len, ts_off);
                if (n != 1 || ts_off[0] != 0) die("--raw needs one payload per packet (no --vad)", NULL);
                if (p < warm) continue;
                if (size < 0) size = len[0];
                if (len[0] != size) {
                    fprintf(stderr, "tone_rtp: payload of %d bytes after %d (%g Hz, packet %lld)\n",
                            len[0], size, o.freqs[k], (long long)p);
                    die("--raw needs payloads of one size (opus: --cbr)", NULL);
                }
                fwrite(payload[0], 1, (size_t)len[0], f);
            }
            encoder_free(&e);
        }
        if (f != stdout) fclose(f); else fflush(f);
        fprintf(stderr, "payload_bytes %d\n", size);
        return 0;
    }

    FILE *f = fopen(o.out, "wb");
    if (!f) die("cannot write", o.out);
    uint32_t hdr[6] = {0xA1B23C4D, 2 | (4u << 16), 0, 0, 65535, 1};
    fwrite(hdr, 4, 6, f);
    struct encoder e;
    encoder_init(&e, &o, o.freqs[0]);
    uint16_t seq = (uint16_t)o.seq;
    long sent = 0, bytes = 0;
    int min_len = MAX_PAYLOAD, max_len = 0, talking = 0;
    int64_t step_ns = (int64_t)o.ptime * 1000000;
    int64_t tick_ns_num = 1000000000;   /* ns per tick = 1e9 / clock */
    int clock = o.codec == OPUS ? 48000 : o.codec == L16 ? o.rate : 8000;
    for (int64_t p = 0; p < packets; p++) {
        int n = encoder_packet(&e, payload, len, ts_off);
        if (n == 0) talking = 0;
        for (int j = 0; j < n; j++) {
            int64_t t = o.start_ns + p * step_ns + (int64_t)ts_off[j] * tick_ns_num / clock;
            uint32_t ts = o.ts + (uint32_t)(p * e.ts_step) + (uint32_t)ts_off[j];
            /* marker: first packet, and the first packet of each talkspurt after DTX */
            int voice = len[j] >= 10;
            int marker = sent == 0 || (o.vad && voice && !talking);
            write_packet(f, &o, t, (uint16_t)(0x1000 + sent), marker, seq, ts, payload[j], len[j]);
            talking = len[j] % 10 == 0;   /* ends with a voice frame; a SID ends a talkspurt */
            seq++; sent++; bytes += len[j];
            if (len[j] < min_len) min_len = len[j];
            if (len[j] > max_len) max_len = len[j];
        }
    }
    encoder_free(&e);
    fclose(f);
    fprintf(stderr, "tone_rtp: %s: %ld packets, %ld payload bytes (%d..%d per packet), PT %d, "
            "SSRC 0x%08X, seq %u.., ts %u.. (+%d), %ld SID frames, %ld untransmitted frames\n",
            o.out, sent, bytes, min_len, max_len, o.pt, o.ssrc, o.seq & 0xFFFF, o.ts, e.ts_step,
            e.sid_frames, e.untransmitted_frames);
    return 0;
}
