#include "TLSClient.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    SSL_CTX *context;
    SSL *ssl;
} calltap_tls_session;

static void describe(char *error, size_t size, const char *what) {
    unsigned long code = ERR_get_error();
    char reason[256] = "";
    if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
    snprintf(error, size, "%s%s%s", what, code != 0 ? ": " : "", reason);
    ERR_clear_error();
}

static int is_ip_address(const char *host) {
    unsigned char address[16];
    return inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1;
}

void *calltap_tls_connect(int fd, const char *host, const char *ca_file, char *error, size_t error_size) {
    calltap_tls_session *session = calloc(1, sizeof *session);
    if (session == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    session->context = SSL_CTX_new(TLS_client_method());
    if (session->context == NULL) {
        describe(error, error_size, "cannot make a TLS context");
        goto fail;
    }
    SSL_CTX_set_min_proto_version(session->context, TLS1_2_VERSION);
    SSL_CTX_set_verify(session->context, SSL_VERIFY_PEER, NULL);
    int trusted = ca_file != NULL ? SSL_CTX_load_verify_locations(session->context, ca_file, NULL)
                                  : SSL_CTX_set_default_verify_paths(session->context);
    if (trusted != 1) {
        describe(error, error_size, ca_file != NULL ? "cannot read the CA file" : "cannot read the system's trusted CAs");
        goto fail;
    }
    session->ssl = SSL_new(session->context);
    if (session->ssl == NULL) {
        describe(error, error_size, "cannot make a TLS session");
        goto fail;
    }
    X509_VERIFY_PARAM *parameters = SSL_get0_param(session->ssl);
    if (is_ip_address(host)) {
        X509_VERIFY_PARAM_set1_ip_asc(parameters, host);
    } else {
        SSL_set_tlsext_host_name(session->ssl, host);
        X509_VERIFY_PARAM_set_hostflags(parameters, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(parameters, host, 0);
    }
    SSL_set_fd(session->ssl, fd);
    if (SSL_connect(session->ssl) != 1) {
        long verified = SSL_get_verify_result(session->ssl);
        if (verified != X509_V_OK) {
            snprintf(error, error_size, "the server's certificate is not trusted: %s", X509_verify_cert_error_string(verified));
            ERR_clear_error();
        } else {
            describe(error, error_size, "the TLS handshake failed");
        }
        goto fail;
    }
    return session;
fail:
    if (session->ssl != NULL) SSL_free(session->ssl);
    if (session->context != NULL) SSL_CTX_free(session->context);
    free(session);
    return NULL;
}

long calltap_tls_write(void *opaque, const void *bytes, size_t count) {
    calltap_tls_session *session = opaque;
    size_t written = 0;
    while (written < count) {
        int n = SSL_write(session->ssl, (const char *)bytes + written, (int)(count - written));
        if (n <= 0) return -1;
        written += (size_t)n;
    }
    return (long)written;
}

long calltap_tls_read(void *opaque, void *buffer, size_t capacity) {
    calltap_tls_session *session = opaque;
    int n = SSL_read(session->ssl, buffer, (int)capacity);
    if (n > 0) return n;
    int reason = SSL_get_error(session->ssl, n);
    // A peer that closes without close_notify ends the stream too (HTTP knows the length).
    if (reason == SSL_ERROR_ZERO_RETURN || (reason == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) return 0;
    return -1;
}

void calltap_tls_close(void *opaque) {
    calltap_tls_session *session = opaque;
    SSL_shutdown(session->ssl);
    SSL_free(session->ssl);
    SSL_CTX_free(session->context);
    free(session);
}
