/*
 * srtp_check: unprotect every SRTP/SRTCP packet of a pcap with libsrtp2 and count the
 * packets that authenticate, per stream. It proves that a capture's media can be decrypted
 * with the keys its SDP shows (or fails for the packets it should fail for).
 *
 *   cc -O2 -o srtp_check srtp_check.c -lsrtp2 -lpcap
 *   srtp_check [--mki VALUE:LEN] [--dump DIR] FILE.pcap SPEC...
 *
 * SPEC is  IP:PORT=SUITE:BASE64   the key (base64 of master key || master salt, exactly as
 * in a=crypto inline:) with which IP:PORT SENDS its RTP (the address and port of that
 * side's own SDP, which sends symmetric RTP); its RTCP comes from PORT+1 with the same key.
 * Give several SPECs for one IP:PORT when its keys change (re-INVITE): each key has its own
 * libsrtp session and a packet counts as ok when one of them authenticates it.
 * SUITE: AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80,
 * AES_256_CM_HMAC_SHA1_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM.
 * --dump DIR writes the decrypted payload of each RTP stream to DIR/SRC_IP-PORT-SSRC.raw.
 * UDP packets from an address without a SPEC are ignored (SIP, plain RTP legs).
 *
 * Output: one line per stream (source, destination, SSRC), e.g.
 *   rtp  127.0.30.1:10000 > 127.0.30.2:10002 ssrc 0x1234abcd packets 300 ok 300 [300]
 *        auth-fail 0 replay 0 other 0 truncated 0 seq 1000..1299 time 0.512..6.492
 * (time: first and last packet, seconds from the file's first packet)
 * The [..] list is the ok count per key of that source, in SPEC order.
 * An RTCP packet that fails but whose length fields add up to exactly its UDP payload is
 * counted as plain-rtcp (sent unencrypted), not as a failure.
 * With a _32 suite, an SRTCP packet that fails with the 80-bit SRTCP tag RFC 4568 requires
 * but authenticates with a 32-bit tag is counted as srtcp-tag32 (libre/baresip does this).
 * Exit status: 0 when every packet checked authenticated (or was plain RTCP), 1 otherwise,
 * 2 on usage errors.
 */
#include <arpa/inet.h>
#include <pcap.h>
#include <srtp2/srtp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 64
#define MAX_STREAMS 256

struct keyspec {
    uint32_t ip;
    uint16_t port;
    char suite[40];
    unsigned char key[64];
    int keylen;
    srtp_t session;
    srtp_t alt; /* _32 suites: SRTCP with a 32-bit tag (not RFC 4568's 80), or NULL */
};

struct stream {
    int rtcp;
    uint32_t sip, dip, ssrc;
    uint16_t sport, dport;
    long packets, ok, auth_fail, replay, other, truncated, plain, tag32;
    long ok_per_key[MAX_KEYS];
    int have_seq;
    double t_first, t_last;
    uint16_t first_seq, last_seq;
    FILE *dump;
};

static struct keyspec keys[MAX_KEYS];
static int nkeys;
static struct stream streams[MAX_STREAMS];
static int nstreams;
static unsigned char mki_id[16];
static unsigned int mki_size;
static const char *dump_dir;
static double t_now, t_zero = -1;
static int ignored;

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int b64decode(const char *in, unsigned char *out, int max)
{
    int n = 0, bits = 0;
    unsigned acc = 0;
    for (; *in && *in != '='; in++) {
        int v = b64val((unsigned char)*in);
        if (v < 0) return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= max) return -1;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static int set_policy(srtp_crypto_policy_t *p, const char *suite, int rtcp, int *keylen)
{
    if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
        *keylen = 30;
    } else if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_32")) {
        /* RFC 4568 6.2.1: SRTCP keeps the 80-bit tag with this suite */
        if (rtcp) srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
        else srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p);
        *keylen = 30;
    } else if (!strcmp(suite, "AES_256_CM_HMAC_SHA1_80")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(p);
        *keylen = 46;
    } else if (!strcmp(suite, "AES_256_CM_HMAC_SHA1_32")) {
        if (rtcp) srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(p);
        else srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(p);
        *keylen = 46;
    } else if (!strcmp(suite, "AEAD_AES_128_GCM")) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(p);
        *keylen = 28;
    } else if (!strcmp(suite, "AEAD_AES_256_GCM")) {
        srtp_crypto_policy_set_aes_gcm_256_16_auth(p);
        *keylen = 44;
    } else {
        return -1;
    }
    return 0;
}

