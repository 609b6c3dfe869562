/* redis.c - events to a Redis stream with hiredis 0.14, one pipeline per batch.
 *
 * Connection set-up checks everything a typo can break (address, AUTH, SELECT) so
 * sink_open() fails loudly. A batch is appended in full to hiredis' output buffer,
 * then the replies are read in order: the reply to each XADD says whether that event
 * is in Redis. Any transport error (EOF, reset, timeout) drops the context; the
 * caller decides what to do with the unacknowledged events. It does not retry, and
 * does not block SIGPIPE itself: the sink thread does. */
#include "sinks/redis.h"

#include <ctype.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common/ascii.h"
#include "common/lwerr.h"

#define RDS_MAX_FIELDS 512  /* flat fields kept per event; the json field has all */
#define RDS_MAX_CMDS 6      /* commands per event: XADD + aggregates */

struct fld {
    size_t off, len;
};

struct sink_redis {
    struct sink_redis_url u;
    char *key;
    char maxlen[24];          /* "" = no trimming */
    struct timeval tv;
    redisContext *c;          /* NULL while disconnected */
    char where[300];          /* "host:port" or the socket path, for messages */
    /* Per-event scratch, reused: the arena holds names and values, fld indexes it. */
    char *arena;
    size_t acap, alen;
    struct fld *flds;         /* pairs: name, value */
    size_t nflds;
    const char **argv;
    size_t *argl;
    /* The whole pipeline, RESP-encoded here and handed to hiredis in one call:
     * hiredis' own per-argument formatting and buffer regrowth cost more than the
     * XADD itself on the Redis side. Reused across batches. */
    char *rb;
    size_t rlen, rcap;
    int rfail;
    /* Aggregate keys, built once. */
    char *k_types, *k_findings, *k_devices, *k_sdk_undecl;
    size_t l_types, l_findings, l_devices, l_sdk_undecl;
};

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Copy [p, p+n) into dst (size cap) with %XX decoding. -1 if it does not fit or a
 * %-escape is malformed. */
