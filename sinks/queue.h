/* queue.h - bounded multi-producer single-consumer queue of events: one jansson
 * object (stats, reload) or one batch of event lines (sinks/batch.h) per item.
 *
 * Producers are the capture workers, the consumer is the sink thread. A ring buffer
 * guarded by one mutex with two condition variables: simple, and the sink thread
 * takes whole batches per lock so the lock is not the bottleneck at the event rates
 * leakwatch produces (findings, not packets). It deliberately does not know what an
 * event is, nor what to do when it is full: sink.c decides (wait, then spool). */
#ifndef LW_SINKS_QUEUE_H
#define LW_SINKS_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef struct sink_queue sink_queue_t;
struct sink_batch;

/* Exactly one of the two is set. */
struct sink_item {
    json_t *ev;
    struct sink_batch *batch;
};

/* A queue holding up to capacity events. NULL on allocation failure. Caller frees
 * with sink_queue_free(). */
sink_queue_t *sink_queue_new(size_t capacity);

/* Frees the queue and every event still in it (batches go back to their pools); NULL
 * does nothing. No thread may be using the queue any more. */
void sink_queue_free(sink_queue_t *q);

/* Push it, waiting up to wait_ms while the queue is full (wait_ms < 0: wait without
 * bound). Returns 0 and takes ownership of the item; LW_ERR_FULL when still full after
 * the wait; LW_ERR_INVAL when the queue is closed. On failure it stays the caller's.
 * *waited (if not NULL) is set to 1 when the call had to wait. */
int sink_queue_push(sink_queue_t *q, struct sink_item it, long wait_ms, int *waited);

/* Pop up to max items into out[] (ownership passes to the caller), waiting up to
 * wait_ms for the first one. Returns the number popped (0 on timeout), or -1 when
 * the queue is closed and empty. */
int sink_queue_pop(sink_queue_t *q, struct sink_item *out, size_t max, long wait_ms);

/* Refuse further pushes and wake everybody; pops still drain what is queued. */
void sink_queue_close(sink_queue_t *q);

/* Wake the consumer without pushing (e.g. a reopen request). */
void sink_queue_kick(sink_queue_t *q);

/* Items currently queued (a snapshot). */
size_t sink_queue_len(sink_queue_t *q);

#endif
