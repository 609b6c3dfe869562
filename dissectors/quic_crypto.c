/* quic_crypto.c - QUIC packet protection; see quic_crypto.h.
 *
 * Key derivation is HKDF-Expand-Label (RFC 8446 7.1) with the QUIC labels, done by
 * OpenSSL's TLS13-KDF in expand-only mode; the Initial secret is HKDF-Extract(salt,
 * DCID) (RFC 9001 5.2, RFC 9369 3.3.1). The nonce is the IV XOR the packet number
 * (RFC 9001 5.3). The plaintext is only handed back after EVP_DecryptFinal_ex has
 * verified the tag. */
#include "dissectors/quic_crypto.h"
#include "dissectors/tls_decrypt.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

static const uint8_t quic_salt_v1[20] = {
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t quic_salt_v2[20] = {
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};

/* draft-ietf-quic-v2 (version 0x709a50c4, what ngtcp2 0.12 calls "v2draft"). */
static const uint8_t quic_salt_v2_draft[20] = {
    0xa7, 0x07, 0xc2, 0x03, 0xa5, 0x9b, 0x47, 0x18, 0x4a, 0x1d,
    0x62, 0xca, 0x57, 0x04, 0x06, 0xea, 0x7a, 0xe3, 0xe5, 0xd3,
};

int quic_crypto_version_ok(uint32_t version)
{
    return version == QUIC_V1 || quic_crypto_is_v2(version);
}

int quic_crypto_is_v2(uint32_t version)
{
    return version == QUIC_V2 || version == QUIC_V2_DRAFT;
}

int quic_crypto_suite_ok(uint16_t suite)
{
    return suite == 0x1301 || suite == 0x1302 || suite == 0x1303;
}

/* HKDF-Expand-Label(secret, label, "", n). */
static int quic_expand(int sha384, const uint8_t *secret, size_t sl, const char *label,
                       uint8_t *out, size_t n)
{
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, sha384 ? "SHA384" : "SHA256",
                                         0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, sl),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, "tls13 ", 6),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label, strlen(label)),
        OSSL_PARAM_construct_end(),
    };
    return tls_decrypt_kdf("TLS13-KDF", p, out, n);
}

static size_t quic_keylen(const struct quic_keys *k)
{
    return k->suite == 0x1301 ? 16 : 32;
}

static const EVP_CIPHER *quic_aead_cipher(const struct quic_keys *k)
{
    if (k->chacha)
        return EVP_chacha20_poly1305();
    return k->suite == 0x1301 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

/* Install key + hp key into (re)used contexts. */
static int quic_install(struct quic_keys *k, const uint8_t *key)
{
    if (!k->aead && !(k->aead = EVP_CIPHER_CTX_new()))
        return -1;
    if (!k->hp && !(k->hp = EVP_CIPHER_CTX_new()))
        return -1;
    if (EVP_DecryptInit_ex(k->aead, quic_aead_cipher(k), NULL, key, NULL) != 1)
        return -1;
    if (!k->chacha) {
        const EVP_CIPHER *ecb = k->suite == 0x1301 ? EVP_aes_128_ecb() : EVP_aes_256_ecb();
        if (EVP_EncryptInit_ex(k->hp, ecb, NULL, k->hpkey, NULL) != 1)
            return -1;
        EVP_CIPHER_CTX_set_padding(k->hp, 0);
    }
    return 0;
}

/* Set suite fields, derive key/iv/hp from secret (hp only when with_hp) and install. */
static int quic_from_secret(struct quic_keys *k, uint32_t version, uint16_t suite,
                            const uint8_t *secret, size_t len, int with_hp)
{
    if (!quic_crypto_suite_ok(suite) || len != (suite == 0x1302 ? 48u : 32u))
        return -1;
    k->suite = suite;
    k->chacha = suite == 0x1303;
    k->sha384 = suite == 0x1302;
    k->v2 = (uint8_t)quic_crypto_is_v2(version);
    k->v2draft = version == QUIC_V2_DRAFT;
    uint8_t key[32];
    size_t kl = quic_keylen(k);
    int rc = -1;
    if (quic_expand(k->sha384, secret, len, k->v2 ? "quicv2 key" : "quic key", key, kl) < 0 ||
        quic_expand(k->sha384, secret, len, k->v2 ? "quicv2 iv" : "quic iv", k->iv, 12) < 0)
        goto out;
    if (with_hp &&
        quic_expand(k->sha384, secret, len, k->v2 ? "quicv2 hp" : "quic hp", k->hpkey, kl) < 0)
        goto out;
    if (quic_install(k, key) < 0)
        goto out;
    if (secret != k->secret)
        memcpy(k->secret, secret, len);
    k->secret_len = (uint8_t)len;
    rc = 0;
out:
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int quic_crypto_keys(struct quic_keys *k, uint32_t version, uint16_t suite,
                     const uint8_t *secret, size_t len)
{
    if (!quic_crypto_version_ok(version))
        return -1;
    return quic_from_secret(k, version, suite, secret, len, 1);
}

int quic_crypto_initial(struct quic_keys *k, uint32_t version, const uint8_t *dcid, size_t n,
                        int server)
{
    if (!quic_crypto_version_ok(version))
        return -1;
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    const uint8_t *salt = version == QUIC_V2         ? quic_salt_v2
                          : version == QUIC_V2_DRAFT ? quic_salt_v2_draft
                                                     : quic_salt_v1;
    uint8_t initial[32], secret[32];
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)dcid, n),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 20),
        OSSL_PARAM_construct_end(),
    };
    int rc = -1;
    if (tls_decrypt_kdf("HKDF", p, initial, sizeof initial) < 0 ||
        quic_expand(0, initial, 32, server ? "server in" : "client in", secret, 32) < 0)
        goto out;
    rc = quic_from_secret(k, version, 0x1301, secret, 32, 1);