static int pct_decode(char *dst, size_t cap, const char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int ch = (unsigned char)p[i];
        if (ch == '%') {
            if (i + 2 >= n)
                return -1;
            int h = ascii_hexval((unsigned char)p[i + 1]);
            int l = ascii_hexval((unsigned char)p[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            ch = h * 16 + l;
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        dst[o++] = (char)ch;
    }
    dst[o] = 0;
    return 0;
}

static int parse_int(const char *p, size_t n, int lo, int hi, int *out)
{
    if (n == 0 || n > 9)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int sink_redis_parse_url(const char *url, struct sink_redis_url *u, char *err,
                         size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->port = 6379;
    if (!url || !*url)
        return fail(err, errlen, LW_ERR_INVAL, "redis: empty URL");
    if (url[0] == '/' || strncmp(url, "unix://", 7) == 0) {
        const char *p = url[0] == '/' ? url : url + 7;
        const char *q = strchr(p, '?');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n == 0 || n >= sizeof u->unix_path || p[0] != '/')
            return fail(err, errlen, LW_ERR_INVAL, "redis: bad unix socket path in '%s'", url);
        memcpy(u->unix_path, p, n);
        if (q) {
            if (strncmp(q, "?db=", 4) != 0 ||
                parse_int(q + 4, strlen(q + 4), 0, 1 << 20, &u->db) < 0)
                return fail(err, errlen, LW_ERR_INVAL, "redis: bad '?db=N' in '%s'", url);
        }
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0)
        return fail(err, errlen, LW_ERR_INVAL,
                    "redis: '%s' is neither redis://[user:password@]host:port/db nor a "
                    "unix socket path", url);
    const char *p = url + 8;
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        int bad;
        if (colon)
            bad = pct_decode(u->user, sizeof u->user, p, (size_t)(colon - p)) < 0 ||
                  pct_decode(u->pass, sizeof u->pass, colon + 1,
                             (size_t)(at - colon - 1)) < 0;
        else /* "redis://secret@host": a password alone, as redis-cli -u reads it */
            bad = pct_decode(u->pass, sizeof u->pass, p, (size_t)(at - p)) < 0;
        if (bad)
            return fail(err, errlen, LW_ERR_INVAL, "redis: bad user or password in URL");
        p = at + 1;
    }
    const char *hend;
    if (*p == '[') {
        hend = strchr(p, ']');
        if (!hend)
            return fail(err, errlen, LW_ERR_INVAL, "redis: unclosed '[' in '%s'", url);
        p++;
    } else {
        hend = p + strcspn(p, ":/");
    }
    size_t hl = (size_t)(hend - p);
    if (hl == 0 || hl >= sizeof u->host)
        return fail(err, errlen, LW_ERR_INVAL, "redis: missing or too long host in '%s'", url);
    memcpy(u->host, p, hl);
    p = hend + (*hend == ']');
    if (*p == ':') {
        p++;
        size_t n = strcspn(p, "/");
        if (parse_int(p, n, 1, 65535, &u->port) < 0)
            return fail(err, errlen, LW_ERR_INVAL, "redis: bad port in '%s'", url);
        p += n;
    }
    if (*p == '/') {
        p++;
        size_t n = strlen(p);
        if (n > 0 && parse_int(p, n, 0, 1 << 20, &u->db) < 0)
            return fail(err, errlen, LW_ERR_INVAL, "redis: bad database index in '%s'", url);
    } else if (*p) {
        return fail(err, errlen, LW_ERR_INVAL, "redis: trailing '%s' in URL", p);
    }
    return 0;
}

static int connect_ctx(sink_redis_t *r, char *err, size_t errlen)
{
    redisContext *c = r->u.unix_path[0] ? redisConnectUnixWithTimeout(r->u.unix_path, r->tv)
                                        : redisConnectWithTimeout(r->u.host, r->u.port, r->tv);
    if (!c)
        return fail(err, errlen, LW_ERR_NOMEM, "redis: out of memory");
    int rc = 0;
    redisReply *rep = NULL;
    if (c->err) {
        rc = fail(err, errlen, LW_ERR_CONNECT, "redis: cannot connect to %s: %s", r->where,
                  c->errstr);
        goto out;
    }
    if (redisSetTimeout(c, r->tv) != REDIS_OK) {
        rc = fail(err, errlen, LW_ERR_CONNECT, "redis: cannot set timeout on %s", r->where);
        goto out;
    }
    if (r->u.pass[0]) {
        if (r->u.user[0])
            rep = redisCommand(c, "AUTH %s %s", r->u.user, r->u.pass);
        else
            rep = redisCommand(c, "AUTH %s", r->u.pass);
        if (!rep) {
            rc = fail(err, errlen, LW_ERR_CONNECT, "redis: %s: AUTH: %s", r->where, c->errstr);
            goto out;
        }
        if (rep->type == REDIS_REPLY_ERROR) {
            rc = fail(err, errlen, LW_ERR_AUTH, "redis: %s refused AUTH%s%s: %s", r->where,
                      r->u.user[0] ? " for user " : "", r->u.user, rep->str);
            goto out;
        }
        freeReplyObject(rep);
        rep = NULL;
    }
    if (r->u.db) {
        rep = redisCommand(c, "SELECT %d", r->u.db);
        if (!rep) {
            rc = fail(err, errlen, LW_ERR_CONNECT, "redis: %s: SELECT: %s", r->where,
                      c->errstr);
            goto out;
        }
        if (rep->type == REDIS_REPLY_ERROR) {
            rc = fail(err, errlen, LW_ERR_AUTH, "redis: %s refused database %d: %s", r->where,
                      r->u.db, rep->str);
            goto out;
        }
        freeReplyObject(rep);
        rep = NULL;
    }
    rep = redisCommand(c, "PING");
    if (!rep) {
        rc = fail(err, errlen, LW_ERR_CONNECT, "redis: %s: PING: %s", r->where, c->errstr);
        goto out;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        /* NOAUTH: the server wants a password the URL did not give. */
        rc = fail(err, errlen, LW_ERR_AUTH, "redis: %s: %s", r->where, rep->str);
        goto out;
    }
out:
    if (rep)
        freeReplyObject(rep);
    if (rc < 0) {
        redisFree(c);
        return rc;
    }
    r->c = c;
    return 0;
}

static char *concat(const char *a, const char *b, size_t *len)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 1);
    if (p) {
        memcpy(p, a, la);
        memcpy(p + la, b, lb + 1);
        *len = la + lb;
    }
    return p;
}

