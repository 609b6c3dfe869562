/* spool.h - append-only on-disk spool of events (JSON lines) while Redis is away.
 *
 * One file of records, one per line, plus "<path>.off": the byte offset up to which
 * records were replayed, so a crash during replay re-sends at most one batch. The
 * spool is bounded in bytes (the whole file, replayed part included, since it is
 * append-only until it is empty and removed). Durability: each append call ends with
 * fdatasync(), and so does each offset update: a batch that the sink counted as
 * spooled survives a power cut. A torn last record (crash mid-write) is cut off at
 * the next open. It deliberately does not know Redis or JSON: records are bytes
 * without a newline.
 *
 * Thread-safety: a mutex (sink_spool.mu) guards the file and counters, so producers
 * may append while the sink thread replays; peek/consume are sink-thread only. */
#ifndef LW_SINKS_SPOOL_H
#define LW_SINKS_SPOOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct sink_spool sink_spool_t;

/* Records read from the spool, not yet consumed. Owned by the caller; reuse across
 * peeks, release with sink_spool_batch_clear(). recs[i] points into buf and is
 * NUL-terminated (the newline replaced). */
struct sink_spool_batch {
    char *buf;
    size_t bufcap;
    size_t n;
    char **recs;
    size_t *lens;
    uint64_t *ends;       /* file offset just after record i (its newline) */
    size_t reccap;
};

/* Open (or create lazily) the spool at path, bounded to max_bytes. Counts records
 * left by an earlier run after its saved offset. Caller frees with
 * sink_spool_free(). Returns 0 or a negative lwerr.h code with err filled. */
int sink_spool_open(const char *path, long long max_bytes, sink_spool_t **out,
                    char *err, size_t errlen);

/* NULL does nothing. Leaves the files on disk when records are pending. */
void sink_spool_free(sink_spool_t *sp);

/* Append n records then fdatasync. *appended (always set) says how many made it, in
 * order. Returns 0; LW_ERR_FULL when the byte bound stopped it (the rest were not
 * written); LW_ERR_IO on a write or sync error. err says which and where. */
int sink_spool_append(sink_spool_t *sp, const char *const *recs, const size_t *lens,
                      size_t n, size_t *appended, char *err, size_t errlen);

/* Records appended and not yet consumed. */
uint64_t sink_spool_pending(sink_spool_t *sp);

/* Read up to max records from the replay position into b (replacing its contents),
 * without consuming them. Returns the number read (0 when empty) or LW_ERR_IO. */
int sink_spool_peek(sink_spool_t *sp, size_t max, struct sink_spool_batch *b,
                    char *err, size_t errlen);

/* Mark the first n records of b (from the last peek) as delivered: the offset file
 * is updated and synced; when nothing is left both files are removed. */
int sink_spool_consume(sink_spool_t *sp, const struct sink_spool_batch *b, size_t n,
                       char *err, size_t errlen);

void sink_spool_batch_clear(struct sink_spool_batch *b);

/* The spool's path (borrowed, valid until sink_spool_free()). */
const char *sink_spool_path(const sink_spool_t *sp);

#endif
