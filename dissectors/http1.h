/* http1.h - HTTP/1.x dissector over reassembled streams (internal to dissectors/).
 *
 * Both directions, pipelined and keep-alive messages; request line, headers, bodies by
 * Content-Length, chunked or read-until-close; gzip/deflate inflated under
 * DISSECT_BODY_MAX. Values go out through dissect_cb->field, the Host through ->name.
 * Bodies are decoded by http_body.c, which HTTP/2 shares (also br and zstd, decoded
 * whole at their end). Not handled: HTTP/2 framing (http2.c), upgrades (101: the
 * direction stops; the dispatcher hands a WebSocket or h2c flow on, http1_upgrade()),
 * CONNECT tunnels. Multipart, protobuf and gRPC bodies are handed over whole and split
 * by the decoding pipeline (unwrap.h). */
#ifndef LW_DISSECTORS_HTTP1_H
#define LW_DISSECTORS_HTTP1_H

#include "dissectors/dissect.h"

struct http1;

/* st is borrowed (the worker's counters). Caller frees with http1_free(). */
struct http1 *http1_new(struct dissect_stats *st);
void http1_free(struct http1 *h);
void http1_data(struct http1 *h, int dir, const uint8_t *data, size_t len,
                const struct dissect_cb *cb, void *ctx);
void http1_gap(struct http1 *h, int dir, uint64_t missing);
void http1_close(struct http1 *h, const struct dissect_cb *cb, void *ctx);
/* Both directions' bodies draw from mc (see http_body_set_memcap). */
struct memcap;
void http1_set_memcap(struct http1 *h, struct memcap *mc);

/* A request target uri[0..ul) (decoded in place): each query parameter, then the
 * URL-decoded path with key "", as fields with this where. */
void http1_target(uint8_t *uri, size_t ul, const char *where, const struct dissect_cb *cb,
                  void *ctx);
/* A Host / :authority value: lower case, port stripped, to name("http.host"). */
void http1_host(const uint8_t *val, size_t vl, const struct dissect_cb *cb, void *ctx);

/* After a 101 Switching Protocols response: what the flow switched to, and for a
 * WebSocket the WEBSOCKET_* flags of its negotiated extensions (websocket.h). */
enum http1_upgrade { HTTP1_UPGRADE_NONE, HTTP1_UPGRADE_WEBSOCKET, HTTP1_UPGRADE_H2C };
int http1_upgrade(const struct http1 *h, unsigned *ws_flags);

/* Does s[0..n) start like an HTTP/1.x message? 1 yes, 0 no, -1 too short to tell. */
int http1_sniff(const uint8_t *s, size_t n);

#endif
