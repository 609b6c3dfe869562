/* benchutil.h - what every benchmark program needs: a monotonic clock and a growable
 * byte buffer for building inputs. Header only (static functions): each benchmark is
 * one translation unit. */
#ifndef LW_BENCH_BENCHUTIL_H
#define LW_BENCH_BENCHUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct sbuf {
    uint8_t *p;
    size_t n, cap;
};

/* Append n bytes; out of memory ends the benchmark. */
static inline void put(struct sbuf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

#endif
