/* dtlsdec.c - TLS record keys and AEAD record decryption; see dtlsdec.h.
 *
 * Nonces and additional data follow RFC 5288 (TLS 1.2 GCM: 4-byte salt || 8-byte
 * explicit nonce; AAD = seq || type || version || length), RFC 7905 (TLS 1.2
 * ChaCha20-Poly1305: IV XOR seq) and RFC 8446 section 5.2 (TLS 1.3: IV XOR seq, AAD =
 * the record header, inner content type after zero padding). The plaintext is only
 * handed back after EVP_DecryptFinal_ex has verified the tag. */
#include "dissectors/dtlsdec.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#define DTLSDEC_TAG 16

static const struct dtlsdec_suite {
    uint16_t id;
    uint8_t tls13, chacha, keylen, sha384;
} dtlsdec_suites[] = {
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

static const struct dtlsdec_suite *dtlsdec_find(uint16_t id, int tls13)
{
    for (size_t i = 0; i < sizeof dtlsdec_suites / sizeof dtlsdec_suites[0]; i++)
        if (dtlsdec_suites[i].id == id && dtlsdec_suites[i].tls13 == !!tls13)
            return &dtlsdec_suites[i];
    return NULL;
}

int dtlsdec_suite_ok(uint16_t suite, int tls13)
{
    return dtlsdec_find(suite, tls13) != NULL;
}

long dtlsdec_overhead(uint16_t suite, int tls13)
{
    const struct dtlsdec_suite *s = dtlsdec_find(suite, tls13);
    if (!s || tls13)
        return -1; /* TLS 1.3: padding and the inner type are inside the ciphertext */
    return s->chacha ? DTLSDEC_TAG : 8 + DTLSDEC_TAG;
}

static const EVP_CIPHER *dtlsdec_cipher(const struct dtlsdec_suite *s)
{
    if (s->chacha)
        return EVP_chacha20_poly1305();
    return s->keylen == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

/* (Re)key the direction's cipher context; the nonce is set per record. */
static int dtlsdec_install(struct dtlsdec_key *k, const struct dtlsdec_suite *s,
                           const uint8_t *key)
{
    if (!k->ctx && !(k->ctx = EVP_CIPHER_CTX_new()))
        return -1;
    if (EVP_DecryptInit_ex(k->ctx, dtlsdec_cipher(s), NULL, key, NULL) != 1)
        return -1;
    k->suite = s->id;
    k->tls13 = s->tls13;
    k->chacha = s->chacha;
    k->keylen = s->keylen;
    k->seq = 0;
    return 0;
}

static int dtlsdec_kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t n)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int ok = kc && EVP_KDF_derive(kc, out, n, params) == 1;
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return ok ? 0 : -1;
}

int dtlsdec_key_tls12(struct dtlsdec_key *k, uint16_t suite, const uint8_t master[48],
                      const uint8_t cr[32], const uint8_t sr[32], int server)
{
    const struct dtlsdec_suite *s = dtlsdec_find(suite, 0);
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
    if (dtlsdec_kdf("TLS1-PRF", p, kb, kbl) < 0)
        goto out;
    const uint8_t *key = kb + (server ? s->keylen : 0);
    const uint8_t *iv = kb + 2 * s->keylen + (server ? ivlen : 0);
    if (dtlsdec_install(k, s, key) < 0)
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
static int dtlsdec_expand(const struct dtlsdec_suite *s, const uint8_t *secret, size_t sl,
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
    return dtlsdec_kdf("TLS13-KDF", p, out, n);
}

int dtlsdec_key_tls13(struct dtlsdec_key *k, uint16_t suite, const uint8_t *secret,
                      size_t len)
{
    const struct dtlsdec_suite *s = dtlsdec_find(suite, 1);
    if (!s || len != (s->sha384 ? 48u : 32u))
        return -1;
    uint8_t key[32];
    int rc = -1;
    if (dtlsdec_expand(s, secret, len, "key", key, s->keylen) < 0 ||
        dtlsdec_expand(s, secret, len, "iv", k->iv, 12) < 0 || dtlsdec_install(k, s, key) < 0)
        goto out;
    if (secret != k->secret)
        memcpy(k->secret, secret, len);
    k->secret_len = len;
    rc = 0;
out:
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int dtlsdec_key_update(struct dtlsdec_key *k)
{
    const struct dtlsdec_suite *s = dtlsdec_find(k->suite, 1);
    uint8_t next[48];
    if (!s || !k->secret_len ||
        dtlsdec_expand(s, k->secret, k->secret_len, "traffic upd", next, k->secret_len) < 0)
        return -1;
    memcpy(k->secret, next, k->secret_len);
    OPENSSL_cleanse(next, sizeof next);
    return dtlsdec_key_tls13(k, k->suite, k->secret, k->secret_len);
}

static size_t dtlsdec_explicit(const struct dtlsdec_key *k)
{
    return (!k->tls13 && !k->chacha) ? 8 : 0;
}

/* A record's nonce and additional data; the sequence number advances. */
static int dtlsdec_begin(struct dtlsdec_key *k, const uint8_t hdr[5], size_t n,
                         const uint8_t *explicit_nonce)
{
    EVP_CIPHER_CTX *c = k->ctx;
    uint64_t seq = k->seq++;
    size_t explicit = dtlsdec_explicit(k);
    if (!c || n < explicit + DTLSDEC_TAG + (k->tls13 ? 1 : 0))
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
    size_t ctl = n - explicit - DTLSDEC_TAG;
    if (k->tls13) {
        memcpy(aad, hdr, 5);
        aadl = 5;
    } else {
        for (int i = 0; i < 8; i++)
            aad[i] = (uint8_t)(seq >> (56 - 8 * i));
        aad[8] = hdr[0];
        aad[9] = hdr[1];
        aad[10] = hdr[2];
        aad[11] = (uint8_t)(ctl >> 8);
        aad[12] = (uint8_t)ctl;
        aadl = 13;
    }
    int tmp;
    if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
        EVP_DecryptUpdate(c, NULL, &tmp, aad, (int)aadl) != 1)
        return -1;
    return 0;
}

/* Decrypt ct[0..ctl) into out and check the 16-byte tag that follows it. */
static long dtlsdec_finish(struct dtlsdec_key *k, const uint8_t hdr[5], const uint8_t *ct,
                           size_t ctl, uint8_t *out, uint8_t *type)
{
    int l1 = 0, l2 = 0;
    if (EVP_DecryptUpdate(k->ctx, out, &l1, ct, (int)ctl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_TAG, DTLSDEC_TAG,
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

long dtlsdec_record(struct dtlsdec_key *k, const uint8_t hdr[5], const uint8_t *payload,
                    size_t n, uint8_t *out, uint8_t *type)
{
    size_t ex = dtlsdec_explicit(k);
    if (dtlsdec_begin(k, hdr, n, payload) < 0)
        return -1;
    return dtlsdec_finish(k, hdr, payload + ex, n - ex - DTLSDEC_TAG, out, type);
}

void dtlsdec_key_clear(struct dtlsdec_key *k)
{
    EVP_CIPHER_CTX_free(k->ctx);
    OPENSSL_cleanse(k, sizeof *k);
}
