/* queue.c - bounded MPSC event queue: ring buffer + mutex + two condvars.
 *
 * Does not drop, does not spool: a push that times out is returned to the caller,
 * which owns the policy. */
#include "sinks/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "common/lwerr.h"
#include "sinks/batch.h"

struct sink_queue {
    /* mu guards every field below it. */
    pthread_mutex_t mu;
    pthread_cond_t not_empty; /* signalled on push, kick and close */
    pthread_cond_t not_full;  /* signalled on pop and close */
    struct sink_item *ring;
    size_t cap, head, len;
    int closed;
    int kicked;
};

sink_queue_t *sink_queue_new(size_t capacity)
{
    if (capacity == 0)
        return NULL;
    sink_queue_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(capacity, sizeof *q->ring);
    if (!q->ring)
        goto err;
    q->cap = capacity;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    /* Timed waits use CLOCK_MONOTONIC so a wall-clock jump cannot stretch them. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, &ca);
    pthread_cond_init(&q->not_full, &ca);
    pthread_condattr_destroy(&ca);
    return q;
err:
    free(q);
    return NULL;
}

void sink_queue_free(sink_queue_t *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->len; i++) {
        struct sink_item *it = &q->ring[(q->head + i) % q->cap];
        json_decref(it->ev);
        if (it->batch)
            sink_batch_release(it->batch);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    free(q->ring);
    free(q);
}

int sink_queue_push(sink_queue_t *q, struct sink_item it, long wait_ms, int *waited)
{
    struct timespec dl;
    int rc = 0;
    if (waited)
        *waited = 0;
    if (wait_ms >= 0)
        dl = clock_deadline_ms(wait_ms);
    pthread_mutex_lock(&q->mu);
    while (!q->closed && q->len == q->cap) {
        if (waited)
            *waited = 1;
        if (wait_ms < 0) {
            pthread_cond_wait(&q->not_full, &q->mu);
        } else if (pthread_cond_timedwait(&q->not_full, &q->mu, &dl) == ETIMEDOUT) {
            if (q->len == q->cap && !q->closed) {
                rc = LW_ERR_FULL;
                goto out;
            }
        }
    }
    if (q->closed) {
        rc = LW_ERR_INVAL;
        goto out;
    }
    q->ring[(q->head + q->len) % q->cap] = it;
    q->len++;
    pthread_cond_signal(&q->not_empty);
out:
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int sink_queue_pop(sink_queue_t *q, struct sink_item *out, size_t max, long wait_ms)
{
    int n = 0;
    struct timespec dl = clock_deadline_ms(wait_ms < 0 ? 0 : wait_ms);
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && !q->closed && !q->kicked) {
        if (pthread_cond_timedwait(&q->not_empty, &q->mu, &dl) == ETIMEDOUT)
            break;
    }
    q->kicked = 0;
    if (q->len == 0 && q->closed) {
        n = -1;
        goto out;
    }
    while ((size_t)n < max && q->len > 0) {
        out[n++] = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    if (n > 0)
        pthread_cond_broadcast(&q->not_full);
out:
    pthread_mutex_unlock(&q->mu);
    return n;
}

void sink_queue_close(sink_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

void sink_queue_kick(sink_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->kicked = 1;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

size_t sink_queue_len(sink_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}
