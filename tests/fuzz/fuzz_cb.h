/* fuzz_cb.h - dissector callbacks for the fuzz targets: every byte handed out is read,
 * so ASan checks each range a dissector reports (a callback that only counted would
 * let an out-of-bounds length go unseen). Header only. */
#ifndef LW_TESTS_FUZZ_CB_H
#define LW_TESTS_FUZZ_CB_H

#include <string.h>

#include "dissectors/dissect.h"

static volatile uint8_t fuzz_sink;

static void fuzz_touch(const uint8_t *v, size_t n)
{
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= v[i];
    fuzz_sink ^= x;
}

static void fuzz_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    (void)ctx;
    fuzz_touch((const uint8_t *)where, strlen(where));
    if (key)
        fuzz_touch((const uint8_t *)key, strlen(key));
    fuzz_touch(v, n);
}

static void fuzz_name(void *ctx, const char *kind, const char *name)
{
    (void)ctx;
    fuzz_touch((const uint8_t *)kind, strlen(kind));
    fuzz_touch((const uint8_t *)name, strlen(name));
}

/* p NULL: n plaintext bytes were lost (dissect.h), nothing to read. */
static void fuzz_plain(void *ctx, int dir, const uint8_t *p, size_t n)
{
    (void)ctx, (void)dir;
    if (p)
        fuzz_touch(p, n);
}

static const struct dissect_cb fuzz_cb = {fuzz_field, fuzz_name, fuzz_plain, NULL, NULL};

#endif
