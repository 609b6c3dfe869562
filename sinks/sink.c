/* sink.c - the sink thread: JSON lines to stdout / a file, events to Redis, the
 * spool while Redis is away, and the accounting that proves nothing was dropped.
 *
 * Policy (docs/redis.md has the long form):
 * - Producers push into a bounded queue. When it stays full for emit_wait_ms, an
 *   event bound only for Redis is spooled by the producer itself; when a file or
 *   stdout is also a target the producer waits (local I/O drains the queue, and the
 *   line would otherwise be missing from the file). Both are counted.
 * - While the spool holds records, new batches are appended to it rather than sent,
 *   so Redis receives events in order: old spool first.
 * - Redis failing (connection lost, timeout, refused writes): unacknowledged events
 *   go to the spool, reconnection backs off exponentially (100 ms .. 5 s).
 * - At close: the queue is drained, one last reconnection is tried if needed and the
 *   spool replayed; whatever is left stays in the spool and sink_close() says so.
 * It deliberately does not interpret events beyond "event_id" (and the aggregates
 * computed in redis.c), and never prints: errors go to the caller's callback and
 * buffers. */
#include "sinks/sink.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/batch.h"
#include "sinks/ofile.h"
#include "sinks/queue.h"
#include "sinks/redis.h"
#include "sinks/spool.h"
#include "common/clock.h"
#include "common/lwerr.h"

#define SINK_BATCH 256
/* Stream entries read back after an outage: what was in flight (one batch) with room
 * for other producers writing to the same stream meanwhile. */
#define SINK_RECENT 1024
/* Reals with 6 significant digits: 0.9 is written "0.9", not jansson's default
 * "0.90000000000000002" (17 digits); 1 stays "1.0". */
#define SINK_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))
#define SINK_BACKOFF_MIN_MS 100
#define SINK_BACKOFF_MAX_MS 5000
#define SINK_OUT_MODE 0640 /* -o files: events name devices and apps; not world-readable */
#define SINK_REPLAY_BATCHES 16 /* per loop turn, so the live queue keeps moving */

/* A growable byte buffer, reused batch after batch so serialising events does
 * not malloc per event (json_dumps() did, and showed in profiles). */
struct linebuf {
    char *buf;
    size_t cap, len;
};

struct sink {
    char *out_path;
    char *redis_url;
    char *redis_key;
    long long redis_maxlen;
    char *spool_path;
    long long spool_max_bytes;
    long emit_wait_ms;
    long redis_timeout_ms;
    void (*on_error)(void *ud, const char *msg);
    void *on_error_ud;

    sink_queue_t *q;
    sink_spool_t *spool;     /* set when Redis is a target; thread-safe itself */
    /* Owned by the sink thread once it runs (sink_open before, sink_close after). */
    FILE *out;               /* NULL: no line target, or a failed reopen */
    int out_is_stdout;
    int file_failing;        /* last write failed (to report transitions only) */
    atomic_int spool_failing; /* the last spool append failed (reported once) */
    atomic_int stdout_gone;  /* stdout's reader went away: discard, do not report */
    void (*on_stdout_closed)(void *ud);
    sink_redis_t *redis;
    int redis_was_lost;
    /* After a reconnection: event_ids at the tail of the stream. Events in flight when
     * the connection broke may be there although their reply was lost; replay skips
     * them, so neither the stream nor the aggregates count them twice. */
    char *recent[SINK_RECENT];
    size_t nrecent;
    long backoff_ms;
    struct timespec next_retry;

    pthread_t thr;
    int started;
    atomic_int closed;
    atomic_int reopen;

    atomic_uint_fast64_t emitted, written_lines, written_redis, lost, queue_full_waits,
        line_errors, spool_appended, replayed, emit_spooled, reconnects, agg_errors,
        dups_skipped, stdout_discarded;
    atomic_uint_fast64_t cpu_us;  /* the sink thread's CPU time, stored after each batch */

    /* err_mu guards lasterr, lost_code and lost_msg. */
    pthread_mutex_t err_mu;
    char lasterr[LW_ERRBUF];
    int lost_code;           /* the lwerr code that explains `lost`, if any */
    char lost_msg[LW_ERRBUF];/* and its message (later errors do not replace it) */

    int close_rc;
    char close_err[LW_ERRBUF];
    int close_done;

    struct linebuf lb;       /* sink thread only: this batch's lines */
};

