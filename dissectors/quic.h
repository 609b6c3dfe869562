/* quic.h - QUIC transport dissector (internal to dissectors/): packets of both
 * directions of one UDP flow, their protection removed, their frames parsed.
 *
 * Versions 1 (RFC 9000/9001) and 2 (RFC 9369, and its draft version 0x709a50c4). Long and short headers, coalesced
 * packets in one datagram, header protection, packet-number recovery per number space.
 * Keys: Initial from the client's first Destination Connection ID (so the ClientHello's
 * SNI and ALPN are read without a key log; a Retry makes the next client Initial's DCID
 * the new one); Handshake and 1-RTT from the key log's CLIENT_/SERVER_HANDSHAKE_TRAFFIC_
 * SECRET and CLIENT_/SERVER_TRAFFIC_SECRET_0 of the ClientHello's random; key updates by
 * the Key Phase bit. Only packets whose AEAD tag verifies are used.
 *
 * With a followed key log (keylog_following()), Handshake and 1-RTT packets whose secret
 * is not there yet wait (as TLS records do, tls.h): at most QUIC_WAIT_SECS of env->now_s,
 * QUIC_WAIT_MAX bytes per flow and DISSECT_TLS_WAIT_TOTAL per env (shared with TLS);
 * they are replayed in order when the key log grows, or dropped and counted.
 *
 * CRYPTO frames are reassembled per level and direction and handed, in order, to the
 * TLS handshake parser of tls.c (SNI, ALPN, certificate names, random, suite). STREAM
 * frames are reassembled per stream and direction (out of order, retransmitted,
 * overlapping: only bytes past the delivered offset are used) and handed in order to
 * the stream function given to quic_new() (HTTP/3, http3.c). Out-of-order bytes wait
 * under QUIC_PEND_MAX per flow; at most QUIC_STREAMS streams are open at once.
 *
 * Connection IDs: the dissector follows a flow (the engine's 5-tuple), not a CID. Short
 * headers are parsed with the CID lengths seen in the peer's long headers and
 * NEW_CONNECTION_ID frames, so CID changes inside a flow keep working. A connection that
 * migrates to another address/port is a new flow to the engine; its state starts from
 * short headers and is counted as mid-connection.
 *
 * Not done: 0-RTT (no early secret is looked up: counted and passed over), Retry
 * integrity tags (recognised, not verified), DATAGRAM frame contents, the AES-CCM
 * suite. Version Negotiation packets are recognised and counted. */
#ifndef LW_DISSECTORS_QUIC_H
#define LW_DISSECTORS_QUIC_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/dissect.h"

#define QUIC_PEND_MAX (256u * 1024) /* out-of-order CRYPTO/STREAM bytes held per flow */
#define QUIC_STREAMS 64             /* streams reassembled at once per flow */
#define QUIC_DGRAM_MAX 65535        /* largest datagram decrypted */

struct quic;

/* In-order bytes of stream sid sent in direction dir; fin: the stream's last bytes.
 * p == NULL with n == 0 and fin: the stream was reset. */
typedef void (*quic_stream_fn)(void *arg, int dir, uint64_t sid, const uint8_t *p, size_t n,
                               int fin, const struct dissect_cb *cb, void *ctx);

/* env and arg are borrowed. Caller frees with quic_free(). NULL on allocation failure. */
struct quic *quic_new(struct dissect_env *env, quic_stream_fn fn, void *arg);
void quic_free(struct quic *q);

/* One UDP datagram of direction dir (0 client->server). p is borrowed for the call. */
void quic_datagram(struct quic *q, int dir, const uint8_t *p, size_t n,
                   const struct dissect_cb *cb, void *ctx);

/* End of flow: packets that waited for a key get one last try (see below), then are
 * dropped. Call before quic_free() while the callbacks' targets are open. */
void quic_close(struct quic *q, const struct dissect_cb *cb, void *ctx);

/* Does this datagram start with a QUIC long header of a version known here (or a
 * Version Negotiation)? 1 yes, 0 no. A short header alone is not taken for QUIC. */
int quic_sniff(const uint8_t *p, size_t n);

/* 1 once a 1-RTT packet of the flow was decrypted. */
int quic_decrypting(const struct quic *q);

/* Why no 1-RTT packet of the client was decrypted ("no_key", "unsupported", "midstream", "ech",
 * "pinning", "key_late", "handshake_incomplete"), NULL when some was. */
const char *quic_dark_reason(const struct quic *q);

/* Heap bytes the flow holds now (for the memory-cap tests). */
size_t quic_mem(const struct quic *q);

#endif
