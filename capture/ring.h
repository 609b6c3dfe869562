/* ring.h - bounded single-producer single-consumer ring of variable-size records.
 *
 * The reader thread is the only producer of a worker's ring and the worker its only
 * consumer, so two atomic indexes (release on publish, acquire on read) are all the
 * synchronisation there is: no lock on the packet path. A record is contiguous in
 * memory; when it does not fit before the end of the buffer the producer skips to the
 * start.
 *
 * Commits are published in batches (RING_BATCH_RECORDS records or RING_BATCH_BYTES
 * bytes, whichever comes first): one store the consumer's cache line sees per batch,
 * not per packet. The producer calls ring_flush() whenever it has nothing more to
 * send right now (end of input, a tick, an idle source), so nothing waits in a
 * half-full batch; a producer that must wait for space publishes first.
 *
 * Waiting sleeps on a futex, never spins nor yields. Hysteresis keeps wake-ups rare:
 * a producer waiting on a full ring is woken once a quarter of the ring is free (or
 * its record fits, if larger); a consumer waiting on an empty ring is woken when a
 * batch is published. Not done here: more than one producer or consumer per ring. */
#ifndef LW_CAPTURE_RING_H
#define LW_CAPTURE_RING_H

#include <stddef.h>
#include <stdint.h>

#define RING_BATCH_RECORDS 64
#define RING_BATCH_BYTES (256u << 10)   /* at most an eighth of the ring is used */

typedef struct ring ring_t;

/* capacity bytes (rounded up to a power of two, at least 4 KiB). Caller frees with
 * ring_free(). */
ring_t *ring_new(size_t capacity);
void ring_free(ring_t *r);

/* Largest record that can ever be reserved. */
size_t ring_max_record(const ring_t *r);

/* Producer: space for len bytes, waiting while the ring is full; the pointer is
 * valid until ring_commit(). len must be <= ring_max_record(). A committed record
 * reaches the consumer with its batch, or at the latest at ring_flush(). */
void *ring_reserve(ring_t *r, size_t len);
void ring_commit(ring_t *r, size_t len);
/* Producer: publish every committed record now (and wake a waiting consumer). */
void ring_flush(ring_t *r);

/* Consumer: the next record (waiting while empty), its length in *len; valid until
 * ring_release(). */
const void *ring_peek(ring_t *r, size_t *len);
void ring_release(ring_t *r);

/* Times the producer had to wait for space, for stats. */
uint64_t ring_full_waits(const ring_t *r);
/* Published bytes in the ring now (approximate when read by a third thread). */
size_t ring_used(const ring_t *r);

#endif
