/*
 * pcap_pacer: sends the frames of a pcap file on a network interface at the capture's own
 * pace, each at a fixed offset from the start (so late packets never push the rest later),
 * and says how late it was. Benchmarks/bench_live.py compiles and uses it instead of
 * tcpreplay 4.4, which at the capture's pace sleeps from packet to packet and drifts later
 * and later when the cores are busy (its issue #724): in a 2-core benchmark the recorder
 * then sees RTP arrive slower than its clock and, rightly, writes silence.
 *
 *   pcap_pacer -i IFACE [--speed X | --pps N] FILE|-
 *
 * FILE may be a FIFO (the soak feeds one); classic pcap, micro- or nanosecond, Ethernet.
 * Frames are sent with PF_PACKET sendmmsg in batches of the packets that are due: the
 * pacer sends what is due, then sleeps (clock_nanosleep, absolute) until the next packet's
 * time, so a packet leaves at most a timer wake-up (some 50-100 us) after its time unless
 * the cores are busy; it never sends early and never burns a core polling. It prints tcpreplay's summary lines (Actual, Rated, Successful
 * packets, Failed packets) and a Lateness line: how long after its time each packet left.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SNAP 262144

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(int64_t t) {
    struct timespec ts = {t / 1000000000LL, t % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop) {}
}

/* Lateness histogram: bucket k holds [2^k, 2^(k+1)) microseconds, bucket 0 below 1 us. */
static uint64_t hist[40];
static void note_late(int64_t ns) {
    int64_t us = ns / 1000;
    int k = 0;
    while (us > 0 && k < 39) { us >>= 1; k++; }
    hist[k]++;
}
static double quantile_us(uint64_t n, double q) {
    uint64_t want = (uint64_t)(q * (double)n), seen = 0;
    for (int k = 0; k < 40; k++) {
        seen += hist[k];
        if (seen > want) return k == 0 ? 1.0 : (double)(1ULL << k);   /* upper bound */
    }
    return 0;
}

static uint64_t sent, failed, bytes, retried;
static int64_t first_send, last_send, late_max;
static double late_sum;

/* Sends frames [0, count) and notes how late each left. */
static void send_batch(int fd, struct mmsghdr *msgs, struct iovec *iov, const int64_t *due,
                       int count) {
    int64_t t = now_ns();
    if (!first_send) first_send = t;
    for (int i = 0; i < count; i++) {
        int64_t late = t - due[i];
        if (late < 0) late = 0;
        note_late(late);
        late_sum += (double)late;
        if (late > late_max) late_max = late;
    }
    int off = 0;
    while (off < count) {
        int r = sendmmsg(fd, msgs + off, (unsigned)(count - off), 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            if ((errno == ENOBUFS || errno == EAGAIN) && retried < 1000000) {
                retried++;
                continue;
            }
            failed++;                    /* skip the frame that failed */
            off++;
            continue;
        }
        for (int i = 0; i < r; i++) bytes += iov[off + i].iov_len;
        sent += (uint64_t)r;
        off += r;
    }
    last_send = now_ns();
}

