/* hostpat.c - see hostpat.h. Compile once, one scratch per thread (Hyperscan's own advice:
 * "size one scratch for every database a thread uses"). The scratch lives in a pthread
 * key so worker threads free theirs on exit; the registry below keeps every live scratch
 * reachable (and is what a thread's destructor unlinks from), guarded by reg_lock.
 *
 * Cache: the database goes through the matcher's on-disk cache (hscache.h), so any
 * change of the inputs misses and a bad cache file only costs the compile.
 * LEAKWATCH_NO_CACHE (set, not "0") turns it off for this database. */
#include "rules/hostpat.h"
#include "rules/diskcache.h"
#include "rules/hscache.h"

#include <errno.h>
#include <hs.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/lwerr.h"

struct hostpat {
    hs_database_t *db;
    unsigned long serial;  /* which hostpat this is, for the scratch's sizing */
    long compile_us;
    int from_cache;
};

struct tl_scratch {
    hs_scratch_t *s;
    unsigned long sized_for; /* serial of the last database s was sized for; 0: none */
    struct tl_scratch *next;
};

/* Serials start at 1 and are never reused, unlike addresses of freed databases. */
static _Atomic unsigned long hostpat_serials;

static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tl_scratch *reg_head; /* guarded by reg_lock */

static void tl_destroy(void *p)
{
    struct tl_scratch *t = p, **pp;
    pthread_mutex_lock(&reg_lock);
    for (pp = &reg_head; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    pthread_mutex_unlock(&reg_lock);
    hs_free_scratch(t->s);
    free(t);
}

static void tl_init(void)
{
    pthread_key_create(&tl_key, tl_destroy);
}

/* This thread's scratch, sized for db (hostpat serial); NULL when memory is short. */
static hs_scratch_t *tl_get(const hs_database_t *db, unsigned long serial)
{
    pthread_once(&tl_once, tl_init);
    struct tl_scratch *t = pthread_getspecific(tl_key);
    if (!t) {
        if (!(t = calloc(1, sizeof *t)))
            return NULL;
        if (pthread_setspecific(tl_key, t) != 0) {
            free(t);
            return NULL;
        }
        pthread_mutex_lock(&reg_lock);
        t->next = reg_head;
        reg_head = t;
        pthread_mutex_unlock(&reg_lock);
    }
    /* hs_alloc_scratch() checks the database and works out its sizes on every call
     * (about 21k instructions, 10% of a run that looked up a host per flow): only when
     * the database is another one than last time. */
    if (t->sized_for != serial) {
        if (hs_alloc_scratch(db, &t->s) != HS_SUCCESS)
            return NULL;
        t->sized_for = serial;
    }
    return t->s;
}

static long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

int hostpat_new(const char *const *exprs, size_t n, hostpat_t **out, size_t *bad, char *err,
                size_t errlen)
{
    int rc = LW_OK;
    hostpat_t *h = NULL;
    unsigned *flags = NULL, *ids = NULL;
    hs_compile_error_t *cerr = NULL;
    *out = NULL;
    if (n == 0)
        return LW_OK;
    if (n > UINT_MAX || !(h = calloc(1, sizeof *h)) || !(flags = calloc(n, sizeof *flags)) ||
        !(ids = calloc(n, sizeof *ids))) {
        rc = LW_ERR_NOMEM;
        snprintf(err, errlen, "host patterns: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL;
        ids[i] = (unsigned)i;
    }
    long t0 = now_us();
    char dir[4096];
    enum hscache_how how = HSCACHE_COMPILED;
    if (hscache_compile_multi(diskcache_dir(dir, sizeof dir), exprs, flags, ids, (unsigned)n,
                              HS_MODE_BLOCK, &h->db, &cerr, &how) != HS_SUCCESS) {
        if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < n) {
            *bad = (size_t)cerr->expression;
            rc = LW_ERR_PARSE;
        } else {
            rc = LW_ERR_LIB;
        }
        snprintf(err, errlen, "%s", cerr ? cerr->message : "Hyperscan compile failed");
        goto out;
    }
    h->from_cache = how == HSCACHE_LOADED;
    h->serial = ++hostpat_serials;
    h->compile_us = now_us() - t0;
    *out = h;
    h = NULL;
out:
    hs_free_compile_error(cerr);
    free(flags);
    free(ids);
    hostpat_free(h);
    return rc;
}

void hostpat_free(hostpat_t *h)
{
    if (!h)
        return;
    hs_free_database(h->db);
    free(h);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    long *best = ctx;
    if (*best < 0 || (long)id < *best)
        *best = (long)id;
    return 0;
}

long hostpat_match(const hostpat_t *h, const char *host, size_t len)
{
    long best = -1;
    if (!h || !h->db || !host || len == 0 || len > UINT_MAX)
        return -1;
    hs_scratch_t *s = tl_get(h->db, h->serial);
    if (!s)
        return -1;
    if (hs_scan(h->db, host, (unsigned)len, 0, s, on_match, &best) != HS_SUCCESS)
        return -1;
    return best;
}

long hostpat_compile_us(const hostpat_t *h)
{
    return h ? h->compile_us : 0;
}

int hostpat_from_cache(const hostpat_t *h)
{
    return h ? h->from_cache : 0;
}