int sink_redis_open(const struct sink_redis_opts *o, sink_redis_t **out, char *err,
                    size_t errlen)
{
    int rc;
    *out = NULL;
    sink_redis_t *r = calloc(1, sizeof *r);
    if (!r)
        return fail(err, errlen, LW_ERR_NOMEM, "redis: out of memory");
    rc = sink_redis_parse_url(o->url, &r->u, err, errlen);
    if (rc < 0)
        goto err;
    if (r->u.unix_path[0])
        snprintf(r->where, sizeof r->where, "%s", r->u.unix_path);
    else
        snprintf(r->where, sizeof r->where, "%s:%d", r->u.host, r->u.port);
    long ms = o->timeout_ms > 0 ? o->timeout_ms : 2000;
    r->tv.tv_sec = ms / 1000;
    r->tv.tv_usec = (ms % 1000) * 1000;
    if (o->maxlen > 0)
        snprintf(r->maxlen, sizeof r->maxlen, "%lld", o->maxlen);
    const char *key = o->key ? o->key : "leakwatch:events";
    r->key = strdup(key);
    r->k_types = concat(key, ":agg:event_types", &r->l_types);
    r->k_findings = concat(key, ":agg:findings", &r->l_findings);
    r->k_devices = concat(key, ":agg:devices", &r->l_devices);
    r->k_sdk_undecl = concat(key, ":agg:sdk_undeclared", &r->l_sdk_undecl);
    r->acap = 8192;
    r->arena = malloc(r->acap);
    r->flds = malloc(RDS_MAX_FIELDS * 2 * sizeof *r->flds);
    r->argv = malloc((RDS_MAX_FIELDS * 2 + 16) * sizeof *r->argv);
    r->argl = malloc((RDS_MAX_FIELDS * 2 + 16) * sizeof *r->argl);
    if (!r->key || !r->k_types || !r->k_findings || !r->k_devices || !r->k_sdk_undecl ||
        !r->arena || !r->flds || !r->argv || !r->argl) {
        rc = fail(err, errlen, LW_ERR_NOMEM, "redis: out of memory");
        goto err;
    }
    rc = connect_ctx(r, err, errlen);
    if (rc < 0)
        goto err;
    *out = r;
    return 0;
err:
    sink_redis_free(r);
    return rc;
}

void sink_redis_free(sink_redis_t *r)
{
    if (!r)
        return;
    if (r->c)
        redisFree(r->c);
    free(r->key);
    free(r->k_types);
    free(r->k_findings);
    free(r->k_devices);
    free(r->k_sdk_undecl);
    free(r->arena);
    free(r->flds);
    free(r->argv);
    free(r->argl);
    free(r->rb);
    free(r);
}

int sink_redis_connected(const sink_redis_t *r)
{
    return r && r->c != NULL;
}

void sink_redis_disconnect(sink_redis_t *r)
{
    if (r && r->c) {
        redisFree(r->c);
        r->c = NULL;
    }
}

int sink_redis_reconnect(sink_redis_t *r, char *err, size_t errlen)
{
    sink_redis_disconnect(r);
    return connect_ctx(r, err, errlen);
}

/* ---- RESP encoding ------------------------------------------------------ */

static void resp_raw(sink_redis_t *r, const char *p, size_t n)
{
    if (r->rfail)
        return;
    if (r->rlen + n > r->rcap) {
        size_t nc = r->rcap ? r->rcap * 2 : 1 << 20;
        while (nc < r->rlen + n)
            nc *= 2;
        char *nb = realloc(r->rb, nc);
        if (!nb) {
            r->rfail = 1;
            return;
        }
        r->rb = nb;
        r->rcap = nc;
    }
    memcpy(r->rb + r->rlen, p, n);
    r->rlen += n;
}

static void resp_hdr(sink_redis_t *r, char kind, size_t n)
{
    char h[32];
    char *e = h + sizeof h, *p = e;
    *--p = '\n';
    *--p = '\r';
    p = ascii_u64_back(p, n); /* snprintf here was a tenth of the sink thread's time */
    *--p = kind;
    resp_raw(r, p, (size_t)(e - p));
}

