/* http3.h - HTTP/3 dissector over decrypted QUIC streams (internal to dissectors/).
 *
 * Streams come from quic.c in order, per stream id and direction. Bidirectional
 * client-initiated streams are request streams; unidirectional ones are typed by their
 * first varint: control (SETTINGS read: QPACK_MAX_TABLE_CAPACITY), QPACK encoder (fed to
 * the decoder of that direction so the dynamic table follows), QPACK decoder and push
 * (skipped). On request streams, HEADERS are decoded with libnghttp3's standalone QPACK
 * decoder (one per direction): header fields go out as where "http3.header" (key =
 * name), ":path" as "http3.uri" (query parameters split and URL-decoded, the path with
 * key ""), ":authority" also as name "http.host", cookies split. DATA frames are
 * decoded as HTTP bodies (http_body_*: gzip/deflate, form, JSON) with where
 * "http3.body" at the stream's end.
 *
 * Not done: push streams' contents, 0-RTT requests, extension frames (skipped whole),
 * header blocks blocked on the encoder stream are decoded when the encoder data
 * arrives, but DATA that came before then is decoded without the content-encoding. */
#ifndef LW_DISSECTORS_HTTP3_H
#define LW_DISSECTORS_HTTP3_H

#include "dissectors/dissect.h"

#define HTTP3_SLOTS 64 /* stream directions parsed at once per flow */

struct http3;

/* st is borrowed. Caller frees with http3_free(). NULL on allocation failure. */
struct http3 *http3_new(struct dissect_stats *st);
void http3_free(struct http3 *h);

/* In-order bytes of stream sid in direction dir (quic_stream_fn's arguments);
 * fin: the stream ended (p may then be NULL). */
void http3_stream(struct http3 *h, int dir, uint64_t sid, const uint8_t *p, size_t n, int fin,
                  const struct dissect_cb *cb, void *ctx);

/* End of flow: bodies of streams that did not end are handed over. */
void http3_close(struct http3 *h, const struct dissect_cb *cb, void *ctx);

#endif
