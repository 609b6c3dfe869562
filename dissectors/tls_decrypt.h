/* tls_decrypt.h - TLS record protection (internal to dissectors/): keys from key log
 * secrets and AEAD decryption of one record, all through OpenSSL 3 (EVP_KDF
 * "TLS1-PRF" and "TLS13-KDF", EVP AEAD ciphers); no cryptography written here.
 *
 * Suites: TLS 1.2 AES-128/256-GCM and ChaCha20-Poly1305 (ECDHE, DHE and RSA key
 * exchange alike: the master secret comes from the key log), TLS 1.3
 * TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256.
 * Not done: CBC and CCM suites, TLS <= 1.1, 0-RTT early data. */
#ifndef LW_DISSECTORS_TLS_DECRYPT_H
#define LW_DISSECTORS_TLS_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

/* One direction's record protection. Zero-initialised = no key; the cipher context
 * is allocated by the first key and reused by later ones (KeyUpdate, stages). */
struct tls_decrypt_key {
    void *ctx;           /* EVP_CIPHER_CTX */
    uint16_t suite;
    int tls13, chacha;
    size_t keylen;
    uint8_t iv[12];      /* 4-byte implicit salt (TLS 1.2 GCM) or 12-byte IV */
    uint64_t seq;
    uint8_t secret[48];  /* TLS 1.3 traffic secret, for KeyUpdate */
    size_t secret_len;
};

/* One OpenSSL KDF ("HKDF", "TLS13-KDF", "TLS1-PRF") with params into out[0..n); 0 or
 * -1. Shared with QUIC's key schedule (quic_crypto.c). */
struct ossl_param_st;
int tls_decrypt_kdf(const char *name, struct ossl_param_st *params, uint8_t *out, size_t n);

/* 1 if suite can be decrypted under this version (tls13 != 0: TLS 1.3). */
int tls_decrypt_suite_ok(uint16_t suite, int tls13);

/* TLS 1.2: the fixed bytes a record adds to its plaintext (GCM: 8-byte explicit nonce
 * + tag = 24; ChaCha20-Poly1305: tag = 16). -1 when it is not fixed (TLS 1.3: the
 * sender may pad) or the suite is not known. */
long tls_decrypt_overhead(uint16_t suite, int tls13);

/* TLS 1.2: keys of one side (server != 0: the server's write keys) from the master
 * secret and both randoms. 0, or -1 when OpenSSL fails. */
int tls_decrypt_key_tls12(struct tls_decrypt_key *k, uint16_t suite, const uint8_t master[48],
                          const uint8_t cr[32], const uint8_t sr[32], int server);

/* TLS 1.3: keys from a traffic secret (its length is the suite's hash length). */
int tls_decrypt_key_tls13(struct tls_decrypt_key *k, uint16_t suite, const uint8_t *secret,
                          size_t len);

/* TLS 1.3 KeyUpdate: next traffic secret of this direction. */
int tls_decrypt_key_update(struct tls_decrypt_key *k);

/* Decrypt the record hdr[0..5) payload[0..n) into out (room for n bytes; may not
 * overlap payload). On success returns the plaintext length and its content type in
 * *type (TLS 1.3: the inner type); -1 if too short or the tag does not verify - out
 * then holds nothing usable. The sequence number advances either way. */
long tls_decrypt_record(struct tls_decrypt_key *k, const uint8_t hdr[5], const uint8_t *payload,
                        size_t n, uint8_t *out, uint8_t *type);

/* Free the cipher context; the struct is zeroed (tls_decrypt_key_clear on a zeroed one is
 * a no-op). */
void tls_decrypt_key_clear(struct tls_decrypt_key *k);

#endif
