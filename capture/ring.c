/* ring.c - see ring.h. Each record starts with its length (8-byte aligned); a length
 * with the top bit set marks "the rest of the buffer is padding, go to offset 0".
 * head and tail are free-running byte counters; their difference is the fill. */
#include "capture/ring.h"

#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define REC_HDR 8
#define WRAP_MARK 0x80000000u

struct ring {
    /* Producer and consumer indexes on separate cache lines: they are written by
     * different threads. */
    alignas(64) _Atomic uint64_t head;   /* written by the producer only */
    uint64_t cached_tail;                /* producer's last view of tail */
    _Atomic uint64_t full_waits;         /* producer writes, stats read */
    alignas(64) _Atomic uint64_t tail;   /* written by the consumer only */
    uint64_t cached_head;                /* consumer's last view of head */
    size_t cur_len;                      /* consumer: length of the peeked record */
    alignas(64) size_t size;
    uint8_t *buf;
};

static void pause_step(unsigned *spins)
{
    if (++*spins < 64) {
        sched_yield();
        return;
    }
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
}

ring_t *ring_new(size_t capacity)
{
    ring_t *r = aligned_alloc(64, sizeof *r);
    if (!r)
        return NULL;
    size_t sz = 4096;
    while (sz < capacity)
        sz <<= 1;
    r->buf = malloc(sz);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->cached_tail = r->cached_head = 0;
    atomic_init(&r->full_waits, 0);
    r->cur_len = 0;
    r->size = sz;
    return r;
}

void ring_free(ring_t *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

size_t ring_max_record(const ring_t *r) { return r->size / 2 - REC_HDR; }

static size_t rec_space(size_t len) { return (REC_HDR + len + 7) & ~(size_t)7; }

void *ring_reserve(ring_t *r, size_t len)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t need = rec_space(len);
    size_t off = head & (r->size - 1);
    /* A record never straddles the end: add the padding to the requirement. */
    if (off + need > r->size)
        need += r->size - off;
    unsigned spins = 0;
    int waited = 0;
    while (head + need - r->cached_tail > r->size) {
        r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head + need - r->cached_tail <= r->size)
            break;
        waited = 1;
        pause_step(&spins);
    }
    if (waited)
        atomic_fetch_add_explicit(&r->full_waits, 1, memory_order_relaxed);
    if (off + rec_space(len) > r->size) {
        *(uint32_t *)(r->buf + off) = WRAP_MARK;
        head += r->size - off;
        atomic_store_explicit(&r->head, head, memory_order_release);
        off = 0;
    }
    return r->buf + off + REC_HDR;
}

void ring_commit(ring_t *r, size_t len)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    *(uint32_t *)(r->buf + (head & (r->size - 1))) = (uint32_t)len;
    atomic_store_explicit(&r->head, head + rec_space(len), memory_order_release);
}

const void *ring_peek(ring_t *r, size_t *len)
{
    unsigned spins = 0;
    for (;;) {
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (r->cached_head == tail) {
            r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
            if (r->cached_head == tail) {
                pause_step(&spins);
                continue;
            }
        }
        size_t off = tail & (r->size - 1);
        uint32_t l = *(const uint32_t *)(r->buf + off);
        if (l & WRAP_MARK) {
            atomic_store_explicit(&r->tail, tail + (r->size - off), memory_order_release);
            continue;
        }
        r->cur_len = l;
        *len = l;
        return r->buf + off + REC_HDR;
    }
}

void ring_release(ring_t *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + rec_space(r->cur_len), memory_order_release);
}

uint64_t ring_full_waits(const ring_t *r)
{
    return atomic_load_explicit(&r->full_waits, memory_order_relaxed);
}

size_t ring_used(const ring_t *r)
{
    return (size_t)(atomic_load_explicit(&r->head, memory_order_relaxed) -
                    atomic_load_explicit(&r->tail, memory_order_relaxed));
}
