/* Time and allocations per decrypted SRTP packet, libsrtp's own crypto (NSS on Debian) against
 * calltap's on libcrypto (Sources/SRTPCrypto), in one process: per suite, 20,000 packets of 20 ms
 * G.711 (160-byte payload) are protected once and unprotected three times by each; the best run
 * is printed. Allocations are counted by Benchmarks/malloc_count.c, linked in (it replaces
 * malloc for the libraries too), and lock acquisitions by the wrappers below (libcrypto and NSS
 * lock with pthread mutexes and read-write locks). `make bench-srtp` builds and runs it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "SRTPCrypto.h"

long malloc_count_total(void);

static long locks;
int pthread_mutex_lock(pthread_mutex_t *m) {
    static int (*real)(pthread_mutex_t *);
    if (!real) real = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
    __atomic_add_fetch(&locks, 1, __ATOMIC_RELAXED);
    return real(m);
}
int pthread_rwlock_rdlock(pthread_rwlock_t *l) {
    static int (*real)(pthread_rwlock_t *);
    if (!real) real = (int (*)(pthread_rwlock_t *))dlsym(RTLD_NEXT, "pthread_rwlock_rdlock");
    __atomic_add_fetch(&locks, 1, __ATOMIC_RELAXED);
    return real(l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t *l) {
    static int (*real)(pthread_rwlock_t *);
    if (!real) real = (int (*)(pthread_rwlock_t *))dlsym(RTLD_NEXT, "pthread_rwlock_wrlock");
    __atomic_add_fetch(&locks, 1, __ATOMIC_RELAXED);
    return real(l);
}

typedef struct {
    double ns;
    double allocations;
    double locks;
} cost_t;

enum { packets = 20000, payload = 160, header = 12 };

typedef struct {
    const char *name;
    void (*set)(srtp_crypto_policy_t *);
    int key_length;
} suite_t;

static const suite_t suites[] = {
    {"AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default, 30},
    {"AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, 30},
    {"AES_256_CM_HMAC_SHA1_80", srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 46},
    {"AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth, 28},
    {"AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth, 44},
};

static srtp_t session(const suite_t *suite, uint8_t *key) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    suite->set(&policy.rtp);
    suite->set(&policy.rtcp);
    policy.ssrc.type = ssrc_specific;
    policy.ssrc.value = 0x11223344;
    policy.key = key;
    policy.window_size = 1024;
    srtp_t s = NULL;
    if (srtp_create(&s, &policy) != srtp_err_status_ok) { fprintf(stderr, "srtp_create failed\n"); exit(1); }
    return s;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Unprotects every packet with a fresh session: the best time of three, allocations and locks,
   per packet. */
static cost_t measure(const suite_t *suite, uint8_t *key, uint8_t (*wire)[256], int *lengths) {
    static uint8_t buffer[256];
    cost_t best = {1e9, 0, 0};
    for (int run = 0; run < 3; run++) {
        srtp_t s = session(suite, key);
        long allocations = malloc_count_total(), locked = locks;
        double start = now();
        for (int i = 0; i < packets; i++) {
            int length = lengths[i];
            memcpy(buffer, wire[i], (size_t)length);
            if (srtp_unprotect(s, buffer, &length) != srtp_err_status_ok) { fprintf(stderr, "unprotect failed\n"); exit(1); }
        }
        double ns = (now() - start) * 1e9 / packets;
        if (ns < best.ns) best.ns = ns;
        best.allocations = (double)(malloc_count_total() - allocations) / packets;
        best.locks = (double)(locks - locked) / packets;
        srtp_dealloc(s);
    }
    return best;
}

int main(void) {
    static uint8_t wire[packets][256];
    static int lengths[packets];
    static cost_t own[5];
    if (srtp_init() != srtp_err_status_ok) return 1;
    srand(7);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && calltap_srtp_use_libcrypto() != 0) { fprintf(stderr, "replacing libsrtp's crypto failed\n"); return 1; }
        for (size_t k = 0; k < sizeof suites / sizeof suites[0]; k++) {
            uint8_t key[46];
            for (int i = 0; i < 46; i++) key[i] = (uint8_t)rand();
            srtp_t sender = session(&suites[k], key);
            for (int i = 0; i < packets; i++) {
                uint8_t *p = wire[i];
                memset(p, 0, header);
                p[0] = 0x80;
                p[2] = (uint8_t)(i >> 8); p[3] = (uint8_t)i;
                uint32_t ts = (uint32_t)i * payload;
                p[4] = (uint8_t)(ts >> 24); p[5] = (uint8_t)(ts >> 16); p[6] = (uint8_t)(ts >> 8); p[7] = (uint8_t)ts;
                p[8] = 0x11; p[9] = 0x22; p[10] = 0x33; p[11] = 0x44;
                for (int j = 0; j < payload; j++) p[header + j] = (uint8_t)(j + i);
                lengths[i] = header + payload;
                if (srtp_protect(sender, p, &lengths[i]) != srtp_err_status_ok) { fprintf(stderr, "protect failed\n"); return 1; }
            }
            srtp_dealloc(sender);
            cost_t cost = measure(&suites[k], key, wire, lengths);
            if (pass == 0) {
                own[k] = cost;
            } else {
                printf("%-24s libsrtp's own: %5.0f ns %5.1f allocations %5.1f locks | libcrypto: %5.0f ns %5.1f allocations %5.1f locks\n",
                       suites[k].name, own[k].ns, own[k].allocations, own[k].locks, cost.ns, cost.allocations, cost.locks);
            }
        }
    }
    fflush(stdout);
    return 0;
}
