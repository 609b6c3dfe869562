/* frag.h - IPv4 and IPv6 fragment reassembly, run by the reader thread before flow
 * hashing (only the first fragment carries ports, so a flow cannot be chosen earlier).
 *
 * Bounded: at most max_datagrams in progress (the oldest is dropped when a new one
 * needs room) and each may wait timeout_us of packet time. Overlapping fragments keep
 * the bytes that arrived first. A finished datagram is rebuilt (header of the first
 * fragment, offset and MF cleared, length and checksum fixed; for IPv6 the fixed
 * header with the upper protocol as next header) into the caller's buffer. IPv4 and
 * IPv6 datagrams share the table. */
#ifndef LW_CAPTURE_FRAG_H
#define LW_CAPTURE_FRAG_H

#include <stddef.h>
#include <stdint.h>
#include "capture/decode.h"

typedef struct frag_table frag_table_t;

struct frag_stats {
    uint64_t fragments;      /* fragments seen */
    uint64_t reassembled;    /* datagrams completed */
    uint64_t timeouts;       /* datagrams given up for lack of time */
    uint64_t evicted;        /* datagrams given up for lack of room */
    uint64_t overlaps;       /* fragments that overlapped earlier bytes */
    uint64_t invalid;        /* fragments past 65535 bytes or otherwise impossible */
};

/* Caller frees with frag_free(). NULL on allocation failure. */
frag_table_t *frag_new(size_t max_datagrams, uint64_t timeout_us);
void frag_free(frag_table_t *t);

/* Add the fragment described by p (from decode_frame, DECODE_FRAG) whose IP header
 * is at l3. When this completes a datagram, it is written to out (which must hold
 * 65535 bytes) and its length returned; 0 if the datagram is still incomplete. */
size_t frag_add(frag_table_t *t, const uint8_t *l3, const struct decode_pkt *p,
                uint64_t ts_us, uint8_t *out);

/* Give up datagrams older than the timeout at packet time now_us. */
void frag_expire(frag_table_t *t, uint64_t now_us);

const struct frag_stats *frag_stats(const frag_table_t *t);

#endif
