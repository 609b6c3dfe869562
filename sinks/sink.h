/* sink.h - where events go: one sink thread fed by a bounded multi-producer queue.
 *
 * An event is a JSON object with at least "timestamp" and "event_type". Workers write
 * theirs as text into batches (sinks/batch.h, sink_emit_batch()); rare events (stats,
 * reload) are jansson objects handed over with sink_emit(). The sink thread
 * owns all output I/O (stdout / file as JSON lines, Redis stream, disk spool), so
 * workers never block on the network. sinks/ knows nothing about packets, flows or
 * identifiers: only events.
 *
 * Nothing is dropped silently: when the queue is full sink_emit() waits briefly, and
 * events that cannot reach their target are spooled or counted as lost (see stats). */
#ifndef LW_SINKS_SINK_H
#define LW_SINKS_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef struct sink sink_t;

struct sink_config {
    const char *out_path;     /* JSON lines to this file; NULL = stdout unless redis_url */
    int out_truncate;         /* empty out_path when opening it (else append); a reopen
                                 (SIGHUP) always appends */
    const char *redis_url;    /* redis://[user:password@]host:port/db or a unix socket
                                 path; NULL = no Redis */
    const char *redis_key;    /* stream key; NULL = "leakwatch:events" */
    long long redis_maxlen;   /* XADD MAXLEN ~ N; 0 = default 1000000, <0 = no trim */
    const char *spool_path;   /* spool file while Redis is away; NULL = default
                                 /var/tmp/leakwatch-spool.jsonl */
    long long spool_max_bytes;/* 0 = default 256 MiB */
    size_t queue_capacity;    /* events; 0 = default 65536 */
    long emit_wait_ms;        /* how long sink_emit() waits on a full queue before
                                 spooling (Redis-only target); 0 = default 100 */
    long redis_timeout_ms;    /* connect and per-command timeout; 0 = default 2000 */
    /* Called from the sink thread (or sink_open) when a target fails or recovers:
       Redis lost / back, file write error, spool full. NULL = silent (the text is
       still returned by sink_close() and sink_last_error()). */
    void (*on_error)(void *ud, const char *msg);
    void *on_error_ud;
    /* Called once (sink thread, on_error_ud) when stdout's reader went away (EPIPE,
     * `leakwatch ... | head -1`): not an error, as for tcpdump or jq. Later events
     * are discarded and counted (stdout_discarded), not lost. NULL: not told. */
    void (*on_stdout_closed)(void *ud);
};

struct sink_stats {
    uint64_t emitted;         /* accepted by sink_emit() */
    uint64_t written_lines;   /* written to stdout / file */
    uint64_t written_redis;   /* acknowledged by Redis */
    uint64_t spooled;         /* left in the spool at close */
    uint64_t lost;            /* could be neither written nor spooled */
    uint64_t queue_full_waits;/* times a producer had to wait */
    uint64_t line_errors;     /* events that could not be written to stdout / file */
    uint64_t spool_appended;  /* events written to the spool (this run) */
    uint64_t replayed;        /* events replayed from the spool into Redis */
    uint64_t emit_spooled;    /* of spool_appended: spooled by a producer because
                                 the queue stayed full */
    uint64_t redis_reconnects;/* successful reconnections after a loss */
    uint64_t agg_errors;      /* aggregate updates Redis refused */
    uint64_t duplicates_skipped; /* spooled events found already in the stream after
                                    an outage (their reply was lost), not re-sent */
    uint64_t stdout_discarded;/* events not written because stdout's reader had gone */
    int stdout_closed;        /* that reader went away (EPIPE) */
    uint64_t cpu_us;          /* CPU time of the sink thread (as of its last batch) */
};

/* Open the targets (file, Redis connection: a wrong password or database is an
 * error here, not later) and start the sink thread. Returns 0, or a negative lwerr.h
 * code with a message in err. On success *out is owned by the caller: sink_close()
 * then sink_free(). */
int sink_open(const struct sink_config *cfg, sink_t **out, char *err, size_t errlen);

/* Hand one event to the sink thread. Thread-safe (any number of producers). Takes
 * ownership of ev whatever the result. Returns 0, or a negative code if the sink is
 * closed (the event is then counted as lost). */
int sink_emit(sink_t *s, json_t *ev);

/* Hand a batch of event lines (sinks/batch.h) to the sink thread, which gives it back
 * to its pool when written (or at once when refused). Same waiting and spooling as
 * sink_emit(), per batch. Returns 0, or a negative code when the sink is closed (its
 * events are then counted as lost). */
struct sink_batch;
int sink_emit_batch(sink_t *s, struct sink_batch *b);

/* Ask the output file to be reopened (SIGHUP / logrotate); async-signal-safe. */
void sink_request_reopen(sink_t *s);

/* Drain the queue, write or spool everything, stop the thread. Fills *st if not NULL.
 * Returns 0, or a negative code if some target was lost (events then went to the
 * spool or were counted as lost; err says where). */
int sink_close(sink_t *s, struct sink_stats *st, char *err, size_t errlen);

/* Live counters (a snapshot; spooled = records pending in the spool now). */
void sink_get_stats(sink_t *s, struct sink_stats *st);

/* The last error message (empty if none) copied into buf. */
void sink_last_error(sink_t *s, char *buf, size_t len);

/* The event_id leakwatch gives an event without one: FNV-1a 64 of its compact JSON
   (keys in insertion order, before event_id is added), 16 lower-case hex digits.
   out must hold 17 bytes. */
void sink_event_id(const char *json, size_t len, char out[17]);

/* json[0..len) is one compact JSON object (len >= 2) without an event_id: its id
   (sink_event_id) goes into id and is spliced in as its last member,
   ',"event_id":"<id>"}' in place of the closing brace. json must have room for
   SINK_ID_ROOM more bytes. Returns the new length. */
#define SINK_ID_ROOM 31
size_t sink_event_id_splice(char *json, size_t len, char id[17]);

/* sink_event_id_splice() in two steps, for a producer that leaves the hashing to the
   sink thread: _reserve() puts the member in place with its 16 digits not yet
   written and returns the new length; _fill(json, len), later, with the same len (the
   object's length before _reserve()), writes the digits of the object's id. */
size_t sink_event_id_reserve(char *json, size_t len);
void sink_event_id_fill(char *json, size_t len);

/* Free; sink_free(NULL) does nothing. Closes first if sink_close() was not called. */
void sink_free(sink_t *s);

#endif
