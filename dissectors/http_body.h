/* http_body.h - HTTP message body decoding shared by HTTP/1 (http1.c) and HTTP/2
 * (http2.c), and the field emitter both dissectors use (internal to dissectors/).
 *
 * A body arrives in pieces (de-chunked HTTP/1 data, HTTP/2 DATA frames); gzip and
 * deflate are inflated as it comes, into a buffer capped at DISSECT_BODY_MAX. At the
 * end, form and JSON bodies are split into keyed fields, then the whole decoded body
 * goes out with key "" when it differs from what the raw stream scan sees. One object
 * is reused for every body of a direction (HTTP/1) or stream slot (HTTP/2); its
 * buffers are kept between bodies unless they grew large.
 *
 * Not done here: framing (the dissectors know where a body starts and ends), brotli
 * and other codings (left to the raw scan), multipart splitting. */
#ifndef LW_DISSECTORS_HTTP_BODY_H
#define LW_DISSECTORS_HTTP_BODY_H

#include "dissectors/dissect.h"

/* Where the fields of one part of a message go: cb->field(ctx, where, key, ...). */
struct http_body_out {
    const struct dissect_cb *cb; /* borrowed; NULL or no field callback: nothing goes out */
    void *ctx;
    const char *where;
};

/* Hand one field to o's callback; v is borrowed for the call. */
void http_body_emit(const struct http_body_out *o, const char *key, const uint8_t *v,
                    size_t n);
/* The same with the signature of textenc's key/value callbacks; arg is a
 * struct http_body_out *. */
void http_body_emit_kv(void *arg, const char *key, const uint8_t *val, size_t len);

enum http_body_coding {
    HTTP_BODY_IDENTITY,
    HTTP_BODY_GZIP,
    HTTP_BODY_DEFLATE,
    HTTP_BODY_OTHER, /* a coding not decoded here: the body is not kept */
    HTTP_BODY_BR,    /* buffered as sent, decoded whole at the end (compress.h) */
    HTTP_BODY_ZSTD,
};

enum http_body_ctype {
    HTTP_BODY_CT_NONE, /* no Content-Type */
    HTTP_BODY_CT_FORM,
    HTTP_BODY_CT_JSON,
    HTTP_BODY_CT_OTHER,
    HTTP_BODY_CT_MEDIA, /* image/, video/, audio/, font/: left to the raw scan */
};

/* A Content-Encoding / Content-Type header value, as the decoder classifies it. */
enum http_body_coding http_body_coding_of(const uint8_t *val, size_t vl);
enum http_body_ctype http_body_ctype_of(const uint8_t *val, size_t vl);

struct http_body;

/* Caller frees with http_body_free() (NULL: no-op). NULL on allocation failure. */
struct http_body *http_body_new(void);
void http_body_free(struct http_body *b);
/* Draw the body, decompression and work buffers from the memory budget mc (borrowed,
 * must outlive b; NULL: no budget). When the budget is spent the body is cut where it
 * is (http_body_truncated) instead of growing. */
struct memcap;
void http_body_set_memcap(struct http_body *b, struct memcap *mc);

/* A new body. whole: the decoded body differs from the raw stream (de-chunked,
 * inflated or framed), so it is handed over whole at the end; want: keep the body at
 * all (to decode or split it). */
void http_body_begin(struct http_body *b, enum http_body_coding coding,
                     enum http_body_ctype ctype, int whole, int want);
/* http_body_begin() from the Content-Encoding and Content-Type values (NULL when
 * absent) of a framed body (HTTP/2 DATA): always handed over whole. want: 0 when no
 * field callback will take it (a quiet direction): the body is then not kept. */
void http_body_start(struct http_body *b, const uint8_t *enc, size_t el, const uint8_t *ct,
                     size_t cl, int want);
/* The next piece of the body; p is borrowed for the call. st counts truncation and
 * zlib trouble. */
void http_body_data(struct http_body *b, struct dissect_stats *st, const uint8_t *p,
                    size_t n);
/* Bytes inside the body were lost: a compressed body cannot be inflated further. */
void http_body_hole(struct http_body *b);
/* The body is complete (or cut short): its fields go out with this where. */
void http_body_end(struct http_body *b, struct dissect_stats *st, const char *where,
                   const struct dissect_cb *cb, void *ctx);
/* The body ends without being handed over (no body was expected, or it is dropped). */
void http_body_drop(struct http_body *b, struct dissect_stats *st);

#endif
