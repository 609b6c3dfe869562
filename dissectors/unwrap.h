/* unwrap.h - the recursive, bounded decoding pipeline for decoded fields (internal to
 * dissectors/).
 *
 * Every field a dissector hands over (a query parameter, a header, a JSON value, a
 * whole body ...) goes through unwrap_field(): the field is passed on as it is, then
 * the value is tried for one more layer of encoding that SDKs wrap identifiers in,
 * and what that layer yields is inspected again, recursively:
 *   base64 / base64url (padded or not, MIME line breaks allowed) -> gzip / zlib / zstd /
 *   raw deflate (after base64 only) -> JSON (walked: each value is a field) ->
 *   application/x-www-form-urlencoded (split: each value is a field) -> %XX (URL
 *   encoded once more) -> JSON string escapes (\" \\u0026 \uXXXX: JSON escaped twice);
 *   on bytes that are not text: gRPC frames, protobuf messages (protobuf.h: each
 *   length-delimited field a value, keyed by its field number path); multipart/form-data
 *   (multipart.h: each part a value under its name).
 * Each decoded value goes out through dissect_cb->field_enc with the chain of layers
 * that produced it, outermost first ("base64,gzip,json"); through ->field when the
 * callee has no field_enc.
 *
 * Bounds: at most UNWRAP_DEPTH_MAX layers below a field; each layer's output at most
 * DISSECT_BODY_MAX bytes (an inflation bomb stops there); at most UNWRAP_FLOW_BUDGET
 * decoded bytes per flow. What is cut is counted in dissect_stats (unwrap_*).
 *
 * Memory: one buffer per depth, owned by the struct unwrap and reused for every field;
 * buffers that grew past UNWRAP_KEEP are released after each field. A worker shares one
 * struct unwrap among all its flows (dissect_env.uw), so an open flow holds no decoding
 * buffers, only its budget count. Inflation allocates zlib's state per
 * compressed layer (rare: only for values that start with a compression magic).
 *
 * Deliberately not done here: the dissectors' own splitting of whole bodies by their
 * Content-Type (a whole body is not walked as JSON or split as a form again), any
 * decryption, and deciding what is an identifier (the engine's matcher does). */
#ifndef LW_DISSECTORS_UNWRAP_H
#define LW_DISSECTORS_UNWRAP_H

#include "dissectors/dissect.h"

#define UNWRAP_DEPTH_MAX 6                 /* layers below one field */
#define UNWRAP_FLOW_BUDGET (4u << 20)      /* decoded bytes per flow */
#define UNWRAP_KEEP (64u * 1024)           /* a depth buffer larger is freed after use */
#define UNWRAP_CHAIN_MAX 96                /* "base64,gzip,json,..." */
#define UNWRAP_MIN_B64 12                  /* shortest base64 value tried (9 bytes) */
#define UNWRAP_MIN_FIELD 8                 /* shorter fields hold no encoded identifier */

struct unwrap;

/* st is borrowed (the worker's counters). Caller frees with unwrap_free() (NULL:
 * no-op). Returns NULL on allocation failure. One thread at a time may use it. */
struct unwrap *unwrap_new(struct dissect_stats *st);
void unwrap_free(struct unwrap *u);

/* One field from a dissector: passed to cb->field as it is, then decoded as above (not
 * when u is NULL). *spent counts the decoded bytes of the field's flow, 0 at its start.
 * where, key and val are borrowed for the call. */
void unwrap_field(struct unwrap *u, uint64_t *spent, const struct dissect_cb *cb, void *ctx,
                  const char *where, const char *key, const uint8_t *val, size_t len);

/* unwrap_field() for each of n pairs of one where, in order. The pairs that it would
 * only pass on (a key, and a value that is short or a plain token: TEXTENC_C_* in its
 * vclass) go to cb->fields in runs, without a call each. */
void unwrap_fields(struct unwrap *u, uint64_t *spent, const struct dissect_cb *cb, void *ctx,
                   const char *where, const struct dissect_kv *kv, size_t n);

#endif
