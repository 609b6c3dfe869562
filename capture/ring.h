/* ring.h - bounded single-producer single-consumer ring of variable-size records.
 *
 * The reader thread is the only producer of a worker's ring and the worker its only
 * consumer, so two atomic indexes (release on publish, acquire on read) are all the
 * synchronisation there is: no lock on the packet path. A record is contiguous in
 * memory; when it does not fit before the end of the buffer the producer skips to the
 * start. Waiting (ring full / empty) spins briefly, then sleeps in short steps. */
#ifndef LW_CAPTURE_RING_H
#define LW_CAPTURE_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct ring ring_t;

/* capacity bytes (rounded up to a power of two). Caller frees with ring_free(). */
ring_t *ring_new(size_t capacity);
void ring_free(ring_t *r);

/* Largest record that can ever be reserved. */
size_t ring_max_record(const ring_t *r);

/* Producer: space for len bytes, waiting while the ring is full; the pointer is
 * valid until ring_commit(). len must be <= ring_max_record(). */
void *ring_reserve(ring_t *r, size_t len);
void ring_commit(ring_t *r, size_t len);

/* Consumer: the next record (waiting while empty), its length in *len; valid until
 * ring_release(). */
const void *ring_peek(ring_t *r, size_t *len);
void ring_release(ring_t *r);

/* Times the producer / consumer had to wait, for stats. */
uint64_t ring_full_waits(const ring_t *r);
/* Bytes in the ring now (approximate when read by a third thread). */
size_t ring_used(const ring_t *r);

#endif
