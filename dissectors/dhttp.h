/* dhttp.h - HTTP/1.x dissector over reassembled streams (internal to dissectors/).
 *
 * Both directions, pipelined and keep-alive messages; request line, headers, bodies by
 * Content-Length, chunked or read-until-close; gzip/deflate inflated under
 * DISSECT_BODY_MAX. Values go out through dissect_cb->field, the Host through ->name.
 * Not handled: HTTP/2, upgrades (101, CONNECT tunnels: the direction stops), multipart
 * bodies (scanned whole), brotli (body left to the raw scan). */
#ifndef LW_DISSECTORS_DHTTP_H
#define LW_DISSECTORS_DHTTP_H

#include "dissectors/dissect.h"

struct dhttp;

/* st is borrowed (the worker's counters). Caller frees with dhttp_free(). */
struct dhttp *dhttp_new(struct dissect_stats *st);
void dhttp_free(struct dhttp *h);
void dhttp_data(struct dhttp *h, int dir, const uint8_t *data, size_t len,
                const struct dissect_cb *cb, void *ctx);
void dhttp_gap(struct dhttp *h, int dir, uint64_t missing);
void dhttp_close(struct dhttp *h, const struct dissect_cb *cb, void *ctx);

/* Does s[0..n) start like an HTTP/1.x message? 1 yes, 0 no, -1 too short to tell. */
int dhttp_sniff(const uint8_t *s, size_t n);

#endif
