/* ring.c - see ring.h. Each record starts with its length (8-byte aligned); a length
 * with the top bit set marks "the rest of the buffer is padding, go to offset 0".
 * head and tail are free-running byte counters; their difference is the fill.
 *
 * Sleeping is a Dekker handshake on two futex words: the sleeper stores "asleep"
 * then re-reads the other side's index; the other side stores its index then reads
 * "asleep" (all sequentially consistent), so at least one of them sees the other
 * and no wake-up is lost. The futex only blocks; every ordering of record bytes is
 * carried by the release/acquire pairs on head and tail. */
#include "capture/ring.h"
#include "common/bigmem.h"

#include <linux/futex.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REC_HDR 8
#define WRAP_MARK 0x80000000u
#define RING_PREFETCH_BYTES 256

/* Cache lines are grouped by who writes them, so the per-record work of one thread
 * never invalidates a line the other thread reads per record. */
struct ring {
    /* Producer only, written per record. */
    alignas(64) uint64_t phead;          /* committed end (>= head) */
    uint64_t pub;                        /* the producer's copy of head */
    uint64_t cached_tail;                /* producer's last view of tail */
    uint32_t batch_recs;
    size_t batch_bytes;
    /* Written by the producer once per batch, read by the consumer when it runs dry. */
    alignas(64) _Atomic uint64_t head;   /* published end */
    /* Written by the consumer per record, read by the producer when the ring looks full. */
    alignas(64) _Atomic uint64_t tail;
    /* Consumer only. */
    alignas(64) uint64_t ctail;          /* the consumer's copy of tail */
    uint64_t cached_head;                /* consumer's last view of head */
    size_t cur_len;                      /* length of the peeked record */
    /* Written only around a sleep, read per publish / per release. */
    alignas(64) _Atomic uint32_t prod_asleep;  /* futex word: producer waits for space */
    _Atomic uint32_t cons_asleep;              /* futex word: consumer waits for records */
    _Atomic uint64_t prod_want;          /* free bytes that end the producer's wait */
    _Atomic uint64_t full_waits;         /* producer writes, stats read */
    /* Read-only after ring_new(). */
    alignas(64) size_t size;
    size_t batch_max_bytes;
    uint8_t *buf;
};

static void futex_wait(_Atomic uint32_t *w, uint32_t val)
{
    /* EAGAIN (value changed), EINTR and spurious returns all mean "look again". */
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *w)
{
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

ring_t *ring_new(size_t capacity)
{
    ring_t *r = aligned_alloc(64, sizeof *r);
    if (!r)
        return NULL;
    size_t sz = 4096;
    while (sz < capacity)
        sz <<= 1;
    r->buf = bigmem_alloc(sz);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->phead = r->pub = r->cached_tail = 0;
    r->batch_recs = 0;
    r->batch_bytes = 0;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->ctail = r->cached_head = 0;
    r->cur_len = 0;
    atomic_init(&r->prod_asleep, 0);
    atomic_init(&r->cons_asleep, 0);
    atomic_init(&r->prod_want, 0);
    atomic_init(&r->full_waits, 0);
    r->size = sz;
    r->batch_max_bytes = sz / 8 < RING_BATCH_BYTES ? sz / 8 : RING_BATCH_BYTES;
    return r;
}

void ring_free(ring_t *r)
{
    if (!r)
        return;
    bigmem_free(r->buf, r->size);
    free(r);
}

size_t ring_max_record(const ring_t *r) { return r->size / 2 - REC_HDR; }

static size_t rec_space(size_t len) { return (REC_HDR + len + 7) & ~(size_t)7; }

void ring_flush(ring_t *r)
{
    r->batch_recs = 0;
    r->batch_bytes = 0;
    if (r->pub == r->phead)
        return;
    r->pub = r->phead;
    atomic_store(&r->head, r->pub);
    if (atomic_load(&r->cons_asleep) && atomic_exchange(&r->cons_asleep, 0))
        futex_wake(&r->cons_asleep);
}

/* The ring is too full for need more bytes at head: publish what we have (the
 * consumer must be able to drain it, or both would wait), then sleep until a quarter
 * of the ring, or need if larger, is free. */
static void prod_wait(ring_t *r, uint64_t head, size_t need)
{
    ring_flush(r);
    atomic_fetch_add_explicit(&r->full_waits, 1, memory_order_relaxed);
    uint64_t want = need > r->size / 4 ? need : r->size / 4;
    atomic_store(&r->prod_want, want);
    for (;;) {
        atomic_store(&r->prod_asleep, 1);
        r->cached_tail = atomic_load(&r->tail);
        if (r->size - (head - r->cached_tail) >= want)
            break;
        futex_wait(&r->prod_asleep, 1);
    }
    atomic_store(&r->prod_asleep, 0);
}

void *ring_reserve(ring_t *r, size_t len)
{
    uint64_t head = r->phead;
    size_t need = rec_space(len);
    size_t off = head & (r->size - 1);
    /* A record never straddles the end: add the padding to the requirement. */
    if (off + need > r->size)
        need += r->size - off;
    if (head + need - r->cached_tail > r->size) {
        r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head + need - r->cached_tail > r->size)
            prod_wait(r, head, need);
    }
    if (off + rec_space(len) > r->size) {
        *(uint32_t *)(r->buf + off) = WRAP_MARK;
        r->phead = head + (r->size - off);
        off = 0;
    }
    return r->buf + off + REC_HDR;
}

