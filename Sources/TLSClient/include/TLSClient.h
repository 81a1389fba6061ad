#ifndef CALLTAP_TLS_CLIENT_H
#define CALLTAP_TLS_CLIENT_H
#include <stddef.h>

/// A TLS 1.2+ client session on a connected socket (OpenSSL): the server's certificate must chain
/// to `ca_file` (or, when NULL, the system's trust store) and name `host` (a DNS name or an IP
/// address). NULL on failure, with the reason in `error`.
void *calltap_tls_connect(int fd, const char *host, const char *ca_file, char *error, size_t error_size);
/// Bytes written (all of them), or -1.
long calltap_tls_write(void *session, const void *bytes, size_t count);
/// Bytes read, 0 at the end of the stream, or -1.
long calltap_tls_read(void *session, void *buffer, size_t capacity);
/// Ends the session (close_notify) and frees it; the socket stays open.
void calltap_tls_close(void *session);

#endif