static int add_key(const char *spec)
{
    char buf[512], *eq, *colon, *suite, *b64;
    struct keyspec *k;
    struct in_addr a;
    srtp_policy_t pol;
    srtp_master_key_t mk, *mkp[1];
    int need;

    if (nkeys >= MAX_KEYS || strlen(spec) >= sizeof buf) return -1;
    strcpy(buf, spec);
    eq = strchr(buf, '=');
    if (!eq) return -1;
    *eq = 0;
    colon = strrchr(buf, ':');
    if (!colon) return -1;
    *colon = 0;
    if (!inet_aton(buf, &a)) return -1;
    suite = eq + 1;
    b64 = strchr(suite, ':');
    if (!b64) return -1;
    *b64++ = 0;
    k = &keys[nkeys];
    k->ip = a.s_addr;
    k->port = (uint16_t)atoi(colon + 1);
    snprintf(k->suite, sizeof k->suite, "%s", suite);
    k->keylen = b64decode(b64, k->key, sizeof k->key);

    memset(&pol, 0, sizeof pol);
    if (set_policy(&pol.rtp, suite, 0, &need) || set_policy(&pol.rtcp, suite, 1, &need)) {
        ignored++; /* e.g. rtpengine's AES_192_CM, F8 and NULL offers: no policy here */
        return 0;
    }
    if (k->keylen != need) {
        fprintf(stderr, "%s: key is %d bytes, suite needs %d\n", spec, k->keylen, need);
        return -1;
    }
    pol.ssrc.type = ssrc_any_inbound;
    pol.window_size = 1024;
    pol.allow_repeat_tx = 0;
    if (mki_size) {
        mk.key = k->key;
        mk.mki_id = mki_id;
        mk.mki_size = mki_size;
        mkp[0] = &mk;
        pol.keys = mkp;
        pol.num_master_keys = 1;
    } else {
        pol.key = k->key;
    }
    if (srtp_create(&k->session, &pol) != srtp_err_status_ok) {
        fprintf(stderr, "%s: srtp_create failed\n", spec);
        return -1;
    }
    k->alt = NULL;
    if (strstr(suite, "_32")) {
        set_policy(&pol.rtcp, suite, 0, &need); /* the RTP policy: 32-bit tag */
        if (srtp_create(&k->alt, &pol) != srtp_err_status_ok) k->alt = NULL;
    }
    nkeys++;
    return 0;
}

static struct stream *find_stream(int rtcp, uint32_t sip, uint16_t sport, uint32_t dip,
                                  uint16_t dport, uint32_t ssrc)
{
    int i;
    for (i = 0; i < nstreams; i++) {
        struct stream *s = &streams[i];
        if (s->rtcp == rtcp && s->sip == sip && s->sport == sport && s->dip == dip &&
            s->dport == dport && s->ssrc == ssrc)
            return s;
    }
    if (nstreams >= MAX_STREAMS) return NULL;
    memset(&streams[nstreams], 0, sizeof streams[0]);
    streams[nstreams].rtcp = rtcp;
    streams[nstreams].sip = sip;
    streams[nstreams].sport = sport;
    streams[nstreams].dip = dip;
    streams[nstreams].dport = dport;
    streams[nstreams].ssrc = ssrc;
    if (dump_dir && !rtcp) {
        char path[1024], ip[32];
        struct in_addr a = {sip};
        snprintf(ip, sizeof ip, "%s", inet_ntoa(a));
        snprintf(path, sizeof path, "%s/%s-%u-%08x.raw", dump_dir, ip, sport, ssrc);
        streams[nstreams].dump = fopen(path, "wb");
    }
    return &streams[nstreams++];
}

/* an unencrypted compound RTCP packet: its length fields add up to exactly the UDP payload
 * (an SRTCP packet is longer by its 4-byte E+index word and its tag) */
static int plain_rtcp(const unsigned char *p, int len)
{
    int off = 0;
    while (off + 4 <= len) {
        if ((p[off] & 0xC0) != 0x80) return 0;
        off += 4 * ((p[off + 2] << 8 | p[off + 3]) + 1);
    }
    return off == len;
}