/* snprintf("%s") into a smaller buffer trips -Wformat-truncation; this does not. */
static void copy_trunc(char *dst, size_t cap, const char *src)
{
    if (!dst || !cap)
        return;
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

#define FNV_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= FNV_PRIME;
    }
    return h;
}

static void id_hex(uint64_t h, char *out)
{
    for (int i = 15; i >= 0; i--, h >>= 4)
        out[i] = "0123456789abcdef"[h & 15];
}

void sink_event_id(const char *json, size_t len, char out[17])
{
    id_hex(fnv1a(FNV_BASIS, json, len), out);
    out[16] = 0;
}

/* Where _reserve() puts the member: in place of the closing brace, after a comma
 * unless the object was empty. */
static char *id_member(char *json, size_t len)
{
    return json + len - (len > 2 ? 0 : 1);
}

size_t sink_event_id_reserve(char *json, size_t len)
{
    char *q = id_member(json, len);
    if (len > 2)
        q[-1] = ',';
    memcpy(q, "\"event_id\":\"", 12);
    memset(q + 12, '0', 16);
    memcpy(q + 28, "\"}", 2);
    return (size_t)(q + 30 - json);
}

void sink_event_id_fill(char *json, size_t len)
{
    /* The closing brace is overwritten by now: it is hashed from the constant. */
    id_hex(fnv1a(fnv1a(FNV_BASIS, json, len - 1), "}", 1), id_member(json, len) + 12);
}

size_t sink_event_id_splice(char *json, size_t len, char id[17])
{
    sink_event_id(json, len, id);
    size_t n = sink_event_id_reserve(json, len);
    memcpy(id_member(json, len) + 12, id, 16);
    return n;
}

