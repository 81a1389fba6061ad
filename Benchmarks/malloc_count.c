/* Counts calls to malloc, calloc, realloc and posix_memalign in a process (LD_PRELOAD) and prints
 * the totals to stderr at exit. Used by `make alloc-check` to show that the RTP path does not
 * allocate: two replays that differ only in the number of RTP packets must allocate alike.
 * Linked into a program instead, it counts that program's allocations (malloc_count_total). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long count;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);
static char bootstrap[1 << 16];
static size_t bootstrap_used;

static void *from_bootstrap(size_t n) {
    /* dlsym may call calloc before real_calloc is known. */
    void *p = bootstrap + bootstrap_used;
    bootstrap_used += (n + 15) & ~(size_t)15;
    return p;
}

void *malloc(size_t n) {
    if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc");
    atomic_fetch_add(&count, 1);
    return real_malloc(n);
}

void *calloc(size_t a, size_t b) {
    if (!real_calloc) {
        static int resolving;
        if (resolving) return memset(from_bootstrap(a * b), 0, a * b);
        resolving = 1;
        real_calloc = dlsym(RTLD_NEXT, "calloc");
        resolving = 0;
    }
    atomic_fetch_add(&count, 1);
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n) {
    if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc");
    atomic_fetch_add(&count, 1);
    return real_realloc(p, n);
}

int posix_memalign(void **p, size_t a, size_t n) {
    if (!real_memalign) real_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    atomic_fetch_add(&count, 1);
    return real_memalign(p, a, n);
}

void free(void *p) {
    static void (*real_free)(void *);
    if ((char *)p >= bootstrap && (char *)p < bootstrap + sizeof bootstrap) return;
    if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
    real_free(p);
}

/* The count so far, for a program that links this file in (Benchmarks/srtp_bench.c). */
long malloc_count_total(void) { return atomic_load(&count); }

__attribute__((destructor)) static void report(void) {
    fprintf(stderr, "malloc_count: %ld allocations\n", atomic_load(&count));
}
