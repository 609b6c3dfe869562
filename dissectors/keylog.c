/* keylog.c - TLS session secrets from NSS key log files and pcapng Decryption Secrets
 * Blocks; see keylog.h.
 *
 * Secrets live in a vector of entries indexed by an open-addressing table keyed by the
 * client random (already uniformly random, so its first bytes are the hash). One
 * rwlock guards both: the reader thread writes (keylog_add_*, keylog_poll), workers
 * look up. Counters are relaxed atomics so keylog_stats_each() needs no lock.
 *
 * Deliberately not done: TLS 1.3 early data and exporter secrets (counted as ignored),
 * removing old sessions (a lab key log holds thousands of lines, not millions). */
#include "dissectors/keylog.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ascii.h"
#include "common/bytes.h"
#include "common/lwerr.h"

#define KEYLOG_LINE_MAX 512 /* longest label + 64 + 96 hex is ~195 */
#define KEYLOG_FILES_MAX 16
#define KEYLOG_BLOCK_MAX (64u << 20) /* a pcapng block larger than this is corrupt */

struct keylog_ent {
    uint8_t cr[32];
    struct keylog_secrets s;
};

struct keylog_file {
    char *path;
    long long off;        /* bytes consumed so far */
    char part[KEYLOG_LINE_MAX];
    size_t part_len;
    int skipping;         /* inside an over-long line: drop up to its newline */
};

#define KEYLOG_COUNTERS(X) \
    X(lines) X(secrets) X(bad_lines) X(ignored_lines) X(dsb_blocks) X(read_errors)

struct keylog {
    pthread_rwlock_t lock; /* guards ents, n, cap, idx, idx_size */
    struct keylog_ent *ents;
    size_t n, cap;
    uint32_t *idx; /* 0 empty, else entry index + 1 */
    size_t idx_size;
    atomic_uint_fast64_t gen;
    /* Followed files: touched by the reader thread only. */
    struct keylog_file files[KEYLOG_FILES_MAX];
    size_t nfiles;
    atomic_int following;
#define KEYLOG_CNT(n) atomic_uint_fast64_t n;
    KEYLOG_COUNTERS(KEYLOG_CNT)
#undef KEYLOG_CNT
};

static const struct {
    const char *label;
    int kind; /* -1: known, ignored */
} keylog_labels[] = {
    {"CLIENT_RANDOM", KEYLOG_MASTER},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_CHS},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_SHS},
    {"CLIENT_TRAFFIC_SECRET_0", KEYLOG_CTS0},
    {"SERVER_TRAFFIC_SECRET_0", KEYLOG_STS0},
    {"EXPORTER_SECRET", -1},
    {"EARLY_EXPORTER_SECRET", -1},
    {"CLIENT_EARLY_TRAFFIC_SECRET", -1},
    {NULL, 0},
};

keylog_t *keylog_new(void)
{
    keylog_t *kl = calloc(1, sizeof *kl);
    if (!kl)
        return NULL;
    if (pthread_rwlock_init(&kl->lock, NULL) != 0) {
        free(kl);
        return NULL;
    }
    return kl;
}

void keylog_free(keylog_t *kl)
{
    if (!kl)
        return;
    for (size_t i = 0; i < kl->nfiles; i++)
        free(kl->files[i].path);
    free(kl->ents);
    free(kl->idx);
    pthread_rwlock_destroy(&kl->lock);
    free(kl);
}

static size_t keylog_hash(const uint8_t cr[32])
{
    uint64_t h;
    memcpy(&h, cr, sizeof h);
    return (size_t)(h ^ h >> 29);
}

/* Slot holding cr, or the empty slot where it would go. Lock held. */
static size_t keylog_slot(const keylog_t *kl, const uint8_t cr[32])
{
    size_t m = kl->idx_size - 1, i = keylog_hash(cr) & m;
    while (kl->idx[i] && memcmp(kl->ents[kl->idx[i] - 1].cr, cr, 32) != 0)
        i = (i + 1) & m;
    return i;
}

