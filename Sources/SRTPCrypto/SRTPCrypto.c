/* libsrtp cipher and authentication types on OpenSSL's libcrypto; see SRTPCrypto.h.

   Per packet:
   - AES-CM: the counter block (salt XOR the IV libsrtp gives, RFC 3711 4.1.1) is set on a
     preallocated EVP counter-mode context, then the payload is XORed with its keystream.
   - AES-GCM: IV, additional data, payload and tag on a preallocated EVP GCM context
     (RFC 7714); the tag is checked by EVP_DecryptFinal_ex.
   - HMAC-SHA1: the inner and outer hash states of the key are computed once (RFC 2104), and a
     packet's tag starts from copies of them. SHA1's state is a plain struct, so a copy is a
     memcpy; EVP's digest and MAC contexts allocate when copied or restarted. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_Init and friends: the only copyable SHA-1 state */
#include "SRTPCrypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

/* libsrtp's own known-answer test vectors, exported by the library (not declared in its
   installed headers). srtp_replace_*_type runs them on the replacement as well. */
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_192_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_256_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_256_test_case_0;
extern const srtp_auth_test_case_t srtp_hmac_test_case_0;

enum {
    salt_length = 14,      /* AES-CM master and session salt (RFC 3711) */
    gcm_salt_length = 12,  /* AES-GCM salt (RFC 7714) */
    sha1_length = 20,
};

/* ------------------------------------------------------------------------------------------ */
/* What both ciphers' states begin with: the EVP context made with the session, and the size of
   the whole state (to wipe it). */

typedef struct {
    EVP_CIPHER_CTX *ctx;
    size_t size;
    int key_size;
} evp_state_t;

static srtp_err_status_t evp_cipher_alloc(srtp_cipher_t **c, const srtp_cipher_type_t *type, int key_len,
                                          int key_size, size_t state_size) {
    srtp_cipher_t *cipher = calloc(1, sizeof *cipher);
    evp_state_t *state = calloc(1, state_size);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!cipher || !state || !ctx) {
        free(cipher);
        free(state);
        EVP_CIPHER_CTX_free(ctx);
        return srtp_err_status_alloc_fail;
    }
    state->ctx = ctx;
    state->size = state_size;
    state->key_size = key_size;
    cipher->type = type;
    cipher->state = state;
    cipher->key_len = key_len;
    cipher->algorithm = type->id;
    *c = cipher;
    return srtp_err_status_ok;
}

static srtp_err_status_t evp_cipher_dealloc(srtp_cipher_t *c) {
    if (!c) return srtp_err_status_bad_param;
    evp_state_t *state = c->state;
    if (state) {
        EVP_CIPHER_CTX_free(state->ctx);
        OPENSSL_cleanse(state, state->size);
        free(state);
    }
    free(c);
    return srtp_err_status_ok;
}

/* ------------------------------------------------------------------------------------------ */
/* AES counter mode */

typedef struct {
    evp_state_t evp;
    uint8_t salt[16]; /* the 14-byte salt, then the two bytes of the block counter (zero) */
} counter_mode_t;

extern const srtp_cipher_type_t calltap_aes_icm_128, calltap_aes_icm_192, calltap_aes_icm_256;

static srtp_err_status_t counter_mode_alloc(srtp_cipher_t **c, int key_len, int tag_len) {
    (void)tag_len;
    switch (key_len) {
    case 16 + salt_length: return evp_cipher_alloc(c, &calltap_aes_icm_128, key_len, 16, sizeof(counter_mode_t));
    case 24 + salt_length: return evp_cipher_alloc(c, &calltap_aes_icm_192, key_len, 24, sizeof(counter_mode_t));
    case 32 + salt_length: return evp_cipher_alloc(c, &calltap_aes_icm_256, key_len, 32, sizeof(counter_mode_t));
    default: return srtp_err_status_bad_param;
    }
}

static srtp_err_status_t counter_mode_init(void *cv, const uint8_t *key) {
    counter_mode_t *state = cv;
    int key_size = state->evp.key_size;
    const EVP_CIPHER *evp = key_size == 32 ? EVP_aes_256_ctr() : key_size == 24 ? EVP_aes_192_ctr() : EVP_aes_128_ctr();
    memset(state->salt, 0, sizeof state->salt);
    memcpy(state->salt, key + key_size, salt_length);
    if (!EVP_CIPHER_CTX_reset(state->evp.ctx) || !EVP_EncryptInit_ex(state->evp.ctx, evp, NULL, key, NULL))
        return srtp_err_status_init_fail;
    return srtp_err_status_ok;
}

static srtp_err_status_t counter_mode_set_iv(void *cv, uint8_t *iv, srtp_cipher_direction_t direction) {
    (void)direction; /* counter mode is its own inverse */
    counter_mode_t *state = cv;
    uint8_t counter[16];
    for (int i = 0; i < 16; i++) counter[i] = state->salt[i] ^ iv[i];
    if (!EVP_EncryptInit_ex(state->evp.ctx, NULL, NULL, NULL, counter)) return srtp_err_status_init_fail;
    return srtp_err_status_ok;
}

