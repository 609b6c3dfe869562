/* matcher.h - identifier detection with Hyperscan.
 *
 * matcher_new() compiles, once, a streaming database (for reassembled flow bytes)
 * and a block database (for decoded buffers handed over by dissectors) from the
 * profile's values in every form of DESIGN.md "Forms an identifier is searched in",
 * plus the generic validated detectors. The matcher is read-only afterwards and
 * shared by all workers. Each worker owns one matcher_scratch_t; each flow direction
 * owns one matcher_stream_t. rules/ sees bytes only: never packets or flows.
 *
 * Hits are validated (Luhn, boundaries, near-miss rejection) before the callback
 * runs; the callback receives only identifiers worth reporting (confidence at or
 * above opts.min_confidence; model in rules/generic.h). De-duplication per flow is
 * the caller's business; the matcher only drops a keyed generic hit on bytes that a
 * profile hit of the same type already reported ("imei=<profile IMEI>" is one hit).
 *
 * Forms (rules/forms.h) plus one the matcher adds: "latlon-keys", a lat=/lng= pair
 * within MT_GPS_TOLERANCE (~50 m) of a profile location, reported as that device's.
 * A profile value is a near miss when the byte before or after it continues the
 * token (a digit after an IMEI, a hex digit after a MAC); a value that ends exactly
 * at a segment end waits for the first byte of the next one (or for a gap/close).
 * Per stream: ~0.3 KB of matcher state plus the Hyperscan stream state (tens of bytes
 * for a lab profile); ~0.4 KB more once a keyed value or a lat/lon half spans segments. */
#ifndef LW_RULES_MATCHER_H
#define LW_RULES_MATCHER_H

#include <stddef.h>
#include <stdint.h>
#include "rules/profile.h"

typedef struct matcher matcher_t;
typedef struct matcher_scratch matcher_scratch_t;
typedef struct matcher_stream matcher_stream_t;

struct matcher_opts {
    double min_confidence;   /* generic hits below this are not reported; default 0.5,
                                also when 0 (a zeroed struct must not turn on the bare
                                shape detectors, which halve throughput) */
    int raw_evidence;        /* 1: evidence unredacted (--evidence raw) */
    const char *cache_dir;   /* compiled databases cached here (rules/hscache.h); NULL:
                                always compile. Borrowed during matcher_new() only */
};

struct matcher_hit {
    int device;              /* profile device index; -1 for a generic hit */
    const char *type;        /* ontology leaf: "imei" (static storage) */
    const char *category;    /* "device_identifier" (static storage) */
    const char *form;        /* "plain", "md5-hex", "base64", ... (static storage) */
    const char *variant;     /* normalised text the form was derived from ("plain",
                                "upper", "mac-bare-lower" ...; static storage) */
    const char *where;       /* as given to the scan call (borrowed) */
    const char *key;         /* parameter / JSON key before the value, "" if none */
    const char *source;      /* "profile" or "generic" */
    double confidence;
    const char *evidence;    /* redacted unless raw_evidence; NUL-terminated */
    uint64_t offset;         /* end of the match in the stream or buffer */
};

/* Called for every validated hit; the hit and its strings are valid only during
 * the call. */
typedef void (*matcher_hit_fn)(void *ctx, const struct matcher_hit *hit);

/* Compile. profile may be NULL (generic detectors only). Errors name the origin of
 * a bad pattern (device, type, form). Caller frees *out with matcher_free(); profile
 * must outlive the matcher. */
int matcher_new(const profile_t *profile, const struct matcher_opts *opts,
                matcher_t **out, char *err, size_t errlen);
void matcher_free(matcher_t *m);

/* Number of patterns and database sizes, for stats and bench/. */
struct matcher_info {
    size_t patterns;
    size_t stream_db_bytes, block_db_bytes, stream_state_bytes;
    double compile_seconds;
};
void matcher_info(const matcher_t *m, struct matcher_info *info);

/* The compiled Hyperscan databases (block = 1 for the block one), borrowed for the
 * life of m. Only for bench/ to time a bare Hyperscan scan of the very same
 * database against matcher_stream_scan(); product code goes through the API above. */
struct hs_database;
const struct hs_database *matcher_hs_database(const matcher_t *m, int block);