/* Write lock held. 0, or -1 when out of memory. */
static int keylog_grow(keylog_t *kl)
{
    if (kl->n == kl->cap) {
        size_t c = kl->cap ? kl->cap * 2 : 64;
        struct keylog_ent *e = realloc(kl->ents, c * sizeof *e);
        if (!e)
            return -1;
        kl->ents = e;
        kl->cap = c;
    }
    if ((kl->n + 1) * 2 <= kl->idx_size)
        return 0;
    size_t ns = kl->idx_size ? kl->idx_size * 2 : 128;
    uint32_t *ni = calloc(ns, sizeof *ni), *old = kl->idx;
    if (!ni)
        return -1;
    kl->idx = ni;
    kl->idx_size = ns;
    for (size_t i = 0; i < kl->n; i++)
        kl->idx[keylog_slot(kl, kl->ents[i].cr)] = (uint32_t)(i + 1);
    free(old);
    return 0;
}

static int keylog_put(keylog_t *kl, const uint8_t cr[32], int kind, const uint8_t *sec,
                      size_t len)
{
    int rc = -1;
    pthread_rwlock_wrlock(&kl->lock);
    if (keylog_grow(kl) < 0)
        goto out;
    size_t s = keylog_slot(kl, cr);
    struct keylog_ent *e;
    if (kl->idx[s]) {
        e = &kl->ents[kl->idx[s] - 1];
    } else {
        e = &kl->ents[kl->n];
        memset(e, 0, sizeof *e);
        memcpy(e->cr, cr, 32);
        kl->idx[s] = (uint32_t)++kl->n;
    }
    memcpy(e->s.sec[kind], sec, len);
    e->s.len[kind] = (uint8_t)len;
    e->s.have |= 1u << kind;
    rc = 0;
out:
    pthread_rwlock_unlock(&kl->lock);
    if (rc == 0)
        atomic_fetch_add_explicit(&kl->gen, 1, memory_order_release);
    return rc;
}

unsigned keylog_lookup(keylog_t *kl, const uint8_t cr[32], struct keylog_secrets *out)
{
    memset(out, 0, sizeof *out);
    if (!kl)
        return 0;
    pthread_rwlock_rdlock(&kl->lock);
    if (kl->n) {
        size_t s = keylog_slot(kl, cr);
        if (kl->idx[s])
            *out = kl->ents[kl->idx[s] - 1].s;
    }
    pthread_rwlock_unlock(&kl->lock);
    return out->have;
}

uint64_t keylog_generation(const keylog_t *kl)
{
    return kl ? atomic_load_explicit(&kl->gen, memory_order_acquire) : 0;
}

int keylog_following(const keylog_t *kl)
{
    return kl ? atomic_load_explicit(&kl->following, memory_order_relaxed) : 0;
}

static void keylog_inc(atomic_uint_fast64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* One line without its newline. Returns 1 if a secret was stored. */
static int keylog_line(keylog_t *kl, const char *s, size_t n)
{
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!n || s[0] == '#')
        return 0;
    keylog_inc(&kl->lines);
    const char *sp1 = memchr(s, ' ', n);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s)) : NULL;
    if (!sp2) {
        keylog_inc(&kl->bad_lines);
        return 0;
    }
    size_t ll = (size_t)(sp1 - s), crl = (size_t)(sp2 - sp1 - 1);
    size_t sl = n - (size_t)(sp2 + 1 - s);
    int kind = -2;
    for (size_t i = 0; keylog_labels[i].label; i++)
        if (strlen(keylog_labels[i].label) == ll && !memcmp(s, keylog_labels[i].label, ll))
            kind = keylog_labels[i].kind;
    uint8_t cr[32], sec[KEYLOG_SECRET_MAX];
    int len_ok = kind == KEYLOG_MASTER ? sl == 96 : sl == 64 || sl == 96;
    if (kind == -2 || crl != 64 || !len_ok || ascii_unhex(sp1 + 1, 32, cr) < 0 ||
        ascii_unhex(sp2 + 1, sl / 2, sec) < 0) {
        keylog_inc(&kl->bad_lines);
        return 0;
    }
    if (kind < 0) {
        keylog_inc(&kl->ignored_lines);
        return 0;
    }
    if (keylog_put(kl, cr, kind, sec, sl / 2) < 0)
        return 0;
    keylog_inc(&kl->secrets);
    return 1;
}

