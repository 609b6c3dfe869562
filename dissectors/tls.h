/* tls.h - TLS dissector (internal to dissectors/): handshake names and, with a key
 * log, record decryption.
 *
 * Reads the cleartext handshake of each direction: ClientHello SNI and ALPN (and the
 * client random), ServerHello (server random, cipher suite, version, selected ALPN)
 * and the server's leaf certificate (subject CN, then subjectAltName DNS names, via
 * OpenSSL's d2i_X509): in cleartext on TLS <= 1.2, once decrypted on TLS 1.3 and QUIC. Handshake messages may span records and records may
 * hold several messages.
 *
 * Without a key log (env->keys NULL) a direction stops at ChangeCipherSpec or
 * application data: encrypted bytes are neither buffered nor scanned. With one, whole
 * records are decrypted (tls_decrypt.h) with the session's secrets looked up by client
 * random: TLS 1.2 after ChangeCipherSpec; TLS 1.3 handshake records with the handshake
 * secrets (EncryptedExtensions ALPN and the certificate become visible), then the
 * application secrets after Finished, then KeyUpdate. Application plaintext goes to the
 * app function given to tls_new(). Records whose key is not there yet wait (when the
 * key log is followed) under DISSECT_TLS_WAIT_MAX per direction and
 * DISSECT_TLS_WAIT_TOTAL per env, for at most 5 s of env->now_s; what is dropped is
 * counted and reported as lost. A 0-RTT offer makes client records that fail before
 * the first handshake record decrypts count as early data, passed over. */
#ifndef LW_DISSECTORS_TLS_H
#define LW_DISSECTORS_TLS_H

#include <stdint.h>

#include "dissectors/dissect.h"

struct tls;

/* Decrypted application data of direction dir, or p == NULL: n bytes lost, where
 * n == TLS_LOST_UNKNOWN means an unknown number (TLS 1.3 records may be padded):
 * the reader must resynchronise rather than skip. */
#define TLS_LOST_UNKNOWN SIZE_MAX
typedef void (*tls_app_fn)(void *arg, int dir, const uint8_t *p, size_t n,
                            const struct dissect_cb *cb, void *ctx);

/* env (counters, key log, wait accounting) and arg are borrowed. Caller frees with
 * tls_free(). */
struct tls *tls_new(struct dissect_env *env, tls_app_fn app, void *arg);
void tls_free(struct tls *t);
void tls_data(struct tls *t, int dir, const uint8_t *data, size_t len,
              const struct dissect_cb *cb, void *ctx);
/* A gap makes the direction stop: record framing cannot be recovered. */
void tls_gap(struct tls *t, int dir);
/* End of flow: one last key lookup for waiting records, then the rest is dropped. */
void tls_close(struct tls *t, const struct dissect_cb *cb, void *ctx);

/* Does s[0..n) start with a TLS handshake record? 1 yes, 0 no, -1 too short. */
int tls_sniff(const uint8_t *s, size_t n);

/* 1 once a record of the flow was decrypted. */
int tls_decrypting(const struct tls *t);

/* The server's ALPN choice: TLS_ALPN_H2, TLS_ALPN_HTTP1 or TLS_ALPN_NONE. */
enum { TLS_ALPN_NONE, TLS_ALPN_H2, TLS_ALPN_HTTP1 };
int tls_alpn(const struct tls *t);

/* ---- For QUIC (quic.c): the TLS handshake carried in CRYPTO frames ---- */

/* In-order handshake bytes of direction dir (CRYPTO frame data of any level): parsed
 * as the handshake of a TCP flow is (names, randoms, suite). No record layer. */
void tls_handshake_data(struct tls *t, int dir, const uint8_t *p, size_t n,
                        const struct dissect_cb *cb, void *ctx);
/* The ClientHello's random into cr: 1, or 0 when no ClientHello was read. */
int tls_client_random(const struct tls *t, uint8_t cr[32]);
/* The ServerHello's cipher suite, 0 before it. */
uint16_t tls_server_suite(const struct tls *t);
/* 1 when the ClientHello offered Encrypted Client Hello. */
int tls_offered_ech(const struct tls *t);
/* 1 when the server's Certificate message was read. */
int tls_cert_seen(const struct tls *t);

/* Why no application data of the flow was decrypted, or NULL when some was (or there
 * was nothing to decrypt): "no_key", "unsupported", "midstream", "ech", "pinning"
 * (the server's certificate, then the client gave up), "key_late" (records gave up
 * waiting and the key was there by the end), "handshake_incomplete". */
const char *tls_dark_reason(const struct tls *t);

#endif
