/* http2.h - HTTP/2 dissector over decrypted TLS (internal to dissectors/).
 *
 * Per direction: the client connection preface, then frames. HEADERS (PADDED and
 * PRIORITY flags) and CONTINUATION fragments are decoded with libnghttp2's standalone
 * HPACK inflater (one per direction; SETTINGS_HEADER_TABLE_SIZE of the peer applied).
 * Header fields go out as where "http2.header" (key = name), ":path" as "http2.uri"
 * (query parameters split and URL-decoded, the path itself with key ""), ":authority"
 * also as name "http.host". DATA frames are gathered per stream and decoded as HTTP
 * bodies (http_body_*: gzip/deflate, form, JSON) with where "http2.body" at
 * END_STREAM.
 *
 * Not done: server push bodies (PUSH_PROMISE headers are decoded, their streams'
 * bodies are not), priorities, flow control, h2c (cleartext upgrade). */
#ifndef LW_DISSECTORS_HTTP2_H
#define LW_DISSECTORS_HTTP2_H

#include "dissectors/dissect.h"

struct http2;

/* st is borrowed. Caller frees with http2_free(). NULL on allocation failure. */
struct http2 *http2_new(struct dissect_stats *st);
/* Frame buffers and bodies draw from the memory budget mc (borrowed, must outlive h;
 * NULL: none). A frame that cannot be held stops its direction. */
struct memcap;
void http2_set_memcap(struct http2 *h, struct memcap *mc);
void http2_free(struct http2 *h);
void http2_data(struct http2 *h, int dir, const uint8_t *data, size_t len,
              const struct dissect_cb *cb, void *ctx);
/* Bytes were lost: HPACK state cannot be trusted, the direction stops. */
void http2_gap(struct http2 *h, int dir);
/* Hands over bodies of streams that did not end. */
void http2_close(struct http2 *h, const struct dissect_cb *cb, void *ctx);

#endif