/* Feed bytes of a file: whole lines are parsed, a partial last line waits in f. */
static int keylog_feed(keylog_t *kl, struct keylog_file *f, const char *p, size_t n)
{
    int added = 0;
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t ll = nl ? (size_t)(nl - p) : n;
        if (f->skipping) {
            /* counted when it started */
        } else if (f->part_len + ll >= sizeof f->part) {
            keylog_inc(&kl->lines);
            keylog_inc(&kl->bad_lines);
            f->skipping = 1;
            f->part_len = 0;
        } else if (!nl) {
            memcpy(f->part + f->part_len, p, ll);
            f->part_len += ll;
        } else if (f->part_len) {
            memcpy(f->part + f->part_len, p, ll);
            added += keylog_line(kl, f->part, f->part_len + ll);
            f->part_len = 0;
        } else {
            added += keylog_line(kl, p, ll);
        }
        if (!nl)
            break;
        f->skipping = 0;
        ll++;
        p += ll;
        n -= ll;
    }
    return added;
}

int keylog_add_text(keylog_t *kl, const char *text, size_t len)
{
    struct keylog_file f = {0};
    int added = keylog_feed(kl, &f, text, len);
    if (f.part_len && !f.skipping)
        added += keylog_line(kl, f.part, f.part_len);
    return added;
}

/* Read f from its offset to the end. Returns secrets added, or -1 on I/O error. */
static int keylog_read(keylog_t *kl, struct keylog_file *f)
{
    FILE *fp = fopen(f->path, "rb");
    if (!fp)
        return -1;
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && (long long)st.st_size < f->off) {
        /* Truncated or replaced: start over (duplicates simply overwrite). */
        f->off = 0;
        f->part_len = 0;
        f->skipping = 0;
    }
    int added = 0;
    if (fseeko(fp, (off_t)f->off, SEEK_SET) == 0) {
        char buf[16384];
        size_t r;
        while ((r = fread(buf, 1, sizeof buf, fp)) > 0) {
            added += keylog_feed(kl, f, buf, r);
            f->off += (long long)r;
        }
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        keylog_inc(&kl->read_errors);
        return -1;
    }
    return added;
}

int keylog_add_file(keylog_t *kl, const char *path, int follow, char *err, size_t errlen)
{
    if (!kl || !path) {
        snprintf(err, errlen, "keylog: no file");
        return LW_ERR_INVAL;
    }
    if (follow && kl->nfiles == KEYLOG_FILES_MAX) {
        snprintf(err, errlen, "keylog: more than %d followed files", KEYLOG_FILES_MAX);
        return LW_ERR_FULL;
    }
    struct keylog_file tmp = {0}, *f = follow ? &kl->files[kl->nfiles] : &tmp;
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    if (!f->path) {
        snprintf(err, errlen, "keylog: out of memory");
        return LW_ERR_NOMEM;
    }
    int added = keylog_read(kl, f);
    if (added < 0) {
        snprintf(err, errlen, "keylog %s: %s", path, strerror(errno));
        free(f->path);
        f->path = NULL;
        return LW_ERR_IO;
    }
    if (follow) {
        kl->nfiles++;
        atomic_store(&kl->following, 1);
    } else {
        /* A file not followed has ended: its last line needs no newline. */
        if (f->part_len && !f->skipping)
            added += keylog_line(kl, f->part, f->part_len);
        free(f->path);
    }
    return added;
}

void keylog_poll(keylog_t *kl)
{
    if (!kl)
        return;
    for (size_t i = 0; i < kl->nfiles; i++) {
        struct keylog_file *f = &kl->files[i];
        struct stat st;
        /* Cheap when nothing changed: one stat per file. */
        if (stat(f->path, &st) != 0 || (long long)st.st_size == f->off)
            continue;
        keylog_read(kl, f);
    }
}

/* ---- pcapng ---- */

/* swap: the section is big-endian (a section header read little-endian said so). */
static uint32_t keylog_u32(const uint8_t *p, int swap)
{
    return swap ? load_be32(p) : load_le32(p);
}

/* Sequential reading through one large buffer: the scan touches every block header of
 * a capture that may hold millions of packets, so skipping is done in memory rather
 * than with a seek per block. */
struct keylog_rd {
    FILE *fp;
    uint8_t *buf;
    size_t len, off;
};

#define KEYLOG_RD_BUF (1u << 20)

