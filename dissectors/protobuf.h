/* protobuf.h - protocol buffers wire format and gRPC message framing, as far as the
 * decoding pipeline (unwrap.c) needs them: is a buffer a well-formed message, and what
 * are its length-delimited fields. No schema: field numbers only.
 *
 * Zero-copy over the caller's bytes; nothing allocates. Deliberately not done: varint
 * and fixed-width values (identifiers travel as strings or bytes), groups (deprecated:
 * a buffer with one is not taken for a message), packed repeated fields as such (they
 * are bytes like any other length-delimited field). */
#ifndef LW_DISSECTORS_PROTOBUF_H
#define LW_DISSECTORS_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

/* Called for each length-delimited field (wire type 2) of a message: its number and
 * its bytes (borrowed from the caller's buffer). */
typedef void (*protobuf_fn)(void *arg, uint32_t field, const uint8_t *val, size_t len);

/* Walk the top-level fields of message b[0..n), calling fn (may be NULL) for each
 * length-delimited one. Returns the number of fields when the whole buffer is a
 * well-formed message (every tag, varint and length in bounds, field numbers 1 to
 * 2^29-1, no groups, the last field ending exactly at n), else 0; fn may have been
 * called for the fields before a malformed one, so check first with fn == NULL. */
size_t protobuf_walk(const uint8_t *b, size_t n, protobuf_fn fn, void *arg);

/* gRPC (and gRPC-Web) message framing: 1 flag byte (bit 0: compressed with the call's
 * grpc-encoding; 0x80: a gRPC-Web trailers frame), a 4-byte big-endian length, the
 * message. Called for each data message (trailers frames skipped). */
typedef void (*protobuf_grpc_fn)(void *arg, int compressed, const uint8_t *msg, size_t len);

/* Returns the number of frames when b[0..n) is exactly a sequence of gRPC frames (at
 * least one), else 0 (and fn is not called). */
size_t protobuf_grpc_frames(const uint8_t *b, size_t n, protobuf_grpc_fn fn, void *arg);

#endif
