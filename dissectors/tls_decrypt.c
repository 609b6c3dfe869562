/* tls_decrypt.c - TLS record keys and AEAD record decryption; see tls_decrypt.h.
 *
 * Nonces and additional data follow RFC 5288 (TLS 1.2 GCM: 4-byte salt || 8-byte
 * explicit nonce; AAD = seq || type || version || length), RFC 7905 (TLS 1.2
 * ChaCha20-Poly1305: IV XOR seq) and RFC 8446 section 5.2 (TLS 1.3: IV XOR seq, AAD =
 * the record header, inner content type after zero padding). The plaintext is only
 * handed back after EVP_DecryptFinal_ex has verified the tag. */
#include "dissectors/tls_decrypt.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#include "common/bytes.h"

#define TLS_DECRYPT_TAG 16

static const struct tls_decrypt_suite {
    uint16_t id;
    uint8_t tls13, chacha, keylen, sha384;
} tls_decrypt_suites[] = {
    {0xC02F, 0, 0, 16, 0}, /* ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    {0xC030, 0, 0, 32, 1}, /* ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
    {0xC02B, 0, 0, 16, 0}, /* ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
    {0xC02C, 0, 0, 32, 1}, /* ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
    {0x009E, 0, 0, 16, 0}, /* DHE_RSA_WITH_AES_128_GCM_SHA256 */
    {0x009F, 0, 0, 32, 1}, /* DHE_RSA_WITH_AES_256_GCM_SHA384 */
    {0x009C, 0, 0, 16, 0}, /* RSA_WITH_AES_128_GCM_SHA256 */
    {0x009D, 0, 0, 32, 1}, /* RSA_WITH_AES_256_GCM_SHA384 */
    {0xCCA8, 0, 1, 32, 0}, /* ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    {0xCCA9, 0, 1, 32, 0}, /* ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
    {0xCCAA, 0, 1, 32, 0}, /* DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    {0x1301, 1, 0, 16, 0}, /* TLS_AES_128_GCM_SHA256 */
    {0x1302, 1, 0, 32, 1}, /* TLS_AES_256_GCM_SHA384 */
    {0x1303, 1, 1, 32, 0}, /* TLS_CHACHA20_POLY1305_SHA256 */
};

static const struct tls_decrypt_suite *tls_decrypt_find(uint16_t id, int tls13)
{
    for (size_t i = 0; i < sizeof tls_decrypt_suites / sizeof tls_decrypt_suites[0]; i++)
        if (tls_decrypt_suites[i].id == id && tls_decrypt_suites[i].tls13 == !!tls13)
            return &tls_decrypt_suites[i];
    return NULL;
}

int tls_decrypt_suite_ok(uint16_t suite, int tls13)
{
    return tls_decrypt_find(suite, tls13) != NULL;
}

long tls_decrypt_overhead(uint16_t suite, int tls13)
{
    const struct tls_decrypt_suite *s = tls_decrypt_find(suite, tls13);
    if (!s || tls13)
        return -1; /* TLS 1.3: padding and the inner type are inside the ciphertext */
    return s->chacha ? TLS_DECRYPT_TAG : 8 + TLS_DECRYPT_TAG;
}

static const EVP_CIPHER *tls_decrypt_cipher(const struct tls_decrypt_suite *s)
{
    if (s->chacha)
        return EVP_chacha20_poly1305();
    return s->keylen == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

/* (Re)key the direction's cipher context; the nonce is set per record. */
static int tls_decrypt_install(struct tls_decrypt_key *k, const struct tls_decrypt_suite *s,
                               const uint8_t *key)
{
    if (!k->ctx && !(k->ctx = EVP_CIPHER_CTX_new()))
        return -1;
    if (EVP_DecryptInit_ex(k->ctx, tls_decrypt_cipher(s), NULL, key, NULL) != 1)
        return -1;
    k->suite = s->id;
    k->tls13 = s->tls13;
    k->chacha = s->chacha;
    k->keylen = s->keylen;
    k->seq = 0;
    return 0;
}

int tls_decrypt_kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t n)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int ok = kc && EVP_KDF_derive(kc, out, n, params) == 1;
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return ok ? 0 : -1;
}

int tls_decrypt_key_tls12(struct tls_decrypt_key *k, uint16_t suite, const uint8_t master[48],
                          const uint8_t cr[32], const uint8_t sr[32], int server)
{
    const struct tls_decrypt_suite *s = tls_decrypt_find(suite, 0);
    if (!s)
        return -1;
    /* key_block = client key, server key, client IV, server IV (no MAC keys: AEAD). */
    size_t ivlen = s->chacha ? 12 : 4;
    uint8_t seed[13 + 64], kb[2 * 32 + 2 * 12];
    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, sr, 32);
    memcpy(seed + 45, cr, 32);
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                         s->sha384 ? "SHA384" : "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, 48),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
        OSSL_PARAM_construct_end(),
    };
    size_t kbl = 2 * (s->keylen + ivlen);
    int rc = -1;
    if (tls_decrypt_kdf("TLS1-PRF", p, kb, kbl) < 0)
        goto out;
    const uint8_t *key = kb + (server ? s->keylen : 0);
    const uint8_t *iv = kb + 2 * s->keylen + (server ? ivlen : 0);
    if (tls_decrypt_install(k, s, key) < 0)
        goto out;
    memset(k->iv, 0, sizeof k->iv);
    memcpy(k->iv, iv, ivlen);
    k->secret_len = 0;
    rc = 0;
