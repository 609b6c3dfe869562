/* compress.h - brotli and zstd decoding into a caller's bounded buffer (internal to
 * dissectors/), for the HTTP Content-Encodings "br" and "zstd" (http1.c, and so HTTP/2)
 * and for zstd frames found inside decoded fields (unwrap.c). gzip and deflate stay
 * with zlib in http1.c and unwrap.c.
 *
 * One call decodes one whole input: bodies are buffered (capped at DISSECT_BODY_MAX)
 * before they are decoded, so no decoder state lives between packets. Each call makes
 * and frees its decoder: these encodings are rare on the wire, and a per-flow decoder
 * would pin its window (up to megabytes) for the flow's life.
 *
 * Bounds: the output never exceeds the caller's cap (the bomb cap); zstd frames asking
 * for a window over COMPRESS_ZSTD_WINDOW_LOG are refused, so a hostile frame cannot
 * make the decoder allocate more than that. Not done: dictionaries, brotli large
 * windows (RFC 7932 windows only). */
#ifndef LW_DISSECTORS_COMPRESS_H
#define LW_DISSECTORS_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#define COMPRESS_ZSTD_WINDOW_LOG 23 /* 8 MiB, zstd's own default limit for streaming */

enum compress_kind { COMPRESS_BR, COMPRESS_ZSTD };

/* Decode in[0..n) into out[0..cap). Returns the bytes written; *capped is set when the
 * output reached cap with more to come (a bomb, or just a large body: what was
 * decoded is real). -1 when the data is not valid (nothing usable was decoded); a
 * stream cut short returns what was decoded so far. */
long compress_decode(enum compress_kind k, const uint8_t *in, size_t n, uint8_t *out,
                     size_t cap, int *capped);

/* Does b[0..n) start with a zstd frame magic (28 b5 2f fd)? */
int compress_is_zstd(const uint8_t *b, size_t n);

#endif