out:
    OPENSSL_cleanse(initial, sizeof initial);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

int quic_crypto_update(const struct quic_keys *cur, struct quic_keys *next)
{
    uint8_t sec[48];
    /* The v2 draft as ngtcp2 0.12 speaks it keeps v1's key update label (seen on its
     * captures: "quicv2 ku" fails there, "quic ku" decrypts); RFC 9369 changed it. */
    const char *ku = cur->v2 && !cur->v2draft ? "quicv2 ku" : "quic ku";
    if (!cur->secret_len ||
        quic_expand(cur->sha384, cur->secret, cur->secret_len, ku, sec, cur->secret_len) < 0)
        return -1;
    memcpy(next->hpkey, cur->hpkey, sizeof next->hpkey);
    uint32_t v = cur->v2draft ? QUIC_V2_DRAFT : cur->v2 ? QUIC_V2 : QUIC_V1;
    int rc = quic_from_secret(next, v, cur->suite, sec, cur->secret_len, 0);
    OPENSSL_cleanse(sec, sizeof sec);
    return rc;
}

int quic_crypto_mask(struct quic_keys *k, const uint8_t sample[16], uint8_t mask[5])
{
    uint8_t out[32];
    int l = 0;
    if (!k->hp)
        return -1;
    if (k->chacha) {
        /* RFC 9001 5.4.4: counter = sample[0..4) little-endian, nonce = sample[4..16):
         * exactly the 16-byte IV OpenSSL's ChaCha20 takes. */
        static const uint8_t zero[5];
        if (EVP_EncryptInit_ex(k->hp, EVP_chacha20(), NULL, k->hpkey, sample) != 1 ||
            EVP_EncryptUpdate(k->hp, out, &l, zero, 5) != 1)
            return -1;
    } else if (EVP_EncryptUpdate(k->hp, out, &l, sample, 16) != 1 || l < 5) {
        return -1;
    }
    memcpy(mask, out, 5);
    return 0;
}

static int quic_nonce(struct quic_keys *k, uint64_t pn, int enc)
{
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(pn >> (56 - 8 * i));
    return EVP_CipherInit_ex(k->aead, NULL, NULL, NULL, nonce, enc) == 1 ? 0 : -1;
}

long quic_crypto_open(struct quic_keys *k, uint64_t pn, const uint8_t *hdr, size_t hl,
                      const uint8_t *ct, size_t n, uint8_t *out)
{
    int l1 = 0, l2 = 0, tmp;
    if (!k->aead || n < QUIC_TAG || n - QUIC_TAG > (size_t)INT32_MAX || hl > (size_t)INT32_MAX)
        return -1;
    size_t ctl = n - QUIC_TAG;
    if (quic_nonce(k, pn, 0) < 0 || EVP_DecryptUpdate(k->aead, NULL, &tmp, hdr, (int)hl) != 1 ||
        EVP_DecryptUpdate(k->aead, out, &l1, ct, (int)ctl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->aead, EVP_CTRL_AEAD_SET_TAG, QUIC_TAG,
                            (void *)(uintptr_t)(ct + ctl)) != 1 ||
        EVP_DecryptFinal_ex(k->aead, out + l1, &l2) != 1)
        return -1;
    return (long)l1 + l2;
}

long quic_crypto_seal(struct quic_keys *k, uint64_t pn, const uint8_t *hdr, size_t hl,
                      const uint8_t *pt, size_t n, uint8_t *out)
{
    int l1 = 0, l2 = 0, tmp;
    if (!k->aead || n > (size_t)INT32_MAX || hl > (size_t)INT32_MAX)
        return -1;
    long rc = -1;
    if (quic_nonce(k, pn, 1) < 0 || EVP_EncryptUpdate(k->aead, NULL, &tmp, hdr, (int)hl) != 1 ||
        EVP_EncryptUpdate(k->aead, out, &l1, pt, (int)n) != 1 ||
        EVP_EncryptFinal_ex(k->aead, out + l1, &l2) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->aead, EVP_CTRL_AEAD_GET_TAG, QUIC_TAG, out + l1 + l2) != 1)
        goto out;
    rc = (long)l1 + l2 + QUIC_TAG;
out:
    /* The context is a decryption context between calls. */
    EVP_CipherInit_ex(k->aead, NULL, NULL, NULL, NULL, 0);
    return rc;
}

void quic_keys_clear(struct quic_keys *k)
{
    EVP_CIPHER_CTX_free(k->aead);
    EVP_CIPHER_CTX_free(k->hp);
    OPENSSL_cleanse(k, sizeof *k);
}