static void resp_cmd(sink_redis_t *r, int argc, const char **argv, const size_t *argl)
{
    resp_hdr(r, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        resp_hdr(r, '$', argl[i]);
        resp_raw(r, argv[i], argl[i]);
        resp_raw(r, "\r\n", 2);
    }
}

/* ---- flattening ---------------------------------------------------------- */

static int arena_put(sink_redis_t *r, const char *p, size_t n, struct fld *f)
{
    if (r->alen + n + 1 > r->acap) {
        size_t nc = r->acap * 2;
        while (nc < r->alen + n + 1)
            nc *= 2;
        char *na = realloc(r->arena, nc);
        if (!na)
            return -1;
        r->arena = na;
        r->acap = nc;
    }
    f->off = r->alen;
    f->len = n;
    memcpy(r->arena + r->alen, p, n);
    r->alen += n;
    r->arena[r->alen++] = 0;
    return 0;
}

/* Append the name "prefix.key" to the arena. */
static int put_name(sink_redis_t *r, const struct fld *prefix, const char *key,
                    struct fld *f)
{
    char small[512];
    size_t kl = strlen(key);
    if (!prefix)
        return arena_put(r, key, kl, f);
    size_t pl = prefix->len;
    if (pl + 1 + kl > sizeof small)
        return arena_put(r, key, kl, f); /* absurdly deep: keep the leaf name */
    memcpy(small, r->arena + prefix->off, pl);
    small[pl] = '.';
    memcpy(small + pl + 1, key, kl);
    return arena_put(r, small, pl + 1 + kl, f);
}

static int put_value(sink_redis_t *r, json_t *v, struct fld *f)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return arena_put(r, json_string_value(v), json_string_length(v), f);
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return arena_put(r, num, strlen(num), f);
    case JSON_TRUE:
        return arena_put(r, "true", 4, f);
    case JSON_FALSE:
        return arena_put(r, "false", 5, f);
    case JSON_NULL:
        return arena_put(r, "", 0, f);
    default: { /* reals and arrays: exactly as in the json field */
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
                                    JSON_REAL_PRECISION(6));
        if (!s)
            return -1;
        int rc = arena_put(r, s, strlen(s), f);
        free(s);
        return rc;
    }
    }
}

static int flatten(sink_redis_t *r, json_t *obj, const struct fld *prefix, int depth)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!prefix && strcmp(k, "json") == 0)
            continue; /* the whole-event field wins */
        if (r->nflds >= RDS_MAX_FIELDS)
            return 0;
        struct fld name;
        if (put_name(r, prefix, k, &name) < 0)
            return -1;
        if (json_is_object(v) && depth < 8) {
            if (flatten(r, v, &name, depth + 1) < 0)
                return -1;
            continue;
        }
        struct fld val;
        if (put_value(r, v, &val) < 0)
            return -1;
        r->flds[2 * r->nflds] = name;
        r->flds[2 * r->nflds + 1] = val;
        r->nflds++;
    }
    return 0;
}

static const char *str_or_dash(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : "-";
}

/* Queue the aggregate commands for ev; returns how many were appended. */
static int append_aggregates(sink_redis_t *r, json_t *ev)
{
    int n = 0;
    const char *et = json_string_value(json_object_get(ev, "event_type"));
    if (!et)
        return 0;
    const char *a[5];
    size_t l[5];
    a[0] = "HINCRBY"; l[0] = 7;
    a[1] = r->k_types; l[1] = r->l_types;
    a[2] = et; l[2] = strlen(et);
    a[3] = "1"; l[3] = 1;
    if ((resp_cmd(r, 4, a, l), 1))
        n++;
    if (strcmp(et, "privacy_leak") != 0)
        return n;
    const char *policy = str_or_dash(ev, "policy");
    const char *sdk = str_or_dash(ev, "sdk");
    const char *verdict = str_or_dash(ev, "verdict");
    const char *device = str_or_dash(ev, "device");
    const char *type = str_or_dash(json_object_get(ev, "identifier"), "type");
    char field[1024];
    int fl = snprintf(field, sizeof field, "%s|%s|%s|%s", policy, sdk, type, verdict);
    if (fl < 0 || (size_t)fl >= sizeof field)
        fl = (int)sizeof field - 1;
    a[1] = r->k_findings; l[1] = r->l_findings;
    a[2] = field; l[2] = (size_t)fl;
    if ((resp_cmd(r, 4, a, l), 1))
        n++;
    a[1] = r->k_devices; l[1] = r->l_devices;
    a[2] = device; l[2] = strlen(device);
    if ((resp_cmd(r, 4, a, l), 1))
        n++;
    if (strcmp(verdict, "undeclared_type") == 0 || strcmp(verdict, "undeclared_sdk") == 0) {
        a[0] = "ZINCRBY"; l[0] = 7;
        a[1] = r->k_sdk_undecl; l[1] = r->l_sdk_undecl;
        a[2] = "1"; l[2] = 1;
        a[3] = sdk; l[3] = strlen(sdk);
        if ((resp_cmd(r, 4, a, l), 1))
            n++;
    }
    return n;
}

