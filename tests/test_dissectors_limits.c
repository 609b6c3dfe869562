/* test_dissectors_limits.c - bounds on what untrusted input can make the dissectors
 * keep (issue 20): the key log holds at most KEYLOG_SESSIONS_MAX sessions, whether the
 * secrets come from a key log or from Decryption Secrets Blocks of a capture; past it
 * the oldest sessions make room (counted), and every session still held is found
 * (the index stays consistent through deletions). The memory budget (memcap.h): exact
 * under concurrent draws, never passed; HTTP bodies drawing from it are cut when it is
 * spent, and give every byte back. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "common/memcap.h"
#include "dissectors/http1.h"
#include "dissectors/keylog.h"
#include "tests/testutil.h"

#define CAP (128u * 1024) /* KEYLOG_SESSIONS_MAX in keylog.c */

static void cr_of(uint32_t i, uint8_t cr[32])
{
    /* Spread like real client randoms (the index hashes the first 8 bytes), with
     * collisions on purpose: sessions 2k and 2k+1 share those bytes, so their home
     * slot, and deletions must shift probe runs correctly. */
    uint64_t x = (uint64_t)(i / 2) * 0x9e3779b97f4a7c15ull;
    memset(cr, 0, 32);
    memcpy(cr, &x, 8);
    memcpy(cr + 8, &i, 4);
}

static size_t line(char *o, uint32_t i)
{
    uint8_t cr[32];
    cr_of(i, cr);
    size_t k = (size_t)sprintf(o, "CLIENT_TRAFFIC_SECRET_0 ");
    for (int j = 0; j < 32; j++)
        k += (size_t)sprintf(o + k, "%02x", cr[j]);
    k += (size_t)sprintf(o + k, " ");
    for (int j = 0; j < 32; j++)
        k += (size_t)sprintf(o + k, "%02x", (uint8_t)(i + (uint32_t)j));
    o[k++] = '\n';
    return k;
}

static uint64_t evicted;

static void stat_fn(void *ctx, const char *name, uint64_t v)
{
    (void)ctx;
    if (!strcmp(name, "keylog_evicted"))
        evicted = v;
}

static void t_keylog_sessions_bounded(void)
{
    const uint32_t extra = 1000, total = CAP + extra;
    char *text = malloc((size_t)total * 200);
    CU_ASSERT_FATAL(text != NULL);
    size_t n = 0;
    for (uint32_t i = 0; i < total; i++)
        n += line(text + n, i);
    keylog_t *kl = keylog_new();
    CU_ASSERT_FATAL(kl != NULL);
    CU_ASSERT_EQUAL(keylog_add_text(kl, text, n), (int)total);
    keylog_stats_each(kl, stat_fn, NULL);
    CU_ASSERT_EQUAL(evicted, extra);
    uint32_t found_old = 0, missing_new = 0;
    for (uint32_t i = 0; i < total; i++) {
        uint8_t cr[32];
        struct keylog_secrets s;
        cr_of(i, cr);
        unsigned have = keylog_lookup(kl, cr, &s);
        if (i < extra)
            found_old += have != 0;
        else
            missing_new += have == 0 || s.sec[KEYLOG_CTS0][0] != (uint8_t)i;
    }
    CU_ASSERT_EQUAL(found_old, 0);   /* the oldest made room */
    CU_ASSERT_EQUAL(missing_new, 0); /* everything kept is found, with its own secret */
    keylog_free(kl);
    free(text);
}

/* Four threads draw and give back at random against a small limit: the budget is
 * never passed, and ends at zero. */
static struct memcap shared;

static void *drawer(void *arg)
{
    uint64_t x = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
    size_t held[64] = {0};
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t k = x % 64;
        if (held[k]) {
            memcap_give(&shared, held[k]);
            held[k] = 0;
        } else if (memcap_take(&shared, 1 + (x >> 8) % 5000)) {
            held[k] = 1 + (x >> 8) % 5000;
        }
    }
    for (int k = 0; k < 64; k++)
        memcap_give(&shared, held[k]);
    return NULL;
}

static void t_memcap_threads(void)
{
    memcap_init(&shared, 100000);
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        CU_ASSERT_FATAL(pthread_create(&th[i], NULL, drawer, (void *)i) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(memcap_used(&shared), 0);
    CU_ASSERT(memcap_peak(&shared) <= 100000 && memcap_peak(&shared) > 50000);
    CU_ASSERT(memcap_refused(&shared) > 0);
    CU_ASSERT_EQUAL(memcap_left(&shared), 100000);
}

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    (void)ctx, (void)where, (void)key, (void)v, (void)n;
}

/* 40 HTTP/1 connections each send a 200 KiB body without its end, against a 1 MiB
 * budget: the first few buffer, the rest are cut (counted), nothing passes the
 * budget, and every byte comes back when the connections go. */
static void t_bodies_in_budget(void)
{
    struct memcap mc;
    memcap_init(&mc, 1u << 20);
    static const char hdr[] = "POST /u HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                              "Content-Length: 300000\r\n\r\n";
    uint8_t *chunk = malloc(200 * 1024);
    CU_ASSERT_FATAL(chunk != NULL);
    memset(chunk, 'a', 200 * 1024);
    struct dissect_stats st = {0};
    struct dissect_cb cb = {on_field, NULL, NULL, NULL, NULL};
    struct http1 *h[40];
    for (int i = 0; i < 40; i++) {
        CU_ASSERT_FATAL((h[i] = http1_new(&st)) != NULL);
        http1_set_memcap(h[i], &mc);
        http1_data(h[i], 0, (const uint8_t *)hdr, sizeof hdr - 1, &cb, NULL);
        http1_data(h[i], 0, chunk, 200 * 1024, &cb, NULL);
    }
    CU_ASSERT(memcap_peak(&mc) <= 1u << 20);
    CU_ASSERT(memcap_used(&mc) > 512u * 1024);
    CU_ASSERT(memcap_refused(&mc) > 0);
    CU_ASSERT(st.http_body_truncated >= 30);
    for (int i = 0; i < 40; i++) {
        http1_close(h[i], &cb, NULL);
        http1_free(h[i]);
    }
    CU_ASSERT_EQUAL(memcap_used(&mc), 0);
    free(chunk);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"key log: sessions bounded, oldest evicted, the rest found", t_keylog_sessions_bounded},
        {"memory budget: concurrent draws, never passed, back to zero", t_memcap_threads},
        {"memory budget: HTTP bodies cut when it is spent, all given back", t_bodies_in_budget},
        {NULL, NULL},
    };
    return tu_run("dissectors_limits", cases);
}
