/* reasm.h - TCP reassembly of one direction of a connection into in-order bytes.
 *
 * Contract with the consumer: every byte of the direction's sequence space is
 * delivered exactly once and in order, either as data (on_data) or as a declared gap
 * (on_gap, with the number of bytes that will never come). Retransmitted bytes that
 * were already delivered are dropped. Overlap policy: the first copy of a byte that
 * reaches us wins - a later segment with different content for bytes already
 * delivered or already buffered is ignored (and counted). Sequence numbers wrap.
 *
 * Starting point: the SYN when seen, otherwise the first data segment (mid-stream
 * pickup, counted). Segments ahead of the expected sequence wait in fixed-size chunks
 * from a per-worker pool, bounded per direction and in total; when a bound is hit the
 * missing range is declared a gap and delivery moves on. Data after the FIN's sequence
 * is dropped. Not handled: urgent data, TCP options (timestamps/PAWS, SACK): we do not
 * need the receiver's view, only the bytes. */
#ifndef LW_CAPTURE_REASM_H
#define LW_CAPTURE_REASM_H

#include <stddef.h>
#include <stdint.h>

typedef struct reasm_pool reasm_pool_t;
struct reasm_chunk;

struct reasm_dir {
    uint32_t next_seq;          /* next sequence number to deliver */
    uint32_t fin_seq;           /* valid if fin */
    uint32_t buffered;          /* bytes waiting in chunks */
    uint8_t started, fin, closed;
    struct reasm_chunk *chunks; /* sorted by sequence, non-overlapping */
};

struct reasm_stats {
    uint64_t delivered_bytes;
    uint64_t gaps;              /* gap events */
    uint64_t gap_bytes;
    uint64_t out_of_order;      /* segments buffered ahead of the expected sequence */
    uint64_t retransmitted;     /* segments wholly before the expected sequence */
    uint64_t overlaps;          /* segments partly covering bytes we already had */
    uint64_t overlap_conflicts; /* ... whose overlapping bytes differed */
    uint64_t midstream;         /* directions picked up without a SYN */
    uint64_t after_fin;         /* segments past the FIN, dropped */
    uint64_t memcap;            /* gaps forced by a buffering bound */
};

struct reasm_ops {
    void (*on_data)(void *ctx, int dir, const uint8_t *data, size_t len);
    void (*on_gap)(void *ctx, int dir, uint64_t len);
};

/* max_bytes bounds all buffered chunks of the worker; per_dir_bytes one direction.
 * Caller frees with reasm_pool_free() after every direction was released. */
reasm_pool_t *reasm_pool_new(size_t max_bytes, size_t per_dir_bytes);
void reasm_pool_free(reasm_pool_t *p);
struct reasm_stats *reasm_pool_stats(reasm_pool_t *p);
/* Bytes currently held in chunks (for memory figures). */
size_t reasm_pool_in_use(const reasm_pool_t *p);

/* Feed one segment of direction dir (passed through to the callbacks). caplen bytes
 * of payload are present of wirelen sent: the rest is a gap (snaplen). */
void reasm_segment(reasm_pool_t *p, struct reasm_dir *d, int dir, uint32_t seq,
                   uint8_t tcp_flags, const uint8_t *payload, uint32_t caplen,
                   uint32_t wirelen, const struct reasm_ops *ops, void *ctx);

/* The connection is over (RST, timeout, eviction, end of input): deliver what is
 * buffered, declaring the holes as gaps. */
void reasm_flush(reasm_pool_t *p, struct reasm_dir *d, int dir, const struct reasm_ops *ops,
                 void *ctx);

/* Return the direction's chunks to the pool without delivering them. */
void reasm_release(reasm_pool_t *p, struct reasm_dir *d);

#endif
