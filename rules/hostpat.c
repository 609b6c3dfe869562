/* hostpat.c - see hostpat.h. Compile once, one scratch per thread (Hyperscan's own advice:
 * "size one scratch for every database a thread uses"). The scratch lives in a pthread
 * key so worker threads free theirs on exit; the registry below keeps every live scratch
 * reachable (and is what a thread's destructor unlinks from), guarded by reg_lock.
 *
 * Cache: the compiled database is serialized (hs_serialize_database) into
 * $XDG_CACHE_HOME/leakwatch/hostdb-<key>.hs (else $HOME/.cache/leakwatch/), the key a
 * SHA-256 of the Hyperscan version, the CPU platform and every expression with its flags,
 * so any change of the inputs misses. A missing, unreadable or corrupt cache file only
 * costs the compile; a cache that cannot be written is not an error. LEAKWATCH_NO_CACHE
 * (set, non-empty) turns it off. */
#include "rules/hostpat.h"

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
    long compile_us;
    int from_cache;
};

struct tl_scratch {
    hs_scratch_t *s;
    struct tl_scratch *next;
};

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

/* This thread's scratch, sized for db; NULL when memory is short. */
static hs_scratch_t *tl_get(const hs_database_t *db)
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
    /* Cheap when the scratch already fits: Hyperscan only compares sizes. */
    if (hs_alloc_scratch(db, &t->s) != HS_SUCCESS)
        return NULL;
    return t->s;
}

static long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* The cache file name for these inputs into path; 0, or -1 when there is no cache. */
static int cache_path(const char *const *exprs, const unsigned *flags, size_t n, char *path,
                      size_t cap)
{
    const char *no = getenv("LEAKWATCH_NO_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char dir[3072];
    hs_platform_info_t plat;
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    if (no && *no)
        return -1;
    if (xdg && *xdg == '/')
        snprintf(dir, sizeof dir, "%s/leakwatch", xdg);
    else if (home && *home == '/')
        snprintf(dir, sizeof dir, "%s/.cache/leakwatch", home);
    else
        return -1;
    memset(&plat, 0, sizeof plat);
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(md, hs_version(), strlen(hs_version()) + 1) &&
             EVP_DigestUpdate(md, &plat, sizeof plat);
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(md, &flags[i], sizeof flags[i]) &&
             EVP_DigestUpdate(md, exprs[i], strlen(exprs[i]) + 1);
    ok = ok && EVP_DigestFinal_ex(md, dig, &dlen);
    EVP_MD_CTX_free(md);
    if (!ok || dlen < 16)
        return -1;
    int w = snprintf(path, cap, "%s/hostdb-", dir);
    for (unsigned i = 0; i < 16 && w > 0 && (size_t)w + 3 < cap; i++)
        w += snprintf(path + w, cap - (size_t)w, "%02x", dig[i]);
    if (w <= 0 || (size_t)w + 4 >= cap)
        return -1;
    memcpy(path + w, ".hs", 4);
    return 0;
}

static hs_database_t *cache_read(const char *path)
{
    hs_database_t *db = NULL;
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        st.st_size < (64 << 20)) {
        char *buf = malloc((size_t)st.st_size);
        if (buf && fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size &&
            hs_deserialize_database(buf, (size_t)st.st_size, &db) != HS_SUCCESS)
            db = NULL;
        free(buf);
    }
    fclose(f);
    return db;
}

/* Write through a temporary file and rename, so readers never see half a database. */
static void cache_write(const char *path, const hs_database_t *db)
{
    char *bytes = NULL, tmp[4200], dir[4096];
    size_t len = 0;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = 0;
    slash = strrchr(dir, '/');
    if (slash) { /* .../leakwatch and its parent (~/.cache) */
        *slash = 0;
        mkdir(dir, 0700);
        *slash = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f) {
        int ok = fwrite(bytes, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
    free(bytes);
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
    char path[4096];
    int cached = cache_path(exprs, flags, n, path, sizeof path) == 0;
    if (cached && (h->db = cache_read(path))) {
        h->from_cache = 1;
        h->compile_us = now_us() - t0;
        *out = h;
        h = NULL;
        goto out;
    }
    if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &h->db, &cerr) !=
        HS_SUCCESS) {
        if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < n) {
            *bad = (size_t)cerr->expression;
            rc = LW_ERR_PARSE;
        } else {
            rc = LW_ERR_LIB;
        }
        snprintf(err, errlen, "%s", cerr ? cerr->message : "Hyperscan compile failed");
        goto out;
    }
    h->compile_us = now_us() - t0;
    if (cached)
        cache_write(path, h->db);
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
    hs_scratch_t *s = tl_get(h->db);
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
