#ifndef CALLTAP_SRTP_CRYPTO_H
#define CALLTAP_SRTP_CRYPTO_H

/* libsrtp's AES counter mode (128, 192, 256), AES-GCM (128, 256) and HMAC-SHA1 on OpenSSL's
   libcrypto, with every context made when a session is made: decrypting a packet allocates
   nothing and takes no lock. Debian builds libsrtp on NSS, which makes a cipher context per
   packet (about 14 allocations each).

   Installs them in libsrtp's crypto kernel in place of its own (libsrtp's srtp_replace_*_type,
   which first runs libsrtp's known-answer tests on each). Call after srtp_init and before the
   first session. Returns 0 (srtp_err_status_ok) or the status of the first type refused; the
   types installed before it stay. */
int calltap_srtp_use_libcrypto(void);

#endif