/* Queue XADD (and aggregates) for one event; returns commands appended, -1 on
 * memory failure (nothing appended). */
static int append_event(sink_redis_t *r, json_t *ev, const char *json, size_t jlen)
{
    r->alen = 0;
    r->nflds = 0;
    if (flatten(r, ev, NULL, 0) < 0)
        return -1;
    size_t argc = 0;
    r->argv[argc] = "XADD"; r->argl[argc++] = 4;
    r->argv[argc] = r->key; r->argl[argc++] = strlen(r->key);
    if (r->maxlen[0]) {
        r->argv[argc] = "MAXLEN"; r->argl[argc++] = 6;
        r->argv[argc] = "~"; r->argl[argc++] = 1;
        r->argv[argc] = r->maxlen; r->argl[argc++] = strlen(r->maxlen);
    }
    r->argv[argc] = "*"; r->argl[argc++] = 1;
    for (size_t i = 0; i < 2 * r->nflds; i++) {
        r->argv[argc] = r->arena + r->flds[i].off;
        r->argl[argc++] = r->flds[i].len;
    }
    r->argv[argc] = "json"; r->argl[argc++] = 4;
    r->argv[argc] = json; r->argl[argc++] = jlen;
    resp_cmd(r, (int)argc, r->argv, r->argl);
    return 1 + append_aggregates(r, ev);
}