/* Make n bytes (n <= KEYLOG_RD_BUF) available at buf + off; 0, or -1 at EOF/error. */
static int keylog_rd_need(struct keylog_rd *r, size_t n)
{
    if (r->len - r->off >= n)
        return 0;
    memmove(r->buf, r->buf + r->off, r->len - r->off);
    r->len -= r->off;
    r->off = 0;
    r->len += fread(r->buf + r->len, 1, KEYLOG_RD_BUF - r->len, r->fp);
    return r->len >= n ? 0 : -1;
}

static int keylog_rd_skip(struct keylog_rd *r, size_t n)
{
    while (n) {
        if (r->off == r->len && keylog_rd_need(r, 1) < 0)
            return -1;
        size_t k = r->len - r->off < n ? r->len - r->off : n;
        r->off += k;
        n -= k;
    }
    return 0;
}

int keylog_load_pcapng(keylog_t *kl, const char *path, char *err, size_t errlen)
{
    int rc = 0, swap = 0;
    struct keylog_rd r = {fopen(path, "rb"), NULL, 0, 0};
    if (!r.fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return LW_ERR_IO;
    }
    if (!(r.buf = malloc(KEYLOG_RD_BUF))) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = LW_ERR_NOMEM;
        goto out;
    }
    for (int first = 1;; first = 0) {
        if (keylog_rd_need(&r, 12) < 0) {
            if (r.len == r.off && !ferror(r.fp))
                break; /* clean end */
            if (first)
                goto out; /* shorter than any pcapng: no secrets */
            goto trunc;
        }
        const uint8_t *h = r.buf + r.off;
        if (keylog_u32(h, 0) == 0x0A0D0D0Au) {
            /* A section header; each section states its own byte order. */
            uint32_t bom = keylog_u32(h + 8, 0);
            if (bom != 0x1A2B3C4Du && bom != 0x4D3C2B1Au)
                goto bad;
            swap = bom == 0x4D3C2B1Au;
        } else if (first) {
            goto out; /* classic pcap or something else: no secrets */
        }
        uint32_t type = keylog_u32(h, swap), blen = keylog_u32(h + 4, swap);
        if (blen < 12 || blen % 4 || blen > KEYLOG_BLOCK_MAX)
            goto bad;
        if (type != 0x0000000Au) {
            if (keylog_rd_skip(&r, blen) < 0)
                goto trunc;
            continue;
        }
        /* A DSB: its body, then the trailing length. Bodies larger than the read
         * buffer are not key logs anyone writes; refuse them as corrupt. */
        if (blen > KEYLOG_RD_BUF)
            goto bad;
        if (keylog_rd_need(&r, blen) < 0)
            goto trunc;
        /* Body: secrets type, secrets length, the secrets (then padding). */
        struct bytes body = bytes_init(r.buf + r.off + 8, blen - 12);
        const uint8_t *sh = bytes_ptr(&body, 8);
        if (!sh)
            goto bad;
        uint32_t stype = keylog_u32(sh, swap), slen = keylog_u32(sh + 4, swap);
        const uint8_t *secrets = bytes_ptr(&body, slen);
        if (!secrets)
            goto bad;
        keylog_inc(&kl->dsb_blocks);
        if (stype == 0x544c534bu) /* 'TLSK' */
            rc += keylog_add_text(kl, (const char *)secrets, slen);
        r.off += blen;
    }
    goto out;
trunc:
    if (ferror(r.fp)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = LW_ERR_IO;
        goto out;
    }
    /* A capture cut short (an interrupted tcpdump) keeps the secrets before the cut,
     * as the packet reader keeps the packets. */
    goto out;
bad:
    snprintf(err, errlen, "%s: malformed pcapng block", path);
    rc = LW_ERR_PARSE;
out:
    free(r.buf);
    fclose(r.fp);
    return rc;
}

void keylog_stats_each(const keylog_t *kl, void (*fn)(void *ctx, const char *name, uint64_t v),
                       void *ctx)
{
    if (!kl)
        return;
#define KEYLOG_EACH(n) fn(ctx, "keylog_" #n, atomic_load_explicit(&kl->n, memory_order_relaxed));
    KEYLOG_COUNTERS(KEYLOG_EACH)
#undef KEYLOG_EACH
}