static void packet(const unsigned char *ip, int caplen, int wirelen)
{
    int ihl, i, any_key = 0, rtcp, len, udp_len;
    uint32_t sip, dip, ssrc;
    uint16_t sport, dport, keyport;
    const unsigned char *udp, *pl;
    unsigned char buf[4096];
    struct stream *s;
    srtp_err_status_t st = srtp_err_status_fail, best = srtp_err_status_fail;

    if (caplen < 20 || (ip[0] >> 4) != 4 || ip[9] != 17) return;
    ihl = (ip[0] & 15) * 4;
    if (caplen < ihl + 8) return;
    memcpy(&sip, ip + 12, 4);
    memcpy(&dip, ip + 16, 4);
    udp = ip + ihl;
    sport = (uint16_t)(udp[0] << 8 | udp[1]);
    dport = (uint16_t)(udp[2] << 8 | udp[3]);
    udp_len = (udp[4] << 8 | udp[5]) - 8;
    pl = udp + 8;
    len = caplen - ihl - 8;
    if (udp_len < 12 || (pl[0] & 0xC0) != 0x80 || len < 8) return;
    rtcp = pl[1] >= 200 && pl[1] <= 204;
    keyport = rtcp ? (uint16_t)(sport - 1) : sport;
    for (i = 0; i < nkeys; i++)
        if (keys[i].ip == sip && keys[i].port == keyport) any_key = 1;
    if (!any_key && rtcp) { /* rtcp-mux: RTCP on the RTP port */
        keyport = sport;
        for (i = 0; i < nkeys; i++)
            if (keys[i].ip == sip && keys[i].port == keyport) any_key = 1;
    }
    if (!any_key) return;
    memcpy(&ssrc, pl + (rtcp ? 4 : 8), 4);
    s = find_stream(rtcp, sip, sport, dip, dport, ntohl(ssrc));
    if (!s) return;
    if (!s->packets) s->t_first = t_now;
    s->t_last = t_now;
    s->packets++;
    if (caplen < wirelen || len < udp_len || udp_len > (int)sizeof buf) {
        s->truncated++;
        return;
    }
    if (!rtcp) {
        uint16_t seq = (uint16_t)(pl[2] << 8 | pl[3]);
        if (!s->have_seq) s->first_seq = seq;
        s->have_seq = 1;
        s->last_seq = seq;
    }
    for (i = 0; i < nkeys; i++) {
        int n = udp_len;
        if (keys[i].ip != sip || keys[i].port != keyport) continue;
        memcpy(buf, pl, (size_t)n);
        if (rtcp)
            st = mki_size ? srtp_unprotect_rtcp_mki(keys[i].session, buf, &n, 1)
                          : srtp_unprotect_rtcp(keys[i].session, buf, &n);
        else
            st = mki_size ? srtp_unprotect_mki(keys[i].session, buf, &n, 1)
                          : srtp_unprotect(keys[i].session, buf, &n);
        if (st == srtp_err_status_ok) {
            s->ok++;
            s->ok_per_key[i]++;
            if (s->dump) {
                int cc = buf[0] & 15, off = 12 + 4 * cc;
                if (buf[0] & 0x10 && n >= off + 4) off += 4 + 4 * (buf[off + 2] << 8 | buf[off + 3]);
                if (buf[0] & 0x20 && n > off) n -= buf[n - 1];
                if (n > off) fwrite(buf + off, 1, (size_t)(n - off), s->dump);
            }
            return;
        }
        if (rtcp && keys[i].alt) {
            n = udp_len;
            memcpy(buf, pl, (size_t)n);
            if ((mki_size ? srtp_unprotect_rtcp_mki(keys[i].alt, buf, &n, 1)
                          : srtp_unprotect_rtcp(keys[i].alt, buf, &n)) == srtp_err_status_ok) {
                s->tag32++;
                return;
            }
        }
        if (best == srtp_err_status_fail || st == srtp_err_status_replay_fail ||
            st == srtp_err_status_replay_old)
            best = st;
    }
    if (rtcp && plain_rtcp(pl, udp_len)) s->plain++;
    else if (best == srtp_err_status_auth_fail) s->auth_fail++;
    else if (best == srtp_err_status_replay_fail || best == srtp_err_status_replay_old) s->replay++;
    else s->other++;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc;
    struct pcap_pkthdr *h;
    const unsigned char *d;
    int ai = 1, dlt, i, k, bad = 0;

    while (ai < argc && argv[ai][0] == '-') {
        if (!strcmp(argv[ai], "--mki") && ai + 1 < argc) {
            unsigned long v = strtoul(argv[ai + 1], NULL, 0);
            char *c = strchr(argv[ai + 1], ':');
            mki_size = c ? (unsigned)atoi(c + 1) : 4;
            if (mki_size == 0 || mki_size > sizeof mki_id) return 2;
            for (i = (int)mki_size - 1; i >= 0; i--, v >>= 8) mki_id[i] = (unsigned char)v;
            ai += 2;
        } else if (!strcmp(argv[ai], "--dump") && ai + 1 < argc) {
            dump_dir = argv[ai + 1];
            ai += 2;
        } else {
            break;
        }
    }
    if (argc - ai < 2) {
        fprintf(stderr, "usage: %s [--mki VALUE:LEN] [--dump DIR] FILE.pcap "
                        "IP:PORT=SUITE:BASE64KEY...\n", argv[0]);
        return 2;
    }
    if (srtp_init() != srtp_err_status_ok) return 2;
    for (i = ai + 1; i < argc; i++)
        if (add_key(argv[i])) {
            fprintf(stderr, "bad key spec %s\n", argv[i]);
            return 2;
        }
    if (ignored)
        fprintf(stderr, "ignored %d key spec(s) of suites not checked here (AES_192_CM, F8, NULL)\n",
                ignored);
    pc = pcap_open_offline(argv[ai], err);
    if (!pc) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    dlt = pcap_datalink(pc);
    while (pcap_next_ex(pc, &h, &d) == 1) {
        int off, ethertype;
        if (dlt == DLT_EN10MB) {
            off = 14;
            if (h->caplen < 14) continue;
            ethertype = d[12] << 8 | d[13];
            while ((ethertype == 0x8100 || ethertype == 0x88a8) && (int)h->caplen >= off + 4) {
                ethertype = d[off + 2] << 8 | d[off + 3];
                off += 4;
            }
            if (ethertype != 0x0800) continue;
        } else if (dlt == DLT_LINUX_SLL) {
            off = 16;
        } else if (dlt == DLT_NULL) {
            off = 4;
        } else if (dlt == DLT_RAW || dlt == 12) {
            off = 0;
        } else {
            fprintf(stderr, "unsupported link type %d\n", dlt);
            return 2;
        }
        t_now = (double)h->ts.tv_sec + h->ts.tv_usec / 1e6;
        if (t_zero < 0) t_zero = t_now;
        t_now -= t_zero;
        if ((int)h->caplen <= off) continue;
        packet(d + off, (int)h->caplen - off, (int)h->len - off);
    }
    pcap_close(pc);

    for (i = 0; i < nstreams; i++) {
        struct stream *s = &streams[i];
        char a[32], b[32];
        struct in_addr x = {s->sip}, y = {s->dip};
        snprintf(a, sizeof a, "%s", inet_ntoa(x));
        snprintf(b, sizeof b, "%s", inet_ntoa(y));
        printf("%-4s %s:%u > %s:%u ssrc 0x%08x packets %ld ok %ld [", s->rtcp ? "rtcp" : "rtp",
               a, s->sport, b, s->dport, s->ssrc, s->packets, s->ok);
        for (k = 0, ai = 0; k < nkeys; k++) {
            uint16_t kp = s->rtcp ? (uint16_t)(s->sport - 1) : s->sport;
            if (keys[k].ip != s->sip || (keys[k].port != kp && keys[k].port != s->sport))
                continue;
            printf("%s%ld", ai++ ? "," : "", s->ok_per_key[k]);
        }
        printf("] auth-fail %ld replay %ld other %ld truncated %ld", s->auth_fail, s->replay,
               s->other, s->truncated);
        if (s->rtcp) printf(" plain-rtcp %ld srtcp-tag32 %ld", s->plain, s->tag32);
        if (!s->rtcp) printf(" seq %u..%u", s->first_seq, s->last_seq);
        printf(" time %.3f..%.3f", s->t_first, s->t_last);
        printf("\n");
        if (s->ok + s->plain + s->tag32 != s->packets) bad = 1;
        if (s->dump) fclose(s->dump);
    }
    if (!nstreams) {
        printf("no SRTP packet from any keyed address\n");
        bad = 1;
    }
    return bad;
}
