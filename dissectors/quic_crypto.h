/* quic_crypto.h - QUIC packet protection (internal to dissectors/): RFC 9001 section 5
 * and RFC 9369 section 3.3, all through OpenSSL 3 (EVP_KDF "HKDF" / "TLS13-KDF", EVP
 * AEAD and block ciphers); no cryptography is written here.
 *
 * Initial keys from the client's first Destination Connection ID (v1, v2 and v2-draft
 * salts),
 * packet keys from a TLS 1.3 traffic secret with the QUIC labels ("quic key", "quic
 * iv", "quic hp"; v2 "quicv2 ..."), header protection masks (AES-ECB or ChaCha20), AEAD
 * open (and seal, for tests and benchmarks), key update ("quic ku" / "quicv2 ku").
 * Suites: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256. Not done: TLS_AES_128_CCM_SHA256, Retry integrity
 * tags (a Retry is recognised by its header, not verified). */
#ifndef LW_DISSECTORS_QUIC_CRYPTO_H
#define LW_DISSECTORS_QUIC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_V2_DRAFT 0x709a50c4u /* draft-ietf-quic-v2-01..08: v2's labels, another salt */
#define QUIC_TAG 16

/* One direction's keys of one packet number space. Zero-initialised = none. The two
 * cipher contexts are owned: quic_keys_clear() frees them. */
struct quic_keys {
    void *aead;            /* EVP_CIPHER_CTX, key set, nonce per packet */
    void *hp;              /* EVP_CIPHER_CTX for the header protection mask */
    uint16_t suite;
    uint8_t chacha, sha384, v2, v2draft;
    uint8_t iv[12];
    uint8_t hpkey[32];
    uint8_t secret[48];    /* for the next key update */
    uint8_t secret_len;
};

/* 1 for the versions whose packets are decrypted (v1, v2, the v2 draft). */
int quic_crypto_version_ok(uint32_t version);

/* 1 for v2 and its draft: "quicv2" labels and v2 long header packet types. */
int quic_crypto_is_v2(uint32_t version);

/* 1 if suite is one of the three above. */
int quic_crypto_suite_ok(uint16_t suite);

/* Initial keys of one side (server != 0: the server's) from the client's first
 * Destination Connection ID. 0, or -1 (unknown version, OpenSSL failure). */
int quic_crypto_initial(struct quic_keys *k, uint32_t version, const uint8_t *dcid, size_t n,
                        int server);

/* Keys from a TLS 1.3 traffic secret (len = the suite's hash length). 0 or -1. */
int quic_crypto_keys(struct quic_keys *k, uint32_t version, uint16_t suite,
                     const uint8_t *secret, size_t len);

/* next = the keys after a key update of cur (same header protection key). 0 or -1.
 * next must be zeroed or cleared; it gets its own contexts. */
int quic_crypto_update(const struct quic_keys *cur, struct quic_keys *next);

/* The 5-byte header protection mask for a 16-byte sample. 0 or -1. */
int quic_crypto_mask(struct quic_keys *k, const uint8_t sample[16], uint8_t mask[5]);

/* Open a packet: hdr[0..hl) (unprotected) is the additional data, ct[0..n) the
 * ciphertext with its 16-byte tag. Plaintext goes to out (room for n bytes, may not
 * overlap ct). Returns the plaintext length, or -1 if the tag does not verify (out
 * then holds nothing usable). */
long quic_crypto_open(struct quic_keys *k, uint64_t pn, const uint8_t *hdr, size_t hl,
                      const uint8_t *ct, size_t n, uint8_t *out);

/* Seal (tests, benchmarks, fuzz seeds): out gets n bytes of ciphertext + the tag.
 * Returns n + 16 or -1. */
long quic_crypto_seal(struct quic_keys *k, uint64_t pn, const uint8_t *hdr, size_t hl,
                      const uint8_t *pt, size_t n, uint8_t *out);

/* Frees the contexts and zeroes the struct; a zeroed one is a no-op. */
void quic_keys_clear(struct quic_keys *k);

#endif
