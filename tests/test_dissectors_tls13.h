/* test_dissectors_tls13.h - TLS 1.3 records built for the dissector tests
 * (TLS_AES_128_GCM_SHA256). HKDF-Expand-Label with an empty context is written out
 * here (RFC 8446 7.1) on OpenSSL's plain HKDF, not its TLS13-KDF that tls_decrypt.c uses,
 * so the dissector is checked against an independent construction. Header only
 * (static functions), like test_dissectors_rec.h. */
#ifndef LW_TESTS_DISSECTORS_TLS13_H
#define LW_TESTS_DISSECTORS_TLS13_H

#include <CUnit/CUnit.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdint.h>
#include <string.h>

static void tls13_expand(const uint8_t secret[32], const char *label, uint8_t *out, size_t n)
{
    uint8_t info[64];
    size_t ll = strlen(label), il = 0;
    info[il++] = (uint8_t)(n >> 8);
    info[il++] = (uint8_t)n;
    info[il++] = (uint8_t)(6 + ll);
    memcpy(info + il, "tls13 ", 6);
    il += 6;
    memcpy(info + il, label, ll);
    il += ll;
    info[il++] = 0;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)secret, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, il),
        OSSL_PARAM_construct_end(),
    };
    CU_ASSERT_FATAL(EVP_KDF_derive(kc, out, n, p) == 1);
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
}

/* Write at o the record carrying p[0..n) (at most 1023 bytes) of inner content type
 * itype under traffic secret at sequence seq; returns the record's length. */
static size_t tls13_seal(uint8_t *o, const uint8_t secret[32], uint64_t seq, uint8_t itype,
                         const void *p, size_t n)
{
    uint8_t key[16], iv[12], in[1024];
    tls13_expand(secret, "key", key, 16);
    tls13_expand(secret, "iv", iv, 12);
    for (int i = 0; i < 8; i++)
        iv[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    CU_ASSERT_FATAL(n + 1 <= sizeof in);
    memcpy(in, p, n);
    in[n] = itype;
    size_t ctl = n + 1, rl = ctl + 16;
    o[0] = 23, o[1] = 3, o[2] = 3, o[3] = (uint8_t)(rl >> 8), o[4] = (uint8_t)rl;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l = 0;
    CU_ASSERT_FATAL(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, iv) == 1);
    CU_ASSERT_FATAL(EVP_EncryptUpdate(c, NULL, &l, o, 5) == 1);
    CU_ASSERT_FATAL(EVP_EncryptUpdate(c, o + 5, &l, in, (int)ctl) == 1);
    CU_ASSERT_FATAL(EVP_EncryptFinal_ex(c, o + 5 + l, &l) == 1);
    CU_ASSERT_FATAL(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, o + 5 + ctl) == 1);
    EVP_CIPHER_CTX_free(c);
    return 5 + rl;
}

#endif