static void report(sink_t *s, int lost_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(sink_t *s, int lost_code, const char *fmt, ...)
{
    char msg[LW_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&s->err_mu);
    copy_trunc(s->lasterr, sizeof s->lasterr, msg);
    if (lost_code && !s->lost_code) {
        s->lost_code = lost_code;
        copy_trunc(s->lost_msg, sizeof s->lost_msg, msg);
    }
    pthread_mutex_unlock(&s->err_mu);
    if (s->on_error)
        s->on_error(s->on_error_ud, msg);
}

static int lb_reserve(struct linebuf *lb, size_t more)
{
    if (lb->len + more <= lb->cap)
        return 0;
    size_t nc = lb->cap ? lb->cap : 64 * 1024;
    while (nc < lb->len + more)
        nc *= 2;
    char *nb = realloc(lb->buf, nc);
    if (!nb)
        return -1;
    lb->buf = nb;
    lb->cap = nc;
    return 0;
}

/* Give ev an event_id if it has none, and append its line (no newline) to lb.
 * Returns 0 with *off and *len set, or -1 (not an object, or out of memory). */
static int prep_event(json_t *ev, struct linebuf *lb, size_t *off, size_t *len)
{
    if (!json_is_object(ev))
        return -1;
    size_t need;
    for (;;) {
        /* No buffer yet: pass NULL itself, since NULL + 0 is undefined in C. */
        need = json_dumpb(ev, lb->buf ? lb->buf + lb->len : NULL, lb->cap - lb->len,
                          SINK_DUMP_FLAGS);
        if (need == 0)
            return -1;
        if (need + SINK_ID_ROOM <= lb->cap - lb->len)
            break;
        if (lb_reserve(lb, need + SINK_ID_ROOM) < 0)
            return -1;
    }
    char *p = lb->buf + lb->len;
    if (!json_is_string(json_object_get(ev, "event_id"))) {
        /* Keys keep insertion order, so the new key is last: spliced into the text
         * instead of serialising the event a second time. */
        char id[17];
        size_t n = sink_event_id_splice(p, need, id);
        if (json_object_set_new(ev, "event_id", json_string(id)) < 0)
            return -1;
        need = n;
    }
    *off = lb->len;
    *len = need;
    lb->len += need;
    return 0;
}

static int redis_only(const sink_t *s)
{
    return s->redis_url && !s->out_path;
}

/* Append records to the spool; what does not fit is counted lost. */
static void spool_records(sink_t *s, const char *const *lines, const size_t *lens,
                          size_t n, int by_producer)
{
    char err[LW_ERRBUF] = "";
    size_t done = 0;
    int rc = sink_spool_append(s->spool, lines, lens, n, &done, err, sizeof err);
    atomic_fetch_add(&s->spool_appended, done);
    if (by_producer)
        atomic_fetch_add(&s->emit_spooled, done);
    if (rc < 0) {
        atomic_fetch_add(&s->lost, n - done);
        /* Once per failing spell, not per batch: the losses are counted in stats. */
        if (!atomic_exchange(&s->spool_failing, 1))
            report(s, rc, "%s (%zu event(s) lost; later losses are counted, not repeated)",
                   err, n - done);
    } else if (done) {
        atomic_store(&s->spool_failing, 0);
    }
}

static void redis_lost(sink_t *s, const char *why)
{
    sink_redis_disconnect(s->redis);
    s->next_retry = clock_deadline_ms(s->backoff_ms);
    if (!s->redis_was_lost)
        report(s, 0, "redis: %s; spooling to %s", why, sink_spool_path(s->spool));
    s->redis_was_lost = 1;
}

/* Send lines (already prepared events) to Redis; unacknowledged ones are spooled. */
static void send_live(sink_t *s, json_t **evs, char **lines, size_t *lens, size_t n)
{
    unsigned char ok[SINK_BATCH];
    char err[LW_ERRBUF] = "";
    unsigned long aggerr = 0;
    int rc = sink_redis_send(s->redis, evs, (const char *const *)lines, lens, n, ok,
                             &aggerr, err, sizeof err);
    atomic_fetch_add(&s->agg_errors, aggerr);
    if (rc == 0) {
        atomic_fetch_add(&s->written_redis, n);
        return;
    }
    const char *rest[SINK_BATCH];
    size_t restlen[SINK_BATCH], m = 0, acked = 0;
    for (size_t i = 0; i < n; i++) {
        if (ok[i]) {
            acked++;
        } else if (lines[i]) {
            rest[m] = lines[i];
            restlen[m++] = lens[i];
        }
    }
    atomic_fetch_add(&s->written_redis, acked);
    redis_lost(s, err);
    spool_records(s, rest, restlen, m, 0);
}

static void account_lines(sink_t *s, size_t good, size_t tried, int e);

/* The file target: opened again if a reopen failed (s->out stays NULL if it still fails). */
static void out_ready(sink_t *s)
{
    if (!s->out && s->out_path) {
        s->out = ofile_fopen_append(s->out_path, SINK_OUT_MODE);
        if (!s->out && !s->file_failing) {
            report(s, LW_ERR_IO, "cannot open %s: %s", s->out_path, ofile_strerror(errno));
            s->file_failing = 1;
        }
    }
}

/* A worker's batch: its lines are already text, one fwrite for all of them. When it
 * fails, the whole batch counts as failed (which of its lines reached the file is not
 * known). */
static void write_text(sink_t *s, const char *text, size_t len, size_t n)
{
    out_ready(s);
    if (atomic_load(&s->stdout_gone)) {
        atomic_fetch_add(&s->stdout_discarded, n);
        return;
    }
    int e = 0;
    size_t good = n;
    if (s->out) {
        if (fwrite(text, 1, len, s->out) != len)
            e = errno, good = 0;
        if (fflush(s->out) == EOF) {
            e = errno;
            good = 0;
            clearerr(s->out);
        }
    }
    account_lines(s, s->out ? good : 0, n, e);
}

static void write_lines(sink_t *s, char **lines, size_t *lens, size_t n)
{
    out_ready(s);
    size_t good = 0, tried = 0;
    int e = 0;
    if (atomic_load(&s->stdout_gone)) {
        for (size_t i = 0; i < n; i++)
            tried += lines[i] != NULL;
        atomic_fetch_add(&s->stdout_discarded, tried);
        return;
    }
    if (s->out) {
        for (size_t i = 0; i < n; i++) {
            if (!lines[i])
                continue;
            tried++;
            if (fwrite(lines[i], 1, lens[i], s->out) != lens[i] || fputc('\n', s->out) == EOF)
                e = errno;
            else
                good++;
        }
        /* Written-but-unflushed lines are only counted once fflush succeeds. */
        if (fflush(s->out) == EOF) {
            e = errno;
            good = 0;
            clearerr(s->out);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            tried += lines[i] != NULL;
    }
    account_lines(s, good, tried, e);
}

static void account_lines(sink_t *s, size_t good, size_t tried, int e)
{
    atomic_fetch_add(&s->written_lines, good);
    if (good < tried && e == EPIPE && s->out_is_stdout) {
        /* The reader of our stdout is gone (| head): what it did not take is
         * discarded, which is what it asked for. */
        atomic_store(&s->stdout_gone, 1);
        atomic_fetch_add(&s->stdout_discarded, tried - good);
        if (s->on_stdout_closed)
            s->on_stdout_closed(s->on_error_ud);
        return;
    }
    if (good < tried) {
        atomic_fetch_add(&s->line_errors, tried - good);
        if (!s->redis_url)
            atomic_fetch_add(&s->lost, tried - good);
        if (!s->file_failing)
            report(s, LW_ERR_IO, "write to %s failed: %s", s->out_is_stdout ? "stdout" : s->out_path,
                   e ? strerror(e) : "unknown error");
        s->file_failing = 1;
    } else if (s->file_failing && tried > 0) {
        s->file_failing = 0;
        report(s, 0, "writing to %s again", s->out_is_stdout ? "stdout" : s->out_path);
    }
}

static void to_redis(sink_t *s, json_t **evs, char **lines, size_t *lens, size_t n)
{
    if (sink_redis_connected(s->redis) && sink_spool_pending(s->spool) == 0) {
        send_live(s, evs, lines, lens, n);
    } else {
        const char *rl[SINK_BATCH];
        size_t rlen[SINK_BATCH], m = 0;
        for (size_t i = 0; i < n; i++) {
            if (lines[i]) {
                rl[m] = lines[i];
                rlen[m++] = lens[i];
            }
        }
        spool_records(s, rl, rlen, m, 0);
    }
}

static void handle_batch(sink_t *s, json_t **evs, size_t n)
{
    char *lines[SINK_BATCH];
    size_t offs[SINK_BATCH], lens[SINK_BATCH];
    size_t bad = 0;
    s->lb.len = 0;
    for (size_t i = 0; i < n; i++) {
        if (prep_event(evs[i], &s->lb, &offs[i], &lens[i]) < 0) {
            bad++;
            json_decref(evs[i]);
            evs[i] = NULL;
            offs[i] = SIZE_MAX;
        }
    }
    /* Pointers only now: the buffer may have moved while it grew. */
    for (size_t i = 0; i < n; i++)
        lines[i] = offs[i] == SIZE_MAX ? NULL : s->lb.buf + offs[i];
    if (bad) {
        atomic_fetch_add(&s->lost, bad);
        report(s, LW_ERR_INVAL, "%zu event(s) were not JSON objects or could not be "
               "serialised", bad);
    }
    if (s->out || s->out_path) /* out == NULL with a path: a reopen failed, retry */
        write_lines(s, lines, lens, n);
    if (s->redis)
        to_redis(s, evs, lines, lens, n);
    for (size_t i = 0; i < n; i++)
        json_decref(evs[i]);
    if (s->lb.cap > (16u << 20)) { /* one giant batch should not pin its buffer */
        free(s->lb.buf);
        s->lb = (struct linebuf){0};
    }
}

/* A worker's batch of lines: written as it is; Redis needs each event as an object
 * (flat fields, aggregates), parsed back from its line here, only for Redis. */
static void handle_text(sink_t *s, struct sink_batch *b)
{
    sink_batch_seal(b);
    if (s->out || s->out_path)
        write_text(s, b->w.buf, b->w.len, b->n);
    if (s->redis) {
        json_t *evs[SINK_BATCH];
        char *lines[SINK_BATCH];
        size_t lens[SINK_BATCH], m = 0;
        char *p = b->w.buf, *end = b->w.buf + b->w.len;
        while (p < end) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
            evs[m] = json_loadb(p, l, 0, NULL);
            lines[m] = p;
            lens[m++] = l;
            p += l + 1;
            if (m == SINK_BATCH || p >= end) {
                to_redis(s, evs, lines, lens, m);
                for (size_t i = 0; i < m; i++)
                    json_decref(evs[i]);
                m = 0;
            }
        }
    }
    sink_batch_release(b);
}

/* Replay up to max_batches batches from the spool. Returns 0 when the spool is now
 * empty, 1 when records remain, -1 when Redis failed. */
static void recent_clear(sink_t *s)
{
    for (size_t i = 0; i < s->nrecent; i++)
        free(s->recent[i]);
    s->nrecent = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The spool behind an outage can be long: a sorted tail makes each check a bsearch. */
static int already_in_redis(const sink_t *s, json_t *ev)
{
    const char *id = json_string_value(json_object_get(ev, "event_id"));
    return id && s->nrecent && bsearch(&id, s->recent, s->nrecent, sizeof *s->recent, cmp_str);
}

static int replay(sink_t *s, struct sink_spool_batch *b, int max_batches)
{
    json_t *evs[SINK_BATCH];
    unsigned char ok[SINK_BATCH];
    char err[LW_ERRBUF] = "";
    for (int k = 0; max_batches < 0 || k < max_batches; k++) {
        int n = sink_spool_peek(s->spool, SINK_BATCH, b, err, sizeof err);
        if (n < 0) {
            report(s, 0, "%s", err);
            return -1;
        }
        if (n == 0)
            return 0;
        for (int i = 0; i < n; i++) {
            evs[i] = json_loadb(b->recs[i], b->lens[i], 0, NULL);
            if (!json_is_object(evs[i])) {
                json_decref(evs[i]);
                evs[i] = NULL;
            }
        }
        /* Send only what is not already in the stream; those count as delivered. */
        json_t *sev[SINK_BATCH];
        unsigned char sok[SINK_BATCH], dup[SINK_BATCH];
        const char *srec[SINK_BATCH];
        size_t slen[SINK_BATCH], m = 0, ndup = 0;
        for (int i = 0; i < n; i++) {
            dup[i] = evs[i] && already_in_redis(s, evs[i]);
            ndup += dup[i];
            if (!dup[i]) {
                sev[m] = evs[i];
                srec[m] = b->recs[i];
                slen[m++] = b->lens[i];
            }
        }
        unsigned long aggerr = 0;
        int rc = m ? sink_redis_send(s->redis, sev, srec, slen, m, sok, &aggerr, err,
                                     sizeof err)
                   : 0;
        atomic_fetch_add(&s->agg_errors, aggerr);
        atomic_fetch_add(&s->dups_skipped, ndup);
        for (int i = 0, j = 0; i < n; i++)
            ok[i] = dup[i] ? 1 : sok[j++];
        /* Consume the longest delivered prefix (a corrupt record counts as handled
         * and lost); anything after a gap is re-sent later: duplicates are bounded by
         * one batch and carry the same event_id. */
        size_t prefix = 0, acked = 0, prefbad = 0;
        while (prefix < (size_t)n && (ok[prefix] || !evs[prefix])) {
            if (ok[prefix])
                acked++;
            else
                prefbad++;
            prefix++;
        }
        for (int i = 0; i < n; i++)
            json_decref(evs[i]);
        if (prefbad) {
            atomic_fetch_add(&s->lost, prefbad);
            report(s, LW_ERR_PARSE, "spool %s: %zu corrupt record(s) skipped",
                   sink_spool_path(s->spool), prefbad);
        }
        atomic_fetch_add(&s->written_redis, acked);
        atomic_fetch_add(&s->replayed, acked);
        char cerr[LW_ERRBUF] = "";
        if (prefix > 0 && sink_spool_consume(s->spool, b, prefix, cerr, sizeof cerr) < 0)
            report(s, 0, "%s", cerr);
        if (rc < 0) {
            redis_lost(s, err);
            return -1;
        }
    }
    if (sink_spool_pending(s->spool))
        return 1;
    recent_clear(s);
    return 0;
}

static void service_redis(sink_t *s, struct sink_spool_batch *b, int final)
{
    if (!sink_redis_connected(s->redis)) {
        if (!final && !clock_due(s->next_retry))
            return;
        char err[LW_ERRBUF] = "";
        if (sink_redis_reconnect(s->redis, err, sizeof err) < 0) {
            s->backoff_ms *= 2;
            if (s->backoff_ms > SINK_BACKOFF_MAX_MS)
                s->backoff_ms = SINK_BACKOFF_MAX_MS;
            s->next_retry = clock_deadline_ms(s->backoff_ms);
            pthread_mutex_lock(&s->err_mu);
            snprintf(s->lasterr, sizeof s->lasterr, "redis: %.*s", (int)(sizeof s->lasterr - 8), err);
            pthread_mutex_unlock(&s->err_mu);
            return;
        }
        s->backoff_ms = SINK_BACKOFF_MIN_MS;
        atomic_fetch_add(&s->reconnects, 1);
        if (s->redis_was_lost) {
            recent_clear(s);
            int k = sink_redis_recent_ids(s->redis, SINK_RECENT, s->recent, err, sizeof err);
            if (k < 0)
                report(s, 0, "redis: cannot read the stream tail (%s); events re-sent "
                       "after the outage may appear twice", err);
            s->nrecent = k > 0 ? (size_t)k : 0;
            qsort(s->recent, s->nrecent, sizeof *s->recent, cmp_str);
        }
        if (s->redis_was_lost)
            report(s, 0, "redis: connection restored; replaying spool");
        s->redis_was_lost = 0;
    }
    if (sink_spool_pending(s->spool))
        replay(s, b, final ? -1 : SINK_REPLAY_BATCHES);
}

static void reopen_out(sink_t *s)
{
    if (!s->out_path)
        return;
    if (s->out && fclose(s->out) == EOF)
        report(s, LW_ERR_IO, "closing %s before reopening: %s", s->out_path,
               strerror(errno));
    s->out = ofile_fopen_append(s->out_path, SINK_OUT_MODE);
    if (!s->out) {
        report(s, LW_ERR_IO, "cannot reopen %s: %s", s->out_path, ofile_strerror(errno));
        s->file_failing = 1;
    }
}

static void *sink_thread(void *arg)
{
    sink_t *s = arg;
    struct sink_item items[SINK_BATCH];
    json_t *evs[SINK_BATCH];
    struct sink_spool_batch b = {0};
    /* hiredis 0.14 writes with write(): a Redis that died would raise SIGPIPE and
     * kill the process. Blocked here, the write fails with EPIPE instead; the signal
     * stays pending on this thread only, which ends with it. */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    for (;;) {
        if (atomic_exchange(&s->reopen, 0))
            reopen_out(s);
        /* The 100 ms bound is what makes reopen requests and reconnection attempts
         * happen without a dedicated timer. */
        int n = sink_queue_pop(s->q, items, SINK_BATCH, 100);
        if (n < 0)
            break;
        /* In queue order: runs of single events together, each batch on its own. */
        size_t m = 0;
        for (int i = 0; i <= n; i++) {
            if (i < n && items[i].ev) {
                evs[m++] = items[i].ev;
                continue;
            }
            if (m)
                handle_batch(s, evs, m);
            m = 0;
            if (i < n)
                handle_text(s, items[i].batch);
        }
        if (s->redis)
            service_redis(s, &b, 0);
        atomic_store_explicit(&s->cpu_us, clock_thread_cpu_us(), memory_order_relaxed);
    }
    if (atomic_exchange(&s->reopen, 0))
        reopen_out(s);
    if (s->redis)
        service_redis(s, &b, 1);
    sink_spool_batch_clear(&b);
    return NULL;
}

static char *dup_or_null(const char *p, int *fail)
{
    if (!p)
        return NULL;
    char *d = strdup(p);
    if (!d)
        *fail = 1;
    return d;
}

void sink_free(sink_t *s);

int sink_open(const struct sink_config *cfg, sink_t **out, char *err, size_t errlen)
{
    int rc = LW_ERR_NOMEM, fail = 0;
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    sink_t *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    pthread_mutex_init(&s->err_mu, NULL);
    s->out_path = dup_or_null(cfg->out_path, &fail);
    s->redis_url = dup_or_null(cfg->redis_url, &fail);
    s->redis_key = dup_or_null(cfg->redis_key ? cfg->redis_key : "leakwatch:events", &fail);
    s->spool_path = dup_or_null(cfg->spool_path ? cfg->spool_path
                                                : "/var/tmp/leakwatch-spool.jsonl", &fail);
    if (fail)
        goto nomem;
    s->redis_maxlen = cfg->redis_maxlen == 0 ? 1000000 : cfg->redis_maxlen;
    s->spool_max_bytes = cfg->spool_max_bytes > 0 ? cfg->spool_max_bytes : 256LL << 20;
    s->emit_wait_ms = cfg->emit_wait_ms > 0 ? cfg->emit_wait_ms : 100;
    s->redis_timeout_ms = cfg->redis_timeout_ms > 0 ? cfg->redis_timeout_ms : 2000;
    s->on_error = cfg->on_error;
    s->on_error_ud = cfg->on_error_ud;
    s->on_stdout_closed = cfg->on_stdout_closed;
    s->backoff_ms = SINK_BACKOFF_MIN_MS;

    if (s->out_path) {
        s->out = ofile_fopen_write(s->out_path, SINK_OUT_MODE, cfg->out_truncate);
        if (!s->out) {
            snprintf(err, errlen, "cannot open %s: %s", s->out_path, ofile_strerror(errno));
            rc = LW_ERR_IO;
            goto fail;
        }
    } else if (!s->redis_url) {
        s->out = stdout;
        s->out_is_stdout = 1;
    }
    if (s->redis_url) {
        struct sink_redis_opts ro = {
            .url = s->redis_url,
            .key = s->redis_key,
            .maxlen = s->redis_maxlen,
            .timeout_ms = s->redis_timeout_ms,
        };
        /* A server closing on us during AUTH would raise SIGPIPE in the caller's
         * thread: block it for the handshake and swallow one we caused. */
        sigset_t pipe, old, pend;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, &old);
        sigpending(&pend);
        int was_pending = sigismember(&pend, SIGPIPE);
        rc = sink_redis_open(&ro, &s->redis, err, errlen);
        sigpending(&pend);
        if (!was_pending && sigismember(&pend, SIGPIPE)) {
            struct timespec zero = {0, 0};
            sigtimedwait(&pipe, NULL, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc < 0)
            goto fail;
        rc = sink_spool_open(s->spool_path, s->spool_max_bytes, &s->spool, err, errlen);
        if (rc < 0)
            goto fail;
    }
    s->q = sink_queue_new(cfg->queue_capacity ? cfg->queue_capacity : 65536);
    if (!s->q)
        goto nomem;
    if (pthread_create(&s->thr, NULL, sink_thread, s) != 0) {
        snprintf(err, errlen, "sink: cannot start thread");
        rc = LW_ERR_NOMEM;
        goto fail;
    }
    s->started = 1;
    *out = s;
    return 0;
nomem:
    rc = LW_ERR_NOMEM;
    snprintf(err, errlen, "sink: out of memory");
fail:
    if (s)
        s->close_done = 1; /* nothing to drain */
    sink_free(s);
    return rc;
}

int sink_emit(sink_t *s, json_t *ev)
{
    if (!ev)
        return LW_ERR_INVAL;
    if (atomic_load(&s->closed)) {
        json_decref(ev);
        atomic_fetch_add(&s->lost, 1);
        return LW_ERR_INVAL;
    }
    int waited = 0;
    struct sink_item it = {.ev = ev};
    int rc = sink_queue_push(s->q, it, s->emit_wait_ms, &waited);
    if (waited)
        atomic_fetch_add(&s->queue_full_waits, 1);
    if (rc == LW_ERR_FULL) {
        if (redis_only(s)) {
            struct linebuf lb = {0};
            size_t off, len;
            int prc = prep_event(ev, &lb, &off, &len);
            json_decref(ev);
            atomic_fetch_add(&s->emitted, 1);
            if (prc < 0) {
                free(lb.buf);
                atomic_fetch_add(&s->lost, 1);
                return LW_ERR_NOMEM;
            }
            const char *l = lb.buf + off;
            spool_records(s, &l, &len, 1, 1);
            free(lb.buf);
            return 0;
        }
        rc = sink_queue_push(s->q, it, -1, NULL);
    }
    if (rc < 0) {
        json_decref(ev);
        atomic_fetch_add(&s->lost, 1);
        return rc;
    }
    atomic_fetch_add(&s->emitted, 1);
    return 0;
}

int sink_emit_batch(sink_t *s, struct sink_batch *b)
{
    size_t n = b->n;
    if (atomic_load(&s->closed)) {
        sink_batch_release(b);
        atomic_fetch_add(&s->lost, n);
        return LW_ERR_INVAL;
    }
    int waited = 0;
    struct sink_item it = {.batch = b};
    int rc = sink_queue_push(s->q, it, s->emit_wait_ms, &waited);
    if (waited)
        atomic_fetch_add(&s->queue_full_waits, 1);
    if (rc == LW_ERR_FULL) {
        if (redis_only(s)) {
            /* As sink_emit(): the producer spools rather than wait on Redis. */
            const char *lines[SINK_BATCH];
            size_t lens[SINK_BATCH], m = 0;
            sink_batch_seal(b);
            const char *p = b->w.buf, *end = b->w.buf + b->w.len;
            while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
                lines[m] = p;
                lens[m++] = l;
                p += l + 1;
                if (m == SINK_BATCH || p >= end) {
                    spool_records(s, lines, lens, m, 1);
                    m = 0;
                }
            }
            atomic_fetch_add(&s->emitted, n);
            sink_batch_release(b);
            return 0;
        }
        rc = sink_queue_push(s->q, it, -1, NULL);
    }
    if (rc < 0) {
        sink_batch_release(b);
        atomic_fetch_add(&s->lost, n);
        return rc;
    }
    atomic_fetch_add(&s->emitted, n);
    return 0;
}

void sink_request_reopen(sink_t *s)
{
    /* Only an atomic store: this runs in signal handlers. The thread polls it. */
    if (s)
        atomic_store(&s->reopen, 1);
}

void sink_get_stats(sink_t *s, struct sink_stats *st)
{
    memset(st, 0, sizeof *st);
    st->emitted = atomic_load(&s->emitted);
    st->written_lines = atomic_load(&s->written_lines);
    st->written_redis = atomic_load(&s->written_redis);
    st->spooled = s->spool ? sink_spool_pending(s->spool) : 0;
    st->lost = atomic_load(&s->lost);
    st->queue_full_waits = atomic_load(&s->queue_full_waits);
    st->line_errors = atomic_load(&s->line_errors);
    st->spool_appended = atomic_load(&s->spool_appended);
    st->replayed = atomic_load(&s->replayed);
    st->duplicates_skipped = atomic_load(&s->dups_skipped);
    st->emit_spooled = atomic_load(&s->emit_spooled);
    st->redis_reconnects = atomic_load(&s->reconnects);
    st->agg_errors = atomic_load(&s->agg_errors);
    st->stdout_discarded = atomic_load(&s->stdout_discarded);
    st->stdout_closed = atomic_load(&s->stdout_gone);
    st->cpu_us = atomic_load_explicit(&s->cpu_us, memory_order_relaxed);
}

void sink_last_error(sink_t *s, char *buf, size_t len)
{
    pthread_mutex_lock(&s->err_mu);
    snprintf(buf, len, "%s", s->lasterr);
    pthread_mutex_unlock(&s->err_mu);
}

int sink_close(sink_t *s, struct sink_stats *st, char *err, size_t errlen)
{
    if (s->close_done) {
        if (st)
            sink_get_stats(s, st);
        copy_trunc(err, errlen, s->close_err);
        return s->close_rc;
    }
    atomic_store(&s->closed, 1);
    sink_queue_close(s->q);
    if (s->started)
        pthread_join(s->thr, NULL);
    s->started = 0;
    if (s->out) {
        int bad = s->out_is_stdout ? fflush(s->out) : fclose(s->out);
        if (bad == EOF && s->out_is_stdout && (errno == EPIPE || atomic_load(&s->stdout_gone)))
            atomic_store(&s->stdout_gone, 1);
        else if (bad == EOF)
            report(s, LW_ERR_IO, "closing %s: %s", s->out_is_stdout ? "stdout" : s->out_path,
                   strerror(errno));
        s->out = NULL;
    }
    struct sink_stats x;
    sink_get_stats(s, &x);
    int rc = 0;
    char msg[2 * LW_ERRBUF] = "";
    pthread_mutex_lock(&s->err_mu);
    int lost_code = s->lost_code;
    char last[LW_ERRBUF];
    copy_trunc(last, sizeof last, s->lost_code ? s->lost_msg : s->lasterr);
    pthread_mutex_unlock(&s->err_mu);
    if (x.lost) {
        rc = lost_code ? lost_code : LW_ERR_IO;
        snprintf(msg, sizeof msg, "%" PRIu64 " event(s) lost: %s", x.lost, last);
        if (x.spooled) {
            size_t l = strlen(msg);
            snprintf(msg + l, sizeof msg - l, "; %" PRIu64 " event(s) kept in spool %s",
                     x.spooled, sink_spool_path(s->spool));
        }
    } else if (x.line_errors) {
        rc = LW_ERR_IO;
        snprintf(msg, sizeof msg, "%" PRIu64 " line(s) not written: %s", x.line_errors, last);
    } else if (x.spooled) {
        rc = LW_ERR_CONNECT;
        snprintf(msg, sizeof msg, "redis unreachable at close: %" PRIu64
                 " event(s) kept in spool %s (%s)", x.spooled, sink_spool_path(s->spool), last);
    }
    s->close_rc = rc;
    copy_trunc(s->close_err, sizeof s->close_err, msg);
    s->close_done = 1;
    if (st)
        *st = x;
    copy_trunc(err, errlen, msg);
    return rc;
}

void sink_free(sink_t *s)
{
    if (!s)
        return;
    if (!s->close_done)
        sink_close(s, NULL, NULL, 0);
    if (s->out && !s->out_is_stdout)
        fclose(s->out);
    sink_queue_free(s->q);
    sink_redis_free(s->redis);
    sink_spool_free(s->spool);
    recent_clear(s);
    pthread_mutex_destroy(&s->err_mu);
    free(s->out_path);
    free(s->redis_url);
    free(s->redis_key);
    free(s->spool_path);
    free(s->lb.buf);
    free(s);
}