static srtp_err_status_t counter_mode_crypt(void *cv, uint8_t *buffer, unsigned int *length) {
    counter_mode_t *state = cv;
    int out = 0;
    if (!EVP_EncryptUpdate(state->evp.ctx, buffer, &out, buffer, (int)*length)) return srtp_err_status_cipher_fail;
    return srtp_err_status_ok;
}

#define COUNTER_MODE_TYPE(bits)                                                                 \
    const srtp_cipher_type_t calltap_aes_icm_##bits = {                                         \
        counter_mode_alloc, evp_cipher_dealloc, counter_mode_init, NULL,                      \
        counter_mode_crypt, counter_mode_crypt, counter_mode_set_iv, NULL,                      \
        "AES-" #bits " counter mode on libcrypto (calltap)",                                    \
        &srtp_aes_icm_##bits##_test_case_0, SRTP_AES_ICM_##bits};
COUNTER_MODE_TYPE(128)
COUNTER_MODE_TYPE(192)
COUNTER_MODE_TYPE(256)

/* ------------------------------------------------------------------------------------------ */
/* AES-GCM */

typedef struct {
    evp_state_t evp;
    int tag_length;
    int encrypting;
} gcm_t;

extern const srtp_cipher_type_t calltap_aes_gcm_128, calltap_aes_gcm_256;

static srtp_err_status_t gcm_alloc(srtp_cipher_t **c, int key_len, int tag_len) {
    if (tag_len != 16 && tag_len != 8) return srtp_err_status_bad_param;
    srtp_err_status_t status;
    switch (key_len) {
    case 16 + gcm_salt_length: status = evp_cipher_alloc(c, &calltap_aes_gcm_128, key_len, 16, sizeof(gcm_t)); break;
    case 32 + gcm_salt_length: status = evp_cipher_alloc(c, &calltap_aes_gcm_256, key_len, 32, sizeof(gcm_t)); break;
    default: return srtp_err_status_bad_param;
    }
    if (status == srtp_err_status_ok) ((gcm_t *)(*c)->state)->tag_length = tag_len;
    return status;
}

/* The salt after the key is libsrtp's to use (it builds the IV); the cipher takes the key. */
static srtp_err_status_t gcm_init(void *cv, const uint8_t *key) {
    gcm_t *state = cv;
    const EVP_CIPHER *evp = state->evp.key_size == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
    if (!EVP_CIPHER_CTX_reset(state->evp.ctx) || !EVP_CipherInit_ex(state->evp.ctx, evp, NULL, key, NULL, 0))
        return srtp_err_status_init_fail;
    return srtp_err_status_ok;
}

/* The IV is 12 bytes, EVP's default for GCM. */
static srtp_err_status_t gcm_set_iv(void *cv, uint8_t *iv, srtp_cipher_direction_t direction) {
    gcm_t *state = cv;
    if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt) return srtp_err_status_bad_param;
    state->encrypting = direction == srtp_direction_encrypt;
    if (!EVP_CipherInit_ex(state->evp.ctx, NULL, NULL, NULL, iv, state->encrypting)) return srtp_err_status_init_fail;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_aad(void *cv, const uint8_t *aad, uint32_t length) {
    gcm_t *state = cv;
    int out = 0;
    if (!EVP_CipherUpdate(state->evp.ctx, NULL, &out, aad, (int)length)) return srtp_err_status_algo_fail;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *cv, uint8_t *buffer, unsigned int *length) {
    gcm_t *state = cv;
    int out = 0;
    if (!state->encrypting || !EVP_EncryptUpdate(state->evp.ctx, buffer, &out, buffer, (int)*length))
        return srtp_err_status_cipher_fail;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *cv, uint8_t *tag, uint32_t *length) {
    gcm_t *state = cv;
    int out = 0;
    uint8_t none[16];
    if (!EVP_EncryptFinal_ex(state->evp.ctx, none, &out)
        || !EVP_CIPHER_CTX_ctrl(state->evp.ctx, EVP_CTRL_GCM_GET_TAG, state->tag_length, tag))
        return srtp_err_status_algo_fail;
    *length = (uint32_t)state->tag_length;
    return srtp_err_status_ok;
}

