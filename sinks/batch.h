/* batch.h - events written as text by one producer thread, handed to the sink a batch
 * at a time (issue 16).
 *
 * A producer (a capture worker) owns one batcher: a small pool of buffers, each a
 * struct jsonw holding whole JSON lines. The producer writes an event straight into the
 * current buffer (sink_batcher_begin() / sink_batcher_end()); when the buffer is full,
 * or the producer says so (a tick, the end of the input, an idle source), the whole
 * buffer goes to the sink in one queue handoff. The sink thread writes it out and gives
 * the buffer back to the pool it came from: buffers are reused, never freed by the
 * sink, so no memory crosses threads to be freed and no event costs a malloc once the
 * buffers have grown.
 *
 * When every buffer is at the sink, the producer waits for one to come back: the same
 * back-pressure sink_emit() applies per event, now per batch. Deliberately not done:
 * events from different producers are not ordered among themselves (they never were);
 * one producer's events keep their order. */
#ifndef LW_SINKS_BATCH_H
#define LW_SINKS_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/jsonw.h"
#include "sinks/sink.h"

typedef struct sink_batcher sink_batcher_t;

/* One buffer of lines. Between sink_batcher_flush() and sink_batch_release() it belongs
 * to the sink thread. */
struct sink_batch {
    struct jsonw w;            /* whole lines, each ending in '\n' */
    size_t n;                  /* events in w */
    /* Per event: where its line starts and its object's length before the event_id
     * member was added; the id's digits are written by sink_batch_seal(). */
    struct sink_batch_ev {
        size_t off, len;
    } *ev;
    sink_batcher_t *home;      /* the pool it returns to */
    struct sink_batch *next;   /* free list link (home's lock) */
};

/* A batcher feeding sink s (borrowed, must outlive it). A batch is handed over when
 * it holds flush_bytes (0: 64 KiB) or max_events (0: 256) events. NULL when out of
 * memory. Caller frees with sink_batcher_free(). */
sink_batcher_t *sink_batcher_new(sink_t *s, size_t flush_bytes, size_t max_events);

/* Flushes what is pending, waits for every buffer at the sink to come back, frees.
 * NULL does nothing. */
void sink_batcher_free(sink_batcher_t *b);

/* The writer to put one event's object into (top level, key NULL); borrowed until
 * sink_batcher_end(). */
struct jsonw *sink_batcher_begin(sink_batcher_t *b);

/* The event written since sink_batcher_begin() is complete: make room for its
 * event_id (the FNV-1a of its text, as sink_event_id(); computed by
 * sink_batch_seal(), off the producer's thread) and end its line. Returns 0, or -1
 * when it could not be written (out of memory): it is then removed, the caller counts
 * it. */
int sink_batcher_end(sink_batcher_t *b);

/* Forget the event begun (a type not written after all). */
void sink_batcher_cancel(sink_batcher_t *b);

/* Hand the pending events to the sink now (tick, end of input, idle source). */
void sink_batcher_flush(sink_batcher_t *b);

/* Events handed to the sink that it refused (closed). */
uint64_t sink_batcher_refused(const sink_batcher_t *b);

/* Write the event_ids of a batch's lines: whoever first reads them (the sink thread,
 * or the producer spooling a batch the queue had no room for) does this once. Hashing
 * every line is a few percent of a worker's time on download-heavy traffic, which
 * the sink thread, mostly idle, takes over. */
void sink_batch_seal(struct sink_batch *batch);

/* The sink thread (or a refused push) gives a buffer back; any thread. */
void sink_batch_release(struct sink_batch *batch);

#endif
