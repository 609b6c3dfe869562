/* SPSC ring: batched publication, and a producer and a consumer thread exchanging
 * variable-size records across wrap-around and full/empty transitions: every record
 * arrives once, in order, intact. Threads only record what they saw; the assertions
 * run on the main thread after the joins (CUnit is not thread-safe). */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "capture/ring.h"
#include "tests/testutil.h"

#define NREC 200000u
#define MAX_REC 8184          /* longest record the tests write */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

/* Record i: its length (8..max, now and then the largest possible, so records wrap
 * and fill the ring), then its number, then bytes derived from the number. */
static size_t rec_len(uint64_t i, size_t max)
{
    uint64_t h = mix(i + 1);
    if (max > MAX_REC)
        max = MAX_REC;
    if (h % 97 == 0)
        return max;
    return 8 + (size_t)(h % 600);
}

/* Byte k of record i is (uint8_t)(i * 31 + k): a window of this table (memcpy and
 * memcmp keep the ThreadSanitizer build quick). */
static uint8_t pattern[256 + MAX_REC];

static const uint8_t *rec_bytes(uint64_t i) { return pattern + ((i * 31) & 255); }

static void rec_fill(uint8_t *p, uint64_t i, size_t len)
{
    memcpy(p, &i, 8);
    memcpy(p + 8, rec_bytes(i) + 8, len - 8);
}

static int rec_check(const uint8_t *p, uint64_t i, size_t len)
{
    uint64_t got;
    memcpy(&got, p, 8);
    return got == i && memcmp(p + 8, rec_bytes(i) + 8, len - 8) == 0;
}

struct run {
    ring_t *r;
    uint64_t n;
    int flush_every;          /* producer flushes after every k records (0: never) */
    uint64_t received, bad_order, bad_len, bad_bytes;
};

static void *producer(void *arg)
{
    struct run *x = arg;
    size_t max = ring_max_record(x->r);
    for (uint64_t i = 0; i < x->n; i++) {
        size_t len = rec_len(i, max);
        rec_fill(ring_reserve(x->r, len), i, len);
        ring_commit(x->r, len);
        if (x->flush_every && (i + 1) % (uint64_t)x->flush_every == 0)
            ring_flush(x->r);
    }
    /* the end marker: a 1-byte record; flushed, as a producer must before it stops */
    *(uint8_t *)ring_reserve(x->r, 1) = 0xee;
    ring_commit(x->r, 1);
    ring_flush(x->r);
    return NULL;
}

static void *consumer(void *arg)
{
    struct run *x = arg;
    size_t max = ring_max_record(x->r);
    for (uint64_t i = 0;; i++) {
        size_t len;
        const uint8_t *p = ring_peek(x->r, &len);
        if (len == 1 && p[0] == 0xee) {
            ring_release(x->r);
            return NULL;
        }
        uint64_t got;
        memcpy(&got, p, len >= 8 ? 8 : 0);
        if (len < 8 || got != i)
            x->bad_order++;
        else if (len != rec_len(i, max))
            x->bad_len++;
        else if (!rec_check(p, i, len))
            x->bad_bytes++;
        x->received++;
        ring_release(x->r);
    }
}

static void run_threads(size_t cap, int flush_every, int fill_first)
{
    struct run x = {.r = ring_new(cap), .n = NREC, .flush_every = flush_every};
    CU_ASSERT_FATAL(x.r != NULL);
    pthread_t p, c;
    CU_ASSERT_FATAL(pthread_create(&p, NULL, producer, &x) == 0);
    if (fill_first) {
        /* No consumer yet: the producer must fill the ring and go to sleep; only
         * then does the consumer start, so the full -> free transition is taken. */
        while (ring_full_waits(x.r) == 0)
            sched_yield();
    }
    CU_ASSERT_FATAL(pthread_create(&c, NULL, consumer, &x) == 0);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    CU_ASSERT_EQUAL(x.received, NREC);
    CU_ASSERT_EQUAL(x.bad_order, 0);
    CU_ASSERT_EQUAL(x.bad_len, 0);
    CU_ASSERT_EQUAL(x.bad_bytes, 0);
    CU_ASSERT_EQUAL(ring_used(x.r), 0);
    if (fill_first)
        CU_ASSERT(ring_full_waits(x.r) >= 1);
    ring_free(x.r);
}

/* A 4 KiB ring: records up to half of it, so it wraps and fills constantly. */
static void test_threads_small_ring(void) { run_threads(4096, 0, 1); }
/* Flushes at odd points (as the reader does at ticks) mixed with batch publishes. */
static void test_threads_flushes(void) { run_threads(16384, 7, 0); }
/* A ring far larger than a batch: publication by batch count and by bytes. */
static void test_threads_large_ring(void) { run_threads(1 << 20, 0, 0); }

/* Committed records are invisible to the consumer until their batch is published. */
static void test_batch_publication(void)
{
    ring_t *r = ring_new(1 << 20);
    CU_ASSERT_FATAL(r != NULL);
    for (int i = 0; i < 3; i++) {
        *(int *)ring_reserve(r, sizeof i) = i;
        ring_commit(r, sizeof i);
    }
    CU_ASSERT_EQUAL(ring_used(r), 0);
    ring_flush(r);
    CU_ASSERT_EQUAL(ring_used(r), 3 * 16);
    for (int i = 0; i < 3; i++) {
        size_t len;
        const int *p = ring_peek(r, &len);
        CU_ASSERT_EQUAL(len, sizeof i);
        CU_ASSERT_EQUAL(*p, i);
        ring_release(r);
    }
    CU_ASSERT_EQUAL(ring_used(r), 0);
    /* a full batch publishes itself */
    for (int i = 0; i < RING_BATCH_RECORDS - 1; i++) {
        *(int *)ring_reserve(r, sizeof i) = i;
        ring_commit(r, sizeof i);
    }
    CU_ASSERT_EQUAL(ring_used(r), 0);
    *(int *)ring_reserve(r, sizeof(int)) = 99;
    ring_commit(r, sizeof(int));
    CU_ASSERT_EQUAL(ring_used(r), RING_BATCH_RECORDS * 16);
    /* so do RING_BATCH_BYTES in a few large records */
    ring_t *big = ring_new(8u << 20);
    CU_ASSERT_FATAL(big != NULL);
    size_t rec = RING_BATCH_BYTES / 4;
    for (int i = 0; i < 3; i++) {
        memset(ring_reserve(big, rec), i, rec);
        ring_commit(big, rec);
    }
    CU_ASSERT_EQUAL(ring_used(big), 0);
    memset(ring_reserve(big, rec), 3, rec);
    ring_commit(big, rec);
    CU_ASSERT(ring_used(big) >= RING_BATCH_BYTES);
    ring_free(big);
    ring_free(r);
}

int main(void)
{
    for (size_t j = 0; j < sizeof pattern; j++)
        pattern[j] = (uint8_t)j;
    static const struct tu_case cases[] = {
        {"batch publication", test_batch_publication},
        {"threads, 4 KiB ring, filled before the consumer starts", test_threads_small_ring},
        {"threads, flushes between batches", test_threads_flushes},
        {"threads, 1 MiB ring", test_threads_large_ring},
        {NULL, NULL},
    };
    return tu_run("capture_ring", cases);
}
