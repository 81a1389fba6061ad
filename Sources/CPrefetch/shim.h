#ifndef CALLTAP_CPREFETCH_SHIM_H
#define CALLTAP_CPREFETCH_SHIM_H
/* Cache hints Swift has no words for: each is one instruction once inlined. */

/* Fetch the cache line holding `p` for writing (exclusive), ahead of the stores to it. The
   builtin would give a plain prefetch for the baseline x86-64 target; PREFETCHW is on every
   x86-64 processor this runs on (AMD since K6, Intel since Broadwell; a no-op before). */
static inline void calltap_prefetch_write(const void *p) {
#if defined(__x86_64__)
    __asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p, 1, 3);
#endif
}

/* Fetch the cache line holding `p` for reading, ahead of the loads from it. */
static inline void calltap_prefetch_read(const void *p) {
    __builtin_prefetch(p, 0, 3);
}
#endif