int main(int argc, char **argv) {
    const char *ifname = NULL, *path = NULL;
    double speed = 1.0, pps = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-i") && i + 1 < argc) ifname = argv[++i];
        else if (!strcmp(argv[i], "--speed") && i + 1 < argc) speed = atof(argv[++i]);
        else if (!strcmp(argv[i], "--pps") && i + 1 < argc) pps = atof(argv[++i]);
        else if (argv[i][0] != '-' || !strcmp(argv[i], "-")) path = argv[i];
        else { fprintf(stderr, "pcap_pacer: unknown option %s\n", argv[i]); return 2; }
    }
    if (!ifname || !path || speed <= 0 || pps < 0) {
        fprintf(stderr, "usage: pcap_pacer -i IFACE [--speed X | --pps N] FILE|-\n");
        return 2;
    }
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) { perror(path); return 2; }
    setvbuf(f, NULL, _IOFBF, 4 << 20);
    uint32_t gh[6];
    if (fread(gh, 4, 6, f) != 6) { fprintf(stderr, "pcap_pacer: no pcap header\n"); return 2; }
    int64_t frac_ns;
    if (gh[0] == 0xA1B2C3D4u) frac_ns = 1000;
    else if (gh[0] == 0xA1B23C4Du) frac_ns = 1;
    else { fprintf(stderr, "pcap_pacer: not a little-endian classic pcap\n"); return 2; }
    if (gh[5] != 1) { fprintf(stderr, "pcap_pacer: link type %u, not Ethernet\n", gh[5]); return 2; }

    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) { perror("socket(AF_PACKET)"); return 2; }
    struct sockaddr_ll sll = {0};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)if_nametoindex(ifname);
    if (!sll.sll_ifindex) { fprintf(stderr, "pcap_pacer: no interface %s\n", ifname); return 2; }
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror("bind"); return 2; }
    int sndbuf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    static unsigned char frames[BATCH][SNAP];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    int64_t due[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = frames[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    uint64_t n = 0, truncated = 0;
    int64_t t0 = 0, ts0 = 0;
    int pending = 0;

    for (;;) {
        uint32_t rh[4];
        if (stop || fread(rh, 4, 4, f) != 4) break;
        uint32_t incl = rh[2];
        if (incl > SNAP) { fprintf(stderr, "pcap_pacer: frame of %u bytes\n", incl); return 2; }
        if (fread(iov[pending].iov_base, 1, incl, f) != incl) { truncated++; break; }
        iov[pending].iov_len = incl;
        int64_t ts = (int64_t)rh[0] * 1000000000LL + (int64_t)rh[1] * frac_ns;
        if (n == 0) { ts0 = ts; t0 = now_ns() + 1000000; }
        int64_t off = pps > 0 ? (int64_t)((double)n * 1e9 / pps)
                              : (int64_t)((double)(ts - ts0) / speed);
        due[pending] = t0 + (off > 0 ? off : 0);
        n++;
        if (due[pending] > now_ns()) {
            /* Not due yet: send what is, then sleep until this one's time. The frame moves
             * to slot 0 by swapping buffers. */
            if (pending > 0) {
                send_batch(fd, msgs, iov, due, pending);
                void *b = iov[0].iov_base;
                iov[0].iov_base = iov[pending].iov_base;
                iov[pending].iov_base = b;
                iov[0].iov_len = iov[pending].iov_len;
                due[0] = due[pending];
                pending = 0;
            }
            sleep_until(due[0]);
        }
        if (++pending == BATCH) {
            send_batch(fd, msgs, iov, due, pending);
            pending = 0;
        }
    }
    if (pending > 0) send_batch(fd, msgs, iov, due, pending);
    double secs = (double)(last_send - first_send) / 1e9;
    if (secs <= 0) secs = 1e-9;
    printf("Actual: %llu packets (%llu bytes) sent in %.2f seconds\n",
           (unsigned long long)sent, (unsigned long long)bytes, secs);
    printf("Rated: %.1f Bps, %.2f Mbps, %.2f pps\n", (double)bytes / secs,
           (double)bytes * 8 / secs / 1e6, (double)sent / secs);
    printf("Statistics for network device: %s\n", ifname);
    printf("\tSuccessful packets:        %llu\n", (unsigned long long)sent);
    printf("\tFailed packets:            %llu\n", (unsigned long long)failed);
    printf("\tTruncated packets:         %llu\n", (unsigned long long)truncated);
    printf("\tRetried packets (ENOBUFS): %llu\n", (unsigned long long)retried);
    printf("\tRetried packets (EAGAIN):  0\n");
    printf("Lateness: mean %.1f us, p50 < %.0f us, p99 < %.0f us, p99.9 < %.0f us, max %.1f us"
           " (%llu packets)\n", n ? late_sum / (double)n / 1000.0 : 0.0, quantile_us(n, 0.5),
           quantile_us(n, 0.99), quantile_us(n, 0.999), (double)late_max / 1000.0,
           (unsigned long long)n);
    fflush(stdout);
    return stop ? 130 : 0;
}