void ring_commit(ring_t *r, size_t len)
{
    size_t sp = rec_space(len);
    *(uint32_t *)(r->buf + (r->phead & (r->size - 1))) = (uint32_t)len;
    r->phead += sp;
    r->batch_bytes += sp;
    if (++r->batch_recs >= RING_BATCH_RECORDS || r->batch_bytes >= r->batch_max_bytes)
        ring_flush(r);
}

/* The consumer frees space up to tail; wake the producer if it waits for that much. */
static void cons_advance(ring_t *r, uint64_t tail)
{
    r->ctail = tail;
    atomic_store(&r->tail, tail);
    if (!atomic_load(&r->prod_asleep))
        return;
    uint64_t free_bytes = r->size - (atomic_load(&r->head) - tail);
    if (free_bytes >= atomic_load(&r->prod_want) && atomic_exchange(&r->prod_asleep, 0))
        futex_wake(&r->prod_asleep);
}

/* Nothing published beyond tail: sleep until the producer publishes. */
static void cons_wait(ring_t *r, uint64_t tail)
{
    atomic_store(&r->cons_asleep, 1);
    if (atomic_load(&r->head) == tail)
        futex_wait(&r->cons_asleep, 1);
    atomic_store(&r->cons_asleep, 0);
}

/* The record after the one handed out, when it is published already: its lines were
 * written on the producer's core, and fetching them while the current record is
 * worked on hides the transfer (the first touch of a record was most of ring_peek()). */
static void ring_prefetch_next(const ring_t *r, uint64_t next)
{
    if (next >= r->cached_head)
        return;
    size_t off = next & (r->size - 1);
    size_t n = r->size - off < RING_PREFETCH_BYTES ? r->size - off : RING_PREFETCH_BYTES;
    for (size_t i = 0; i < n; i += 64)
        __builtin_prefetch(r->buf + off + i);
}

const void *ring_peek(ring_t *r, size_t *len)
{
    for (;;) {
        uint64_t tail = r->ctail;
        if (r->cached_head == tail) {
            r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
            if (r->cached_head == tail) {
                cons_wait(r, tail);
                continue;
            }
        }
        size_t off = tail & (r->size - 1);
        uint32_t l = *(const uint32_t *)(r->buf + off);
        if (l & WRAP_MARK) {
            cons_advance(r, tail + (r->size - off));
            continue;
        }
        r->cur_len = l;
        *len = l;
        ring_prefetch_next(r, tail + rec_space(l));
        return r->buf + off + REC_HDR;
    }
}

void ring_release(ring_t *r)
{
    cons_advance(r, r->ctail + rec_space(r->cur_len));
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
