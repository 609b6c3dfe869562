/* test_dissectors_rec.h - records what the dissectors hand out, for the
 * test_dissectors_*.c programs (header only: each program is one translation unit). */
#ifndef LW_TESTS_DISSECTORS_REC_H
#define LW_TESTS_DISSECTORS_REC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"

struct rec_item {
    char where[32], key[128];
    uint8_t *val;
    size_t len;
};

struct rec {
    struct rec_item *it;
    size_t n, cap;
};

static inline void rec_add(struct rec *r, const char *where, const char *key, const uint8_t *v,
                    size_t len)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->it = realloc(r->it, r->cap * sizeof *r->it);
    }
    struct rec_item *x = &r->it[r->n++];
    snprintf(x->where, sizeof x->where, "%s", where);
    snprintf(x->key, sizeof x->key, "%s", key ? key : "");
    x->val = malloc(len + 1);
    memcpy(x->val, v, len);
    x->val[len] = 0;
    x->len = len;
}

static inline void rec_field(void *ctx, const char *where, const char *key, const uint8_t *v,
                      size_t len)
{
    rec_add(ctx, where, key, v, len);
}

/* Names are recorded with where = "name:" + kind and key "". */
static inline void rec_name(void *ctx, const char *kind, const char *name)
{
    char w[32];
    snprintf(w, sizeof w, "name:%s", kind);
    rec_add(ctx, w, "", (const uint8_t *)name, strlen(name));
}

static const struct dissect_cb rec_cb = {rec_field, rec_name, NULL, NULL, NULL};

static inline void rec_clear(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->it[i].val);
    free(r->it);
    memset(r, 0, sizeof *r);
}

/* How many items have this where, key (NULL: any) and value (NULL: any). */
static inline size_t rec_count(const struct rec *r, const char *where, const char *key,
                        const char *val)
{
    size_t c = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct rec_item *x = &r->it[i];
        if (strcmp(x->where, where) != 0 || (key && strcmp(x->key, key) != 0))
            continue;
        if (val && (x->len != strlen(val) || memcmp(x->val, val, x->len) != 0))
            continue;
        c++;
    }
    return c;
}

/* The first item with this where and key, or NULL. */
static inline const struct rec_item *rec_find(const struct rec *r, const char *where,
                                       const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->it[i].where, where) == 0 && strcmp(r->it[i].key, key) == 0)
            return &r->it[i];
    return NULL;
}

static inline void rec_dump(const struct rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        fprintf(stderr, "  [%s] %s = %.*s\n", r->it[i].where, r->it[i].key,
                (int)(r->it[i].len > 120 ? 120 : r->it[i].len), (const char *)r->it[i].val);
}

/* Feed a conversation through a fresh flow: c2s then s2c, each in pieces of step
 * bytes (0 = whole), then close. Counters accumulate in env. */
static inline void rec_feed(struct rec *r, struct dissect_env *env, uint16_t sport, uint16_t dport,
                     const uint8_t *c2s, size_t n0, const uint8_t *s2c, size_t n1,
                     size_t step)
{
    dissect_flow_t *f = dissect_flow_new(env, DISSECT_L4_TCP, sport, dport);
    const uint8_t *p[2] = {c2s, s2c};
    size_t n[2] = {n0, n1};
    for (int d = 0; d < 2; d++)
        for (size_t off = 0; off < n[d];) {
            size_t k = step && step < n[d] - off ? step : n[d] - off;
            dissect_flow_data(f, d, p[d] + off, k, &rec_cb, r);
            off += k;
        }
    dissect_flow_close(f, &rec_cb, r);
    dissect_flow_free(f);
}

static const size_t rec_steps[] = {1, 2, 3, 7, 13, 64, 1000, 0};
#define REC_NSTEPS (sizeof rec_steps / sizeof rec_steps[0])

#endif
