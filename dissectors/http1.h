/* http1.h - HTTP/1.x dissector over reassembled streams (internal to dissectors/).
 *
 * Both directions, pipelined and keep-alive messages; request line, headers, bodies by
 * Content-Length, chunked or read-until-close; gzip/deflate inflated under
 * DISSECT_BODY_MAX. Values go out through dissect_cb->field, the Host through ->name.
 * Not handled: HTTP/2 framing (http2.c, which reuses the body decoding below),
 * upgrades (101: the direction stops; the dispatcher hands a WebSocket or h2c flow on,
 * http1_upgrade()), CONNECT tunnels. Multipart, protobuf and gRPC bodies are handed
 * over whole and split by the decoding pipeline (unwrap.h). Content-Encoding br and
 * zstd bodies are buffered and decoded whole at their end (compress.h). */
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

/* Body decoding alone, for HTTP/2 streams (http2.c): content-encoding gzip/deflate
 * inflated (br/zstd decoded) under DISSECT_BODY_MAX, then form or JSON bodies split into keyed fields,
 * then the whole decoded body with key "". One object is reused for many bodies.
 * Caller frees with http_body_free() (NULL: no-op). */
struct http1_body;
struct http1_body *http_body_new(void);
void http_body_free(struct http1_body *b);
/* A new body: the Content-Encoding and Content-Type values (NULL when absent). */
void http_body_start(struct http1_body *b, const uint8_t *enc, size_t el, const uint8_t *ct,
                      size_t cl);
void http_body_data(struct http1_body *b, struct dissect_stats *st, const uint8_t *p,
                     size_t n);
/* The body is complete (or cut short): its fields go out with this where. */
void http_body_end(struct http1_body *b, struct dissect_stats *st, const char *where,
                    const struct dissect_cb *cb, void *ctx);

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
