/* dnsmap.c - IP -> DNS name map; see dnsmap.h for the contract.
 *
 * Linear probing over a power-of-two table, limited to a window of DNSMAP_PROBE slots:
 * bounded work per operation, and no deletion tombstones because an expired or
 * evicted slot is simply overwritten in place. */
#include "dissectors/dnsmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/lwerr.h"

#define DNSMAP_PROBE 8

struct dnsmap_entry {
    uint64_t expires; /* 0 = empty slot */
    uint8_t family;
    uint8_t ip[16];
    char name[DNSMAP_NAME_MAX];
};

struct dnsmap {
    /* lock guards slots[] (contents and expiry). Readers take it shared; the
     * rare writers (one per DNS answer record) take it exclusive. */
    pthread_rwlock_t lock;
    size_t mask;
    struct dnsmap_entry *slots;
};

dnsmap_t *dnsmap_new(size_t capacity)
{
    size_t n = 16;
    while (n < capacity && n < ((size_t)1 << 30))
        n <<= 1;
    dnsmap_t *m = calloc(1, sizeof *m);
    if (!m)
        goto err;
    m->slots = calloc(n, sizeof *m->slots);
    if (!m->slots)
        goto err;
    if (pthread_rwlock_init(&m->lock, NULL) != 0)
        goto err;
    m->mask = n - 1;
    return m;
err:
    if (m)
        free(m->slots);
    free(m);
    return NULL;
}

void dnsmap_free(dnsmap_t *m)
{
    if (!m)
        return;
    pthread_rwlock_destroy(&m->lock);
    free(m->slots);
    free(m);
}

/* FNV-1a over family and address bytes. */
static size_t dnsmap_hash(int family, const uint8_t *ip, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)family;
    for (size_t i = 0; i < n; i++) {
        h ^= ip[i];
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 29));
}

static size_t dnsmap_iplen(int family)
{
    return family == 4 ? 4 : family == 6 ? 16 : 0;
}

static int dnsmap_same(const struct dnsmap_entry *e, int family, const uint8_t *ip,
                       size_t n)
{
    return e->expires && e->family == family && memcmp(e->ip, ip, n) == 0;
}

int dnsmap_put(dnsmap_t *m, int family, const uint8_t *ip, const char *name,
               uint32_t ttl, uint64_t now_s)
{
    size_t n = dnsmap_iplen(family);
    if (!m || !n || !ip || !name)
        return LW_ERR_INVAL;
    size_t h = dnsmap_hash(family, ip, n);
    pthread_rwlock_wrlock(&m->lock);
    struct dnsmap_entry *victim = NULL;
    for (size_t i = 0; i < DNSMAP_PROBE; i++) {
        struct dnsmap_entry *e = &m->slots[(h + i) & m->mask];
        if (dnsmap_same(e, family, ip, n)) {
            victim = e;
            break;
        }
        /* Empty or expired slots are free; otherwise remember the one dying first. */
        if (e->expires <= now_s) {
            if (!victim || victim->expires > now_s)
                victim = e;
            continue;
        }
        if (!victim || (victim->expires > now_s && e->expires < victim->expires))
            victim = e;
    }
    /* An entry for the same IP further along the window would be shadowed by the
     * victim; the window is small, so clear it rather than keep two. */
    for (size_t i = 0; i < DNSMAP_PROBE; i++) {
        struct dnsmap_entry *e = &m->slots[(h + i) & m->mask];
        if (e != victim && dnsmap_same(e, family, ip, n))
            e->expires = 0;
    }
    victim->expires = now_s + (ttl ? ttl : 1);
    victim->family = (uint8_t)family;
    memset(victim->ip, 0, sizeof victim->ip);
    memcpy(victim->ip, ip, n);
    size_t l = strnlen(name, DNSMAP_NAME_MAX - 1);
    memcpy(victim->name, name, l);
    victim->name[l] = 0;
    pthread_rwlock_unlock(&m->lock);
    return 0;
}

int dnsmap_get(dnsmap_t *m, int family, const uint8_t *ip, uint64_t now_s, char *out,
               size_t outlen)
{
    size_t n = dnsmap_iplen(family);
    if (!m || !n || !ip || !out || !outlen)
        return LW_ERR_INVAL;
    size_t h = dnsmap_hash(family, ip, n);
    int found = 0;
    out[0] = 0;
    pthread_rwlock_rdlock(&m->lock);
    for (size_t i = 0; i < DNSMAP_PROBE; i++) {
        const struct dnsmap_entry *e = &m->slots[(h + i) & m->mask];
        if (dnsmap_same(e, family, ip, n) && e->expires > now_s) {
            size_t l = strnlen(e->name, DNSMAP_NAME_MAX);
            if (l >= outlen)
                l = outlen - 1;
            memcpy(out, e->name, l);
            out[l] = 0;
            found = 1;
            break;
        }
    }
    pthread_rwlock_unlock(&m->lock);
    return found;
}

size_t dnsmap_count(dnsmap_t *m, uint64_t now_s)
{
    if (!m)
        return 0;
    size_t c = 0;
    pthread_rwlock_rdlock(&m->lock);
    for (size_t i = 0; i <= m->mask; i++)
        c += m->slots[i].expires > now_s;
    pthread_rwlock_unlock(&m->lock);
    return c;
}