int sink_redis_send(sink_redis_t *r, json_t *const *evs, const char *const *json,
                    const size_t *lens, size_t n, unsigned char *ok,
                    unsigned long *agg_errors, char *err, size_t errlen)
{
    int rc = 0;
    unsigned char ncmd[1024];
    memset(ok, 0, n);
    *agg_errors = 0;
    if (!r->c)
        return fail(err, errlen, LW_ERR_CONNECT, "redis: not connected to %s", r->where);
    if (n > sizeof ncmd)
        return fail(err, errlen, LW_ERR_INVAL, "redis: batch too large");
    r->rlen = 0;
    r->rfail = 0;
    /* One transaction per batch: Redis applies every XADD and counter of the batch, or
     * none. A batch whose reply was lost is then either wholly in the stream or wholly
     * absent, which is what lets the sink find it again (sink_redis_recent_ids), and
     * an event is never in the stream without its aggregates. */
    const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
    size_t one5[] = {5}, one4[] = {4};
    resp_cmd(r, 1, multi, one5);
    for (size_t i = 0; i < n; i++) {
        int k = evs[i] ? append_event(r, evs[i], json[i], lens[i]) : 0;
        ncmd[i] = (unsigned char)(k < 0 ? 0 : k);
    }
    resp_cmd(r, 1, exec, one4);
    if (r->rfail)
        return fail(err, errlen, LW_ERR_NOMEM, "redis: out of memory building commands");
    if (r->rlen && redisAppendFormattedCommand(r->c, r->rb, r->rlen) != REDIS_OK)
        return fail(err, errlen, LW_ERR_NOMEM, "redis: out of memory building commands");
    if (r->rcap > (8u << 20) && r->rlen < r->rcap / 4) {
        /* one huge batch should not pin its buffer forever */
        free(r->rb);
        r->rb = NULL;
        r->rcap = 0;
    }
    char first[256] = "";
    size_t refused = 0, queued_errors = 0;
    redisReply *ex = NULL;
    /* Replies: +OK to MULTI, +QUEUED (or a queue-time error such as OOM) per command,
     * then EXEC's array of the real replies, in order. */
    size_t total = 2;
    for (size_t i = 0; i < n; i++)
        total += ncmd[i];
    for (size_t k = 0; k < total; k++) {
        void *vp = NULL;
        if (redisGetReply(r->c, &vp) != REDIS_OK || !vp) {
            rc = fail(err, errlen, LW_ERR_CONNECT, "connection to %s lost: %s", r->where,
                      r->c->errstr[0] ? r->c->errstr : "no reply");
            sink_redis_disconnect(r);
            freeReplyObject(ex);
            return rc;
        }
        redisReply *rp = vp;
        if (k + 1 == total) {
            ex = rp;
            continue;
        }
        if (rp->type == REDIS_REPLY_ERROR && !queued_errors++)
            snprintf(first, sizeof first, "%s", rp->str);
        freeReplyObject(rp);
    }
    if (queued_errors || ex->type != REDIS_REPLY_ARRAY) {
        /* EXECABORT: nothing of the batch was applied. */
        if (!first[0])
            snprintf(first, sizeof first, "%s", ex->type == REDIS_REPLY_ERROR ? ex->str
                                                                              : "EXEC failed");
        freeReplyObject(ex);
        return fail(err, errlen, LW_ERR_IO, "%s refused a batch of %zu write(s): %s",
                    r->where, n, first);
    }
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
        for (unsigned j = 0; j < ncmd[i]; j++, e++) {
            redisReply *rp = e < ex->elements ? ex->element[e] : NULL;
            int bad = !rp || rp->type == REDIS_REPLY_ERROR;
            if (bad && j == 0) {
                if (!refused++)
                    snprintf(first, sizeof first, "%s", rp ? rp->str : "missing reply");
            } else if (bad) {
                (*agg_errors)++;
            } else if (j == 0) {
                ok[i] = 1;
            }
        }
    }
    freeReplyObject(ex);
    if (refused)
        return fail(err, errlen, LW_ERR_IO, "%s refused %zu write(s): %s", r->where, refused,
                    first);
    for (size_t i = 0; i < n; i++)
        if (evs[i] && !ok[i])
            return fail(err, errlen, LW_ERR_NOMEM, "redis: out of memory building commands");
    return 0;
}

int sink_redis_recent_ids(sink_redis_t *r, size_t count, char **ids, char *err,
                          size_t errlen)
{
    if (!r->c)
        return fail(err, errlen, LW_ERR_CONNECT, "redis: not connected to %s", r->where);
    char cnt[24];
    snprintf(cnt, sizeof cnt, "%zu", count);
    const char *argv[] = {"XREVRANGE", r->key, "+", "-", "COUNT", cnt};
    redisReply *rep = redisCommandArgv(r->c, 6, argv, NULL);
    if (!rep) {
        int rc = fail(err, errlen, LW_ERR_CONNECT, "connection to %s lost: %s", r->where,
                      r->c->errstr[0] ? r->c->errstr : "no reply");
        sink_redis_disconnect(r);
        return rc;
    }
    int n = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        n = fail(err, errlen, LW_ERR_IO, "%s refused XREVRANGE: %s", r->where, rep->str);
    } else if (rep->type == REDIS_REPLY_ARRAY) {
        /* Each entry: [id, [field, value, ...]]. */
        for (size_t i = 0; i < rep->elements && (size_t)n < count; i++) {
            redisReply *e = rep->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
                e->element[1]->type != REDIS_REPLY_ARRAY)
                continue;
            redisReply *fv = e->element[1];
            for (size_t j = 0; j + 1 < fv->elements; j += 2) {
                redisReply *f = fv->element[j], *v = fv->element[j + 1];
                if (f->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING &&
                    f->len == 8 && !memcmp(f->str, "event_id", 8)) {
                    if ((ids[n] = strndup(v->str, v->len)))
                        n++;
                    break;
                }
            }
        }
    }
    freeReplyObject(rep);
    return n;
}
