/* dtls.h - TLS handshake dissector (internal to dissectors/).
 *
 * Reads the cleartext handshake of each direction: ClientHello SNI and ALPN, and on
 * TLS <= 1.2 the server's leaf certificate (subject CN and subjectAltName DNS names,
 * via OpenSSL's d2i_X509). Handshake messages may span records and records may hold
 * several messages. A direction stops at ChangeCipherSpec or application data:
 * encrypted bytes are neither buffered nor scanned. TLS 1.3 certificates are
 * encrypted and so never seen. */
#ifndef LW_DISSECTORS_DTLS_H
#define LW_DISSECTORS_DTLS_H

#include "dissectors/dissect.h"

struct dtls;

/* st is borrowed. Caller frees with dtls_free(). */
struct dtls *dtls_new(struct dissect_stats *st);
void dtls_free(struct dtls *t);
void dtls_data(struct dtls *t, int dir, const uint8_t *data, size_t len,
               const struct dissect_cb *cb, void *ctx);
/* A gap makes the direction stop: record framing cannot be recovered. */
void dtls_gap(struct dtls *t, int dir);

/* Does s[0..n) start with a TLS handshake record? 1 yes, 0 no, -1 too short. */
int dtls_sniff(const uint8_t *s, size_t n);

#endif