/* Per-worker scratch. Caller frees with matcher_scratch_free(). */
matcher_scratch_t *matcher_scratch_new(const matcher_t *m);
void matcher_scratch_free(matcher_scratch_t *s);

/* Open a stream for one flow direction when its first payload byte arrives. where is
 * borrowed ("tcp.payload", "udp.payload") and must outlive the stream. Caller closes
 * with matcher_stream_close(). Returns NULL on allocation failure. */
matcher_stream_t *matcher_stream_open(const matcher_t *m, const char *where);

/* Scan the next in-order bytes of the stream. Returns 0 or a negative code. */
int matcher_stream_scan(matcher_stream_t *st, matcher_scratch_t *s, const uint8_t *data,
                        size_t len, matcher_hit_fn fn, void *ctx);

/* Bytes are missing before the next scan: matches must not join the two sides. */
int matcher_stream_gap(matcher_stream_t *st, matcher_scratch_t *s, matcher_hit_fn fn,
                       void *ctx);

/* End of stream: report matches that end at the last byte, free the stream.
 * fn may be NULL to discard them. matcher_stream_close(NULL, ...) does nothing. */
void matcher_stream_close(matcher_stream_t *st, matcher_scratch_t *s, matcher_hit_fn fn,
                          void *ctx);

/* Scan one decoded buffer (URL-decoded query value, gunzipped body ...). where and
 * key are set by the caller (key may be NULL) and are passed through in the hits. */
int matcher_scan_buffer(const matcher_t *m, matcher_scratch_t *s, const uint8_t *data,
                        size_t len, const char *where, const char *key,
                        matcher_hit_fn fn, void *ctx);

/* Like matcher_scan_buffer() for a decoded buffer that is binary (a protobuf bytes
 * field, base64 that decoded to non-text): binary forms ("raw-mac") are reported too. */
int matcher_scan_binary(const matcher_t *m, matcher_scratch_t *s, const uint8_t *data,
                        size_t len, const char *where, const char *key, matcher_hit_fn fn,
                        void *ctx);

/* Scan one whole datagram (UDP payload) as raw bytes: like matcher_scan_buffer() with
 * no key, but binary forms ("raw-mac") are reported too, which they are not in
 * decoded text. */
int matcher_scan_datagram(const matcher_t *m, matcher_scratch_t *s, const uint8_t *data,
                          size_t len, const char *where, matcher_hit_fn fn, void *ctx);

/* Many small decoded buffers (a form's values, a JSON body's strings) scanned with one
 * Hyperscan call: its fixed cost per call is far above the scan of a 20-byte value.
 * Hits are exactly those matcher_scan_buffer() (binary = 0) or matcher_scan_binary()
 * (binary = 1) would report for each buffer alone, in the order the buffers were added;
 * only buffers with a match somewhere in the joined bytes are scanned again alone.
 * A batch copies what it is given and is reused: matcher_batch_scan() empties it. */
typedef struct matcher_batch matcher_batch_t;
typedef void (*matcher_note_fn)(void *ctx, const struct matcher_hit *hit, const char *note);

matcher_batch_t *matcher_batch_new(void);
void matcher_batch_free(matcher_batch_t *b);
/* Queue a copy of data, key (may be NULL) and note (an opaque string handed back with
 * each of its hits; NULL = ""). where is borrowed until matcher_batch_scan() returns (a
 * string constant). 0, LW_ERR_NOMEM, or LW_ERR_INVAL when the batch would pass 4 GiB. */
int matcher_batch_add(matcher_batch_t *b, const uint8_t *data, size_t len, const char *where,
                      const char *key, const char *note, int binary);
/* matcher_batch_add() of a key=value pair: key is klen bytes (NUL-terminated), no note,
 * text. */
int matcher_batch_add_pair(matcher_batch_t *b, const uint8_t *data, size_t len,
                           const char *where, const char *key, size_t klen);
/* Bytes queued: a caller bounds its batch with this. */
size_t matcher_batch_bytes(const matcher_batch_t *b);
/* Report every queued buffer's hits to fn and empty the batch. Returns the number of
 * buffers whose scan failed. */
int matcher_batch_scan(matcher_batch_t *b, const matcher_t *m, matcher_scratch_t *s,
                       matcher_note_fn fn, void *ctx);

#endif
