/* hscache.c - see hscache.h.
 *
 * File layout (host byte order: the key covers the platform):
 *   "LWHSDB1\n" | key (32) | payload length (8) | SHA-256 of the payload (32) | payload
 * where the payload is hs_serialize_database()'s output. */
#include "rules/hscache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HC_MAGIC "LWHSDB1\n"
#define HC_HDR (8 + 32 + 8 + 32)
#define HC_MAX_FILE ((size_t)1 << 30)

static int hc_sha256(const void *parts[], const size_t lens[], int nparts, uint8_t out[32])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (int i = 0; ok && i < nparts; i++)
        ok = EVP_DigestUpdate(c, parts[i], lens[i]);
    ok = ok && EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* Everything that decides the compiled bytes: a database built by another Hyperscan
 * or for another CPU is another key, so it is never loaded here. */
static int hc_key(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                  unsigned n, unsigned mode, uint8_t key[32])
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return -1;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    const char *ver = hs_version();
    uint32_t head[2] = {mode, n};
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(c, HC_MAGIC, 8) && EVP_DigestUpdate(c, ver, strlen(ver) + 1) &&
             EVP_DigestUpdate(c, &plat, sizeof plat) && EVP_DigestUpdate(c, head, sizeof head);
    for (unsigned i = 0; ok && i < n; i++) {
        /* length first, so expression boundaries cannot shift between keys */
        uint32_t rec[3] = {flags ? flags[i] : 0, ids ? ids[i] : 0, (uint32_t)strlen(exprs[i])};
        ok = EVP_DigestUpdate(c, rec, sizeof rec) && EVP_DigestUpdate(c, exprs[i], rec[2]);
    }
    ok = ok && EVP_DigestFinal_ex(c, key, NULL);
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* Ours and closed to others: a cache file is code Hyperscan will run. */
static int hc_owned(const struct stat *st)
{
    return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* dir exists (made 0700 with its missing parents) and is a directory of ours. */
static int hc_dir_ready(const char *dir)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
        return -1;
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && hc_owned(&st) ? 0 : -1;
}

static void hc_path(char *out, size_t cap, const char *dir, const uint8_t key[32])
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    snprintf(out, cap, "%s/%s.hsdb", dir, hex);
}

/* The whole file, if it is a regular file of ours of a sane size; NULL otherwise. */
static uint8_t *hc_read(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !hc_owned(&st) ||
        (size_t)st.st_size < HC_HDR || (size_t)st.st_size > HC_MAX_FILE)
        goto out;
    *len = (size_t)st.st_size;
    if (!(buf = malloc(*len)))
        goto out;
    for (size_t got = 0; got < *len;) {
        ssize_t r = read(fd, buf + got, *len - got);
        if (r <= 0) {
            free(buf);
            buf = NULL;
            goto out;
        }
        got += (size_t)r;
    }
out:
    close(fd);
    return buf;
}

static int hc_load(const char *dir, const uint8_t key[32], hs_database_t **db)
{
    char path[PATH_MAX];
    size_t len;
    hc_path(path, sizeof path, dir, key);
    uint8_t *f = hc_read(path, &len), sum[32];
    uint64_t plen;
    int rc = -1;
    if (!f)
        return -1;
    memcpy(&plen, f + 40, 8);
    const void *part[] = {f + HC_HDR};
    size_t plens[] = {len - HC_HDR};
    if (memcmp(f, HC_MAGIC, 8) || memcmp(f + 8, key, 32) || plen != len - HC_HDR ||
        hc_sha256(part, plens, 1, sum) < 0 || memcmp(sum, f + 48, 32))
        goto out;
    if (hs_deserialize_database((const char *)f + HC_HDR, len - HC_HDR, db) == HS_SUCCESS)
        rc = 0;
out:
    free(f);
    return rc;
}

static int hc_write_all(int fd, const void *p, size_t n)
{
    for (const uint8_t *b = p; n;) {
        ssize_t w = write(fd, b, n);
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Written under a temporary name (mkstemp: new, 0600, never through a link) and
 * renamed over the final one, which replaces a link rather than following it. */
static int hc_store(const char *dir, const uint8_t key[32], const hs_database_t *db)
{
    char *bytes = NULL, path[PATH_MAX], tmp[PATH_MAX + 16];
    size_t len;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return -1;
    uint8_t hdr[HC_HDR];
    uint64_t plen = len;
    const void *part[] = {bytes};
    size_t plens[] = {len};
    memcpy(hdr, HC_MAGIC, 8);
    memcpy(hdr + 8, key, 32);
    memcpy(hdr + 40, &plen, 8);
    int rc = -1, fd = -1;
    hc_path(path, sizeof path, dir, key);
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    if (hc_sha256(part, plens, 1, hdr + 48) < 0 || (fd = mkstemp(tmp)) < 0)
        goto out;
    rc = hc_write_all(fd, hdr, sizeof hdr) == 0 && hc_write_all(fd, bytes, len) == 0 ? 0 : -1;
    if (close(fd) < 0)
        rc = -1;
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc < 0)
        unlink(tmp);
out:
    free(bytes);
    return rc;
}

hs_error_t hscache_compile_multi(const char *dir, const char *const *exprs,
                                 const unsigned *flags, const unsigned *ids, unsigned n,
                                 unsigned mode, hs_database_t **db, hs_compile_error_t **cerr,
                                 enum hscache_how *how)
{
    uint8_t key[32];
    int cached = dir && hc_key(exprs, flags, ids, n, mode, key) == 0 && hc_dir_ready(dir) == 0;
    enum hscache_how dummy;
    how = how ? how : &dummy;
    *how = HSCACHE_COMPILED;
    *cerr = NULL;
    if (cached && hc_load(dir, key, db) == 0) {
        *how = HSCACHE_LOADED;
        return HS_SUCCESS;
    }
    hs_error_t e = hs_compile_multi(exprs, flags, ids, n, mode, NULL, db, cerr);
    if (e == HS_SUCCESS && cached && hc_store(dir, key, *db) == 0)
        *how = HSCACHE_STORED;
    return e;
}

int hscache_default_dir(char *buf, size_t len)
{
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (x && x[0] == '/')
        n = snprintf(buf, len, "%s/leakwatch", x);
    else if (home && home[0] == '/')
        n = snprintf(buf, len, "%s/.cache/leakwatch", home);
    else
        return -1;
    return n > 0 && (size_t)n < len ? 0 : -1;
}