/* `length` counts the tag at the end of `buffer`; afterwards it counts the plain payload. */
static srtp_err_status_t gcm_decrypt(void *cv, uint8_t *buffer, unsigned int *length) {
    gcm_t *state = cv;
    int out = 0;
    if (state->encrypting || *length < (unsigned int)state->tag_length) return srtp_err_status_bad_param;
    int payload = (int)*length - state->tag_length;
    uint8_t none[16];
    if (!EVP_CIPHER_CTX_ctrl(state->evp.ctx, EVP_CTRL_GCM_SET_TAG, state->tag_length, buffer + payload)
        || !EVP_DecryptUpdate(state->evp.ctx, buffer, &out, buffer, payload))
        return srtp_err_status_cipher_fail;
    if (EVP_DecryptFinal_ex(state->evp.ctx, none, &out) <= 0) return srtp_err_status_auth_fail;
    *length = (unsigned int)payload;
    return srtp_err_status_ok;
}

#define GCM_TYPE(bits)                                                                          \
    const srtp_cipher_type_t calltap_aes_gcm_##bits = {                                         \
        gcm_alloc, evp_cipher_dealloc, gcm_init, gcm_set_aad, gcm_encrypt, gcm_decrypt, gcm_set_iv,    \
        gcm_get_tag, "AES-" #bits " GCM on libcrypto (calltap)",                                \
        &srtp_aes_gcm_##bits##_test_case_0, SRTP_AES_GCM_##bits};
GCM_TYPE(128)
GCM_TYPE(256)

/* ------------------------------------------------------------------------------------------ */
/* HMAC-SHA1 */

typedef struct {
    SHA_CTX inner_start; /* SHA-1 after (key XOR ipad) */
    SHA_CTX outer_start; /* SHA-1 after (key XOR opad) */
    SHA_CTX inner;       /* the tag being computed */
} hmac_t;

extern const srtp_auth_type_t calltap_hmac_sha1;

static srtp_err_status_t hmac_alloc(srtp_auth_t **a, int key_len, int out_len) {
    if (out_len > sha1_length || key_len < 0 || key_len > SHA_CBLOCK) return srtp_err_status_bad_param;
    srtp_auth_t *auth = calloc(1, sizeof *auth);
    hmac_t *state = calloc(1, sizeof *state);
    if (!auth || !state) {
        free(auth);
        free(state);
        return srtp_err_status_alloc_fail;
    }
    auth->type = &calltap_hmac_sha1;
    auth->state = state;
    auth->out_len = out_len;
    auth->key_len = key_len;
    auth->prefix_len = 0;
    *a = auth;
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a) {
    if (a->state) {
        OPENSSL_cleanse(a->state, sizeof(hmac_t));
        free(a->state);
    }
    free(a);
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *statev, const uint8_t *key, int key_len) {
    hmac_t *state = statev;
    if (key_len < 0 || key_len > SHA_CBLOCK) return srtp_err_status_bad_param;
    uint8_t ipad[SHA_CBLOCK], opad[SHA_CBLOCK];
    for (int i = 0; i < SHA_CBLOCK; i++) {
        uint8_t k = i < key_len ? key[i] : 0;
        ipad[i] = k ^ 0x36;
        opad[i] = k ^ 0x5c;
    }
    SHA1_Init(&state->inner_start);
    SHA1_Update(&state->inner_start, ipad, sizeof ipad);
    SHA1_Init(&state->outer_start);
    SHA1_Update(&state->outer_start, opad, sizeof opad);
    state->inner = state->inner_start;
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_start(void *statev) {
    hmac_t *state = statev;
    state->inner = state->inner_start;
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *statev, const uint8_t *message, int length) {
    hmac_t *state = statev;
    SHA1_Update(&state->inner, message, (size_t)length);
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_compute(void *statev, const uint8_t *message, int length, int tag_len,
                                      uint8_t *tag) {
    hmac_t *state = statev;
    if (tag_len > sha1_length) return srtp_err_status_bad_param;
    uint8_t digest[sha1_length];
    SHA1_Update(&state->inner, message, (size_t)length);
    SHA1_Final(digest, &state->inner);
    SHA_CTX outer = state->outer_start;
    SHA1_Update(&outer, digest, sizeof digest);
    SHA1_Final(digest, &outer);
    memcpy(tag, digest, (size_t)tag_len);
    return srtp_err_status_ok;
}

const srtp_auth_type_t calltap_hmac_sha1 = {
    hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update, hmac_start,
    "HMAC-SHA1 on libcrypto (calltap)", &srtp_hmac_test_case_0, SRTP_HMAC_SHA1};

/* ------------------------------------------------------------------------------------------ */

int calltap_srtp_use_libcrypto(void) {
    const srtp_cipher_type_t *ciphers[] = {
        &calltap_aes_icm_128, &calltap_aes_icm_192, &calltap_aes_icm_256,
        &calltap_aes_gcm_128, &calltap_aes_gcm_256,
    };
    for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++) {
        srtp_err_status_t status = srtp_replace_cipher_type(ciphers[i], ciphers[i]->id);
        if (status != srtp_err_status_ok) return (int)status;
    }
    return (int)srtp_replace_auth_type(&calltap_hmac_sha1, SRTP_HMAC_SHA1);
}
