/* test_dissectors_limits.c - bounds on what untrusted input can make the dissectors
 * keep (issue 20): the key log holds at most KEYLOG_SESSIONS_MAX sessions, whether the
 * secrets come from a key log or from Decryption Secrets Blocks of a capture; past it
 * the oldest sessions make room (counted), and every session still held is found
 * (the index stays consistent through deletions). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    static const struct tu_case cases[] = {
        {"key log: sessions bounded, oldest evicted, the rest found", t_keylog_sessions_bounded},
        {NULL, NULL},
    };
    return tu_run("dissectors_limits", cases);
}
