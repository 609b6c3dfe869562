/* batch.c - see batch.h. */
#include "sinks/batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_BUFFERS 4

struct sink_batcher {
    sink_t *sink;
    size_t flush_bytes, max_events;
    struct sink_batch bufs[BATCH_BUFFERS];
    struct sink_batch *cur;    /* producer only: the buffer being written */
    size_t mark;               /* producer only: where the event begun starts */
    uint64_t refused;          /* producer only */
    /* mu guards free_list and home_count: the sink thread returns buffers. */
    pthread_mutex_t mu;
    pthread_cond_t returned;
    struct sink_batch *free_list;
    size_t home_count;         /* buffers not at the sink (free or cur) */
};

sink_batcher_t *sink_batcher_new(sink_t *s, size_t flush_bytes, size_t max_events)
{
    sink_batcher_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->sink = s;
    b->flush_bytes = flush_bytes ? flush_bytes : 64 * 1024;
    b->max_events = max_events ? max_events : 256;
    for (int i = 0; i < BATCH_BUFFERS; i++)
        if (!(b->bufs[i].ev = malloc(b->max_events * sizeof *b->bufs[i].ev))) {
            while (i--)
                free(b->bufs[i].ev);
            free(b);
            return NULL;
        }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->returned, NULL);
    for (int i = BATCH_BUFFERS - 1; i >= 1; i--) {
        b->bufs[i].home = b;
        b->bufs[i].next = b->free_list;
        b->free_list = &b->bufs[i];
    }
    b->bufs[0].home = b;
    b->cur = &b->bufs[0];
    b->home_count = BATCH_BUFFERS;
    return b;
}

void sink_batch_release(struct sink_batch *batch)
{
    sink_batcher_t *b = batch->home;
    jsonw_reset(&batch->w);
    batch->n = 0;
    pthread_mutex_lock(&b->mu);
    batch->next = b->free_list;
    b->free_list = batch;
    b->home_count++;
    pthread_cond_signal(&b->returned);
    pthread_mutex_unlock(&b->mu);
}

/* The next buffer to write into, waiting for the sink to return one. */
static struct sink_batch *take_free(sink_batcher_t *b)
{
    pthread_mutex_lock(&b->mu);
    while (!b->free_list)
        pthread_cond_wait(&b->returned, &b->mu);
    struct sink_batch *x = b->free_list;
    b->free_list = x->next;
    pthread_mutex_unlock(&b->mu);
    return x;
}

void sink_batcher_flush(sink_batcher_t *b)
{
    struct sink_batch *x = b->cur;
    if (!x || !x->n)
        return;
    pthread_mutex_lock(&b->mu);
    b->home_count--;
    pthread_mutex_unlock(&b->mu);
    b->cur = NULL;
    size_t n = x->n;
    /* A refused batch is released by sink_emit_batch itself. */
    if (sink_emit_batch(b->sink, x) < 0)
        b->refused += n;
    b->cur = take_free(b);
}

void sink_batcher_free(sink_batcher_t *b)
{
    if (!b)
        return;
    sink_batcher_flush(b);
    pthread_mutex_lock(&b->mu);
    while (b->home_count < BATCH_BUFFERS)
        pthread_cond_wait(&b->returned, &b->mu);
    pthread_mutex_unlock(&b->mu);
    for (int i = 0; i < BATCH_BUFFERS; i++) {
        jsonw_free(&b->bufs[i].w);
        free(b->bufs[i].ev);
    }
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->returned);
    free(b);
}

struct jsonw *sink_batcher_begin(sink_batcher_t *b)
{
    struct jsonw *w = &b->cur->w;
    b->mark = w->len;
    w->need_comma = 0;
    return w;
}

void sink_batcher_cancel(sink_batcher_t *b)
{
    struct jsonw *w = &b->cur->w;
    w->len = b->mark;
    w->failed = 0;
}

int sink_batcher_end(sink_batcher_t *b)
{
    struct jsonw *w = &b->cur->w;
    size_t need = w->len - b->mark;
    if (w->failed || need < 2 || jsonw_reserve(w, SINK_ID_ROOM + 1) < 0) {
        sink_batcher_cancel(b);
        return -1;
    }
    /* The same text the sink splices in after json_dumpb(): event_id last. */
    size_t n = sink_event_id_reserve(w->buf + b->mark, need);
    w->buf[b->mark + n] = '\n';
    w->len = b->mark + n + 1;
    b->cur->ev[b->cur->n++] = (struct sink_batch_ev){b->mark, need};
    if (w->len >= b->flush_bytes || b->cur->n >= b->max_events)
        sink_batcher_flush(b);
    return 0;
}

void sink_batch_seal(struct sink_batch *batch)
{
    for (size_t i = 0; i < batch->n; i++)
        sink_event_id_fill(batch->w.buf + batch->ev[i].off, batch->ev[i].len);
}

uint64_t sink_batcher_refused(const sink_batcher_t *b)
{
    return b->refused;
}
