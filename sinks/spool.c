/* spool.c - append-only, size-bounded, fsynced JSON-lines spool with a replay
 * offset file. See spool.h for the durability contract. It does not retry, compress
 * or rotate: one file, removed once fully replayed. */
#include "sinks/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lwerr.h"
#include "sinks/ofile.h"

#define SPOOL_OFF_WIDTH 21 /* 20 digits + '\n': fixed so pwrite() overwrites in place */

struct sink_spool {
    char *path;
    char *offpath;
    long long max_bytes;
    /* mu guards every field below it. */
    pthread_mutex_t mu;
    int fd;               /* -1 until the first append (or an earlier run's file) */
    int offfd;            /* -1 until the first consume */
    int lockfd;           /* "<path>.lock", flock()ed for the spool's lifetime */
    uint64_t size;        /* bytes in the records file */
    uint64_t read_off;    /* replayed up to here */
    uint64_t pending;     /* records after read_off */
};

static int set_err(char *err, size_t errlen, int code, const char *fmt, const char *a,
                   int e)
{
    if (err && errlen) {
        char m[256];
        snprintf(m, sizeof m, fmt, a);
        if (e)
            snprintf(err, errlen, "%s: %s", m, strerror(e));
        else
            snprintf(err, errlen, "%s", m);
    }
    return code;
}

/* Scan [from, size) of fd: count newlines, and return the offset after the last
 * one so a torn tail can be cut. */
static int scan_records(int fd, uint64_t from, uint64_t size, uint64_t *count,
                        uint64_t *last_nl_end)
{
    char buf[65536];
    uint64_t off = from, n = 0, last = from;
    while (off < size) {
        ssize_t r = pread(fd, buf, sizeof buf, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] == '\n') {
                n++;
                last = off + (uint64_t)i + 1;
            }
        }
        off += (uint64_t)r;
    }
    *count = n;
    *last_nl_end = last;
    return 0;
}

/* Append ": <reason>" for an errno from ofile_open() to the message in err. */
static void spool_why(char *err, size_t errlen, int e)
{
    size_t l = err ? strnlen(err, errlen) : 0;
    if (err && l + 1 < errlen)
        snprintf(err + l, errlen - l, ": %s", ofile_strerror(e));
}

/* We hold the lock: our pid goes in the lock file, for the refusal below. */
static void spool_lock_own(int fd)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, b, (size_t)n, 0) == n)
        return; /* the pid is informative only: a failure changes nothing */
}

/* Someone holds the lock: name them (a live holder; a dead one holds no flock). */
static int spool_locked(int fd, const char *path, char *err, size_t errlen)
{
    char b[24] = {0};
    long pid = pread(fd, b, sizeof b - 1, 0) > 0 ? strtol(b, NULL, 10) : 0;
    char m[64];
    snprintf(m, sizeof m, pid > 0 ? "process %ld" : "another process", pid);
    if (err && errlen)
        snprintf(err, errlen, "spool %s is in use by %s", path, m);
    return LW_ERR_INVAL;
}

