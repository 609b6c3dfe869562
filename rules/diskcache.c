/* diskcache.c - see diskcache.h.
 *
 * File layout (host byte order: keys that depend on the platform cover it):
 *   "LWCACHE\n" | key (32) | payload length (8) | SHA-256 of the payload (32) | payload */
#include "rules/diskcache.h"
#include "common/bigmem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DC_MAGIC "LWCACHE\n"
#define DC_HDR (8 + 32 + 8 + 32)
#define DC_MAX_FILE ((size_t)1 << 30)

int diskcache_sha256(const void *const parts[], const size_t lens[], int n, uint8_t out[32])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (int i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(c, parts[i], lens[i]);
    ok = ok && EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* Ours and closed to others: a cached database is code Hyperscan will run. */
static int dc_owned(const struct stat *st)
{
    return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* dir exists (made 0700 with its missing parents) and is a directory of ours. */
static int dc_dir_ready(const char *dir)
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
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && dc_owned(&st) ? 0 : -1;
}

static int dc_dir_ours(const char *dir)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && dc_owned(&st);
}

static int dc_path(char *out, size_t cap, const char *dir, const char *ext,
                   const uint8_t key[32])
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    int n = snprintf(out, cap, "%s/%s.%s", dir, hex, ext);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int dc_read_all(int fd, void *p, size_t n)
{
    for (uint8_t *b = p; n;) {
        ssize_t r = read(fd, b, n);
        if (r <= 0)
            return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The payload goes straight into its own buffer (bigmem.h: a large one costs a handful
 * of page faults, not one per 4 KiB), checked against the header read before it. */
void *diskcache_load(const char *dir, const char *ext, const uint8_t key[32], size_t *len)
{
    char path[PATH_MAX];
    uint8_t hdr[DC_HDR], sum[32], *p = NULL;
    uint64_t plen;
    struct stat st;
    int fd;
    if (!dir || !dc_dir_ours(dir) || dc_path(path, sizeof path, dir, ext, key) < 0 ||
        (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !dc_owned(&st) ||
        (size_t)st.st_size < DC_HDR || (size_t)st.st_size > DC_MAX_FILE ||
        dc_read_all(fd, hdr, DC_HDR) < 0)
        goto out;
    memcpy(&plen, hdr + 40, 8);
    *len = (size_t)st.st_size - DC_HDR;
    if (memcmp(hdr, DC_MAGIC, 8) || memcmp(hdr + 8, key, 32) || plen != *len ||
        !(p = bigmem_alloc(*len)))
        goto out;
    const void *part[] = {p};
    size_t plens[] = {*len};
    if (dc_read_all(fd, p, *len) < 0 || diskcache_sha256(part, plens, 1, sum) < 0 ||
        memcmp(sum, hdr + 48, 32)) {
        bigmem_free(p, *len);
        p = NULL;
    }
out:
    close(fd);
    return p;
}

static int dc_write_all(int fd, const void *p, size_t n)
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
int diskcache_store(const char *dir, const char *ext, const uint8_t key[32], const void *p,
                    size_t len)
{
    char path[PATH_MAX], tmp[PATH_MAX + 16];
    uint8_t hdr[DC_HDR];
    uint64_t plen = len;
    const void *part[] = {p};
    size_t plens[] = {len};
    if (!dir || dc_dir_ready(dir) < 0 || dc_path(path, sizeof path, dir, ext, key) < 0)
        return -1;
    memcpy(hdr, DC_MAGIC, 8);
    memcpy(hdr + 8, key, 32);
    memcpy(hdr + 40, &plen, 8);
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd;
    if (diskcache_sha256(part, plens, 1, hdr + 48) < 0 || (fd = mkstemp(tmp)) < 0)
        return -1;
    int rc = dc_write_all(fd, hdr, sizeof hdr) == 0 && dc_write_all(fd, p, len) == 0 ? 0 : -1;
    if (close(fd) < 0)
        rc = -1;
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int diskcache_default_dir(char *buf, size_t len)
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

const char *diskcache_dir(char *buf, size_t len)
{
    const char *no = getenv("LEAKWATCH_NO_CACHE");
    if (no && *no && strcmp(no, "0") != 0)
        return NULL;
    return diskcache_default_dir(buf, len) == 0 ? buf : NULL;
}