out:
    OPENSSL_cleanse(kb, sizeof kb);
    return rc;
}

/* HKDF-Expand-Label(secret, label, "", n) through the TLS13-KDF. */
static int tls_decrypt_expand(const struct tls_decrypt_suite *s, const uint8_t *secret, size_t sl,
                              const char *label, uint8_t *out, size_t n)
{
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                         s->sha384 ? "SHA384" : "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, sl),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, "tls13 ", 6),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label,
                                          strlen(label)),
        OSSL_PARAM_construct_end(),
    };
    return tls_decrypt_kdf("TLS13-KDF", p, out, n);
}

int tls_decrypt_key_tls13(struct tls_decrypt_key *k, uint16_t suite, const uint8_t *secret,
                          size_t len)
{
    const struct tls_decrypt_suite *s = tls_decrypt_find(suite, 1);
    if (!s || len != (s->sha384 ? 48u : 32u))
        return -1;
    uint8_t key[32];
    int rc = -1;
    if (tls_decrypt_expand(s, secret, len, "key", key, s->keylen) < 0 ||
        tls_decrypt_expand(s, secret, len, "iv", k->iv, 12) < 0 ||
        tls_decrypt_install(k, s, key) < 0)
        goto out;
    if (secret != k->secret)
        memcpy(k->secret, secret, len);
    k->secret_len = len;
    rc = 0;
out:
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int tls_decrypt_key_update(struct tls_decrypt_key *k)
{
    const struct tls_decrypt_suite *s = tls_decrypt_find(k->suite, 1);
    uint8_t next[48];
    if (!s || !k->secret_len ||
        tls_decrypt_expand(s, k->secret, k->secret_len, "traffic upd", next, k->secret_len) < 0)
        return -1;
    memcpy(k->secret, next, k->secret_len);
    OPENSSL_cleanse(next, sizeof next);
    return tls_decrypt_key_tls13(k, k->suite, k->secret, k->secret_len);
}

static size_t tls_decrypt_explicit(const struct tls_decrypt_key *k)
{
    return (!k->tls13 && !k->chacha) ? 8 : 0;
}

/* A record's nonce and additional data; the sequence number advances. */
static int tls_decrypt_begin(struct tls_decrypt_key *k, const uint8_t hdr[5], size_t n,
                             const uint8_t *explicit_nonce)
{
    EVP_CIPHER_CTX *c = k->ctx;
    uint64_t seq = k->seq++;
    size_t explicit = tls_decrypt_explicit(k);
    if (!c || n < explicit + TLS_DECRYPT_TAG + (k->tls13 ? 1 : 0))
        return -1;
    uint8_t nonce[12], aad[13];
    size_t aadl;
    memcpy(nonce, k->iv, 12);
    if (explicit) {
        memcpy(nonce + 4, explicit_nonce, 8);
    } else {
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    }
    size_t ctl = n - explicit - TLS_DECRYPT_TAG;
    if (k->tls13) {
        memcpy(aad, hdr, 5);
        aadl = 5;
    } else {
        store_be64(aad, seq);
        memcpy(aad + 8, hdr, 3);
        store_be16(aad + 11, (uint16_t)ctl);
        aadl = 13;
    }
    int tmp;
    if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
        EVP_DecryptUpdate(c, NULL, &tmp, aad, (int)aadl) != 1)
        return -1;
    return 0;
}

/* Decrypt ct[0..ctl) into out and check the 16-byte tag that follows it. */
static long tls_decrypt_finish(struct tls_decrypt_key *k, const uint8_t hdr[5], const uint8_t *ct,
                               size_t ctl, uint8_t *out, uint8_t *type)
{
    int l1 = 0, l2 = 0;
    if (EVP_DecryptUpdate(k->ctx, out, &l1, ct, (int)ctl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_TAG, TLS_DECRYPT_TAG,
                            (void *)(uintptr_t)(ct + ctl)) != 1 ||
        EVP_DecryptFinal_ex(k->ctx, out + l1, &l2) != 1)
        return -1;
    size_t pl = (size_t)l1 + (size_t)l2;
    if (!k->tls13) {
        *type = hdr[0];
        return (long)pl;
    }
    while (pl && !out[pl - 1])
        pl--;
    if (!pl)
        return -1; /* no inner content type: not a valid TLSInnerPlaintext */
    *type = out[--pl];
    return (long)pl;
}

long tls_decrypt_record(struct tls_decrypt_key *k, const uint8_t hdr[5], const uint8_t *payload,
                        size_t n, uint8_t *out, uint8_t *type)
{
    size_t ex = tls_decrypt_explicit(k);
    if (tls_decrypt_begin(k, hdr, n, payload) < 0)
        return -1;
    return tls_decrypt_finish(k, hdr, payload + ex, n - ex - TLS_DECRYPT_TAG, out, type);
}

void tls_decrypt_key_clear(struct tls_decrypt_key *k)
{
    EVP_CIPHER_CTX_free(k->ctx);
    OPENSSL_cleanse(k, sizeof *k);
}