int sink_spool_open(const char *path, long long max_bytes, sink_spool_t **out,
                    char *err, size_t errlen)
{
    int rc = LW_ERR_NOMEM;
    *out = NULL;
    if (!path || !*path || max_bytes <= 0)
        return set_err(err, errlen, LW_ERR_INVAL, "spool: bad path or size bound%s", "",
                       0);
    sink_spool_t *sp = calloc(1, sizeof *sp);
    if (!sp)
        return set_err(err, errlen, LW_ERR_NOMEM, "spool: out of memory%s", "", 0);
    sp->fd = sp->offfd = sp->lockfd = -1;
    sp->max_bytes = max_bytes;
    pthread_mutex_init(&sp->mu, NULL);
    sp->path = strdup(path);
    size_t pl = strlen(path);
    sp->offpath = malloc(pl + 5);
    if (!sp->path || !sp->offpath)
        goto err;
    memcpy(sp->offpath, path, pl);
    memcpy(sp->offpath + pl, ".off", 5);

    /* Two processes appending and replaying one spool would corrupt its offset:
     * refuse the second one at start-up. */
    char *lockpath = malloc(pl + 6);
    if (!lockpath)
        goto err;
    memcpy(lockpath, path, pl);
    memcpy(lockpath + pl, ".lock", 6);
    /* Every spool file is opened through ofile.h: the default directory is shared. */
    sp->lockfd = ofile_open(lockpath, O_RDWR | O_CREAT, 0600);
    free(lockpath);
    if (sp->lockfd < 0) {
        rc = set_err(err, errlen, LW_ERR_IO, "spool: lock file of %s", path, 0);
        spool_why(err, errlen, errno);
        goto err;
    }
    /* flock() dies with its holder, so a lock file left by a dead process never
     * blocks; the pid written in it names a live holder in the refusal. */
    if (flock(sp->lockfd, LOCK_EX | LOCK_NB) < 0) {
        rc = spool_locked(sp->lockfd, path, err, errlen);
        goto err;
    }
    spool_lock_own(sp->lockfd);

    int fd = ofile_open(path, O_RDWR | O_APPEND, 0600);
    if (fd < 0 && errno != ENOENT) {
        rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot open %s", path, 0);
        spool_why(err, errlen, errno);
        goto err;
    }
    if (fd >= 0) {
        sp->fd = fd;
        struct stat st;
        if (fstat(fd, &st) < 0) {
            rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot stat %s", path, errno);
            goto err;
        }
        sp->size = (uint64_t)st.st_size;
        int ofd = ofile_open(sp->offpath, O_RDWR, 0600);
        if (ofd >= 0) {
            char ob[SPOOL_OFF_WIDTH + 1] = {0};
            ssize_t r = pread(ofd, ob, SPOOL_OFF_WIDTH, 0);
            if (r > 0)
                sp->read_off = strtoull(ob, NULL, 10);
            sp->offfd = ofd;
        }
        if (sp->read_off > sp->size)
            sp->read_off = sp->size;
        uint64_t cnt = 0, last = 0;
        if (scan_records(fd, sp->read_off, sp->size, &cnt, &last) < 0) {
            rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot read %s", path, errno);
            goto err;
        }
        if (last < sp->size) {
            /* A crash while appending left a record without its newline: it was
             * never counted as spooled, so cutting it loses nothing promised. */
            if (ftruncate(fd, (off_t)last) < 0) {
                rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot truncate %s", path,
                             errno);
                goto err;
            }
            sp->size = last;
        }
        sp->pending = cnt;
    }
    *out = sp;
    return 0;
err:
    sink_spool_free(sp);
    if (rc == LW_ERR_NOMEM)
        set_err(err, errlen, rc, "spool: out of memory%s", "", 0);
    return rc;
}

