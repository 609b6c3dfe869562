/* http1.h - HTTP/1.x dissector over reassembled streams (internal to dissectors/).
 *
 * Both directions, pipelined and keep-alive messages; request line, headers, bodies by
 * Content-Length, chunked or read-until-close; gzip/deflate inflated under
 * DISSECT_BODY_MAX. Values go out through dissect_cb->field, the Host through ->name.
 * Bodies are decoded by http_body.c, which HTTP/2 shares. Not handled: HTTP/2 framing
 * (http2.c), upgrades (101, CONNECT tunnels: the direction stops), multipart bodies
 * (scanned whole), brotli (body left to the raw scan). */
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

/* A request target uri[0..ul) (decoded in place): each query parameter, then the
 * URL-decoded path with key "", as fields with this where. */
void http1_target(uint8_t *uri, size_t ul, const char *where, const struct dissect_cb *cb,
                  void *ctx);
/* A Host / :authority value: lower case, port stripped, to name("http.host"). */
void http1_host(const uint8_t *val, size_t vl, const struct dissect_cb *cb, void *ctx);

/* Does s[0..n) start like an HTTP/1.x message? 1 yes, 0 no, -1 too short to tell. */
int http1_sniff(const uint8_t *s, size_t n);

#endif