void sink_spool_free(sink_spool_t *sp)
{
    if (!sp)
        return;
    if (sp->fd >= 0)
        close(sp->fd);
    if (sp->offfd >= 0)
        close(sp->offfd);
    if (sp->lockfd >= 0)
        close(sp->lockfd); /* the lock file stays: removing it would race a new owner */
    pthread_mutex_destroy(&sp->mu);
    free(sp->path);
    free(sp->offpath);
    free(sp);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sink_spool_append(sink_spool_t *sp, const char *const *recs, const size_t *lens,
                      size_t n, size_t *appended, char *err, size_t errlen)
{
    int rc = 0;
    size_t done = 0;
    pthread_mutex_lock(&sp->mu);
    if (sp->fd < 0) {
        sp->fd = ofile_open(sp->path, O_RDWR | O_APPEND | O_CREAT, 0600);
        if (sp->fd < 0) {
            rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot create %s", sp->path, 0);
            spool_why(err, errlen, errno);
            goto out;
        }
    }
    for (; done < n; done++) {
        uint64_t need = (uint64_t)lens[done] + 1;
        if (sp->size + need > (uint64_t)sp->max_bytes) {
            rc = set_err(err, errlen, LW_ERR_FULL,
                         "spool %s is full (size bound reached); events lost", sp->path,
                         0);
            break;
        }
        /* One write per record with its newline, so a crash tears at most this one. */
        char small[4096];
        int wrc;
        if (need <= sizeof small) {
            memcpy(small, recs[done], lens[done]);
            small[lens[done]] = '\n';
            wrc = write_all(sp->fd, small, (size_t)need);
        } else {
            wrc = write_all(sp->fd, recs[done], lens[done]);
            if (wrc == 0)
                wrc = write_all(sp->fd, "\n", 1);
        }
        if (wrc < 0) {
            int e = errno;
            /* Cut what this record may have written so the file stays whole lines. */
            if (ftruncate(sp->fd, (off_t)sp->size) < 0) {
                /* nothing more to do: the torn tail is cut at the next open */
            }
            rc = set_err(err, errlen, LW_ERR_IO, "spool: write to %s failed", sp->path,
                         e);
            break;
        }
        sp->size += need;
        sp->pending++;
    }
    if (done > 0 && fdatasync(sp->fd) < 0 && rc == 0)
        rc = set_err(err, errlen, LW_ERR_IO, "spool: fdatasync %s failed", sp->path, errno);
out:
    pthread_mutex_unlock(&sp->mu);
    *appended = done;
    return rc;
}

uint64_t sink_spool_pending(sink_spool_t *sp)
{
    pthread_mutex_lock(&sp->mu);
    uint64_t n = sp->pending;
    pthread_mutex_unlock(&sp->mu);
    return n;
}

const char *sink_spool_path(const sink_spool_t *sp)
{
    return sp->path;
}

void sink_spool_batch_clear(struct sink_spool_batch *b)
{
    free(b->buf);
    free(b->recs);
    free(b->lens);
    free(b->ends);
    memset(b, 0, sizeof *b);
}

static int batch_reserve(struct sink_spool_batch *b, size_t nrec)
{
    if (nrec <= b->reccap)
        return 0;
    char **r = realloc(b->recs, nrec * sizeof *r);
    if (!r)
        return -1;
    b->recs = r;
    size_t *l = realloc(b->lens, nrec * sizeof *l);
    if (!l)
        return -1;
    b->lens = l;
    uint64_t *e = realloc(b->ends, nrec * sizeof *e);
    if (!e)
        return -1;
    b->ends = e;
    b->reccap = nrec;
    return 0;
}

int sink_spool_peek(sink_spool_t *sp, size_t max, struct sink_spool_batch *b,
                    char *err, size_t errlen)
{
    int rc = 0;
    b->n = 0;
    pthread_mutex_lock(&sp->mu);
    uint64_t off = sp->read_off, end = sp->size;
    int fd = sp->fd;
    pthread_mutex_unlock(&sp->mu);
    /* Appends only grow the file past `end`, and only this thread moves read_off or
     * removes the file, so reading [off, end) without the lock is safe. */
    if (fd < 0 || off >= end || max == 0)
        return 0;
    if (batch_reserve(b, max) < 0)
        return set_err(err, errlen, LW_ERR_NOMEM, "spool: out of memory%s", "", 0);
    size_t want = b->bufcap ? b->bufcap : 256 * 1024;
    for (;;) {
        if (want > b->bufcap) {
            char *nb = realloc(b->buf, want + 1);
            if (!nb)
                return set_err(err, errlen, LW_ERR_NOMEM, "spool: out of memory%s", "", 0);
            b->buf = nb;
            b->bufcap = want;
        }
        size_t toread = (size_t)((end - off) < b->bufcap ? (end - off) : b->bufcap);
        size_t got = 0;
        while (got < toread) {
            ssize_t r = pread(fd, b->buf + got, toread - got, (off_t)(off + got));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return set_err(err, errlen, LW_ERR_IO, "spool: read %s failed", sp->path,
                               r < 0 ? errno : EIO);
            got += (size_t)r;
        }
        size_t start = 0;
        b->n = 0;
        for (size_t i = 0; i < got && b->n < max; i++) {
            if (b->buf[i] != '\n')
                continue;
            b->buf[i] = 0;
            b->recs[b->n] = b->buf + start;
            b->lens[b->n] = i - start;
            b->ends[b->n] = off + i + 1;
            b->n++;
            start = i + 1;
        }
        if (b->n > 0 || got == end - off)
            break;
        want = b->bufcap * 2; /* one record longer than the buffer: grow and retry */
    }
    rc = (int)b->n;
    return rc;
}

int sink_spool_consume(sink_spool_t *sp, const struct sink_spool_batch *b, size_t n,
                       char *err, size_t errlen)
{
    int rc = 0;
    if (n == 0)
        return 0;
    if (n > b->n)
        n = b->n;
    pthread_mutex_lock(&sp->mu);
    sp->read_off = b->ends[n - 1];
    sp->pending -= n;
    if (sp->read_off >= sp->size) {
        /* Everything replayed: remove both files; the next append starts afresh. */
        close(sp->fd);
        sp->fd = -1;
        if (sp->offfd >= 0)
            close(sp->offfd);
        sp->offfd = -1;
        if (unlink(sp->path) < 0 && errno != ENOENT)
            rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot remove %s", sp->path, errno);
        unlink(sp->offpath);
        sp->size = sp->read_off = 0;
        sp->pending = 0;
        goto out;
    }
    if (sp->offfd < 0) {
        sp->offfd = ofile_open(sp->offpath, O_RDWR | O_CREAT, 0600);
        if (sp->offfd < 0) {
            rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot create %s", sp->offpath, 0);
            spool_why(err, errlen, errno);
            goto out;
        }
    }
    char ob[SPOOL_OFF_WIDTH + 1];
    snprintf(ob, sizeof ob, "%020" PRIu64 "\n", sp->read_off);
    if (pwrite(sp->offfd, ob, SPOOL_OFF_WIDTH, 0) != SPOOL_OFF_WIDTH ||
        fdatasync(sp->offfd) < 0)
        rc = set_err(err, errlen, LW_ERR_IO, "spool: cannot update %s", sp->offpath, errno);
out:
    pthread_mutex_unlock(&sp->mu);
    return rc;
}
