/* matcher.c - Hyperscan databases of every profile value form plus the generic
 * detectors, and the validation that turns raw pattern hits into identifiers.
 *
 * One pattern list feeds two databases compiled once: streaming (flow bytes) and
 * block (decoded buffers and datagrams; "raw-mac" hits are dropped for decoded
 * text, where six bytes mean nothing). Profile literals are compiled as regexes with every byte written
 * \xNN, so metacharacters and NUL bytes in values are inert and literals and the
 * generic regexes share one database and so one stream state per flow direction.
 *
 * Validation never copies the stream. Each stream keeps:
 *  - the last MT_TAIL bytes already scanned, for look-behind (the byte before a
 *    literal, the key name before a value);
 *  - up to MT_PEND profile hits that ended exactly at the end of a segment and wait
 *    for the next byte to prove they are not the prefix of a longer token;
 *  - up to MT_CAPS generic values being read forward after a key (at most
 *    GENERIC_MAX_VALUE bytes each), which may straddle segments;
 *  - the last latitude/longitude half, to pair them
 * (all but the first in a part made when first needed: most streams never need it).
 * Deliberately not here: de-duplication per flow and attribution (callers). */
#include "rules/matcher.h"

#include <ctype.h>
#include <hs/hs.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/forms.h"
#include "rules/generic.h"
#include "rules/hscache.h"
#include "rules/idtype.h"
#include "common/base64.h"
#include "common/clock.h"
#include "common/lwerr.h"

#define MT_TAIL 128
#define MT_PEND 4    /* profile hits ending exactly at a segment end: rare */
#define MT_CAPS 2    /* keyed values still being read: one key at a time */
#define MT_PAIR_WINDOW 256   /* lat and lon further apart than this are not a pair */
/* A keyed lat/lon pair this close (degrees, ~50 m) to a profile location is that
 * device's location: SDKs round or pad the digits, so the literal rarely matches. */
#define MT_GPS_TOLERANCE 5e-4

struct mpat {
    int device;
    const struct idtype *type;
    const char *form, *variant;
    const char *value;        /* borrowed from the profile, for evidence */
    size_t value_len;
    uint32_t len;             /* literal length: start = end - len */
    uint8_t edge;             /* enum forms_edge */
    uint8_t edge_first, edge_last;
    uint8_t binary;
    uint8_t conf;             /* enum mt_conf: check the match against its decoded run */
    uint8_t text_edge;        /* enum forms_edge of text */
    uint32_t text_len;
    uint8_t *text;            /* owned: the text variant a conf form encodes */
    uint8_t *lit;             /* owned copy of the literal bytes (for compile) */
};

/* Encoded forms whose match alone does not prove the value was sent: a base64
 * fragment leaves up to 2 bytes at each edge unverified (forms.h), and a hex run may
 * continue into more of a longer value. Their match is decoded with its surroundings
 * and the whole text compared (issue 13: a second IMEI is not the first). */
enum mt_conf { MT_CONF_NONE, MT_CONF_B64, MT_CONF_HEX };
/* Base64 characters read on each side of a match: 8 characters are 6 bytes, more
 * than the 2 unverified bytes plus the one that shows a longer token. */
#define MT_CONF_SIDE 8

struct matcher {
    struct matcher_opts opts;
    struct mpat *pats;
    size_t npats, cap;
    size_t ngen;              /* generic pattern i has id npats + i */
    struct mgps {
        int device;
        double lat, lon;
        const char *value;    /* borrowed from the profile */
        size_t len;
    } *gps;
    size_t ngps;
    hs_database_t *sdb, *bdb;
    hs_scratch_t *proto;      /* only cloned after matcher_new() returns */
    struct matcher_info info;
};

struct matcher_scratch {
    hs_scratch_t *hs;
    char ev[160];
    char key[GENERIC_MAX_KEY + 1];
};

struct mcap {
    const struct generic_pattern *gp;
    uint8_t phase;            /* 0: skipping blanks/quote after the separator */
    uint8_t skipped;
    char quote;
    uint8_t len;
    uint64_t end;             /* where the pattern matched (absolute) */
    char key[GENERIC_MAX_KEY + 1];
    char buf[GENERIC_MAX_VALUE + 1];
};

struct mpair {
    int have[2];              /* 0: latitude, 1: longitude */
    uint64_t off[2];
    char val[2][GENERIC_MAX_VALUE + 1];
};

/* The last profile hit: a keyed generic hit on the same bytes is not reported
 * again (the profile hit carries the device and confidence 1.0). */
#define MT_LAST 4
struct mlast {
    const struct idtype *type[MT_LAST];
    uint64_t end[MT_LAST];
    unsigned next;
};

struct matcher_stream {
    const matcher_t *m;
    hs_stream_t *hs;
    const char *where;
    uint64_t hs_base;         /* absolute offset of Hyperscan's offset 0 (moves at a gap) */
    uint64_t scanned;         /* absolute bytes consumed */
    uint8_t tail[MT_TAIL];
    size_t tail_len;
    struct mt_open *open;     /* NULL until a hit, a value or a lat/lon half outlives a call */
};

/* Keyed values still being read, a location half waiting for its pair, profile hits
 * waiting for the next segment, the last profile hits: state few streams ever need,
 * so it is allocated when first needed (st_open()). */
struct mt_open {
    struct mcap caps[MT_CAPS];
    size_t ncaps;
    struct mpair pair;
    struct { uint32_t id; uint64_t end; } pend[MT_PEND];
    size_t npend;
    struct mlast last;
};

/* st's open state, made when first needed; NULL when memory is short (the value or the
 * pair is then not followed past the segment). */
static struct mt_open *st_open(matcher_stream_t *st)
{
    if (!st->open)
        st->open = calloc(1, sizeof *st->open);
    return st->open;
}

#define MT_DONE 4

/* One scan call. */
struct msc {
    const matcher_t *m;
    matcher_scratch_t *s;
    matcher_stream_t *st;     /* NULL in block mode */
    const uint8_t *data;
    size_t len;
    uint64_t base;            /* absolute offset of data[0] */
    uint64_t hs_base;
    const char *where, *key;
    matcher_hit_fn fn;
    void *ctx;
    struct mpair *pair;
    struct mlast *last;       /* NULL: a stream without open state, no profile hit yet */
    int binary_ok;            /* report FORMS_F_BINARY forms (raw bytes, not decoded text) */
    /* generic values complete in this call, classified after the Hyperscan scan so
     * that a profile hit on the same value (reported at the value's end, after the
     * key) is known first */
    struct mcap done[MT_DONE];
    size_t ndone;
    /* The last validated profile hit, held until a hit ending elsewhere (or the end of
     * the call) shows it is the longest of its value ending there: "+8613812345678"
     * is one phone number, not also the "8613812345678" inside it. */
    int held;
    unsigned held_id;
    uint64_t held_end;
};

/* ---- compile ------------------------------------------------------------------ */

static int mt_edge_in(int edge, int b)
{
    switch (edge) {
    case FORMS_EDGE_DIGIT: return b >= '0' && b <= '9';
    case FORMS_EDGE_HEX: return isxdigit(b) != 0;
    case FORMS_EDGE_ALNUM: return isalnum(b) != 0;
    default: return 0;
    }
}

struct addctx {
    matcher_t *m;
    int device;
    const struct profile_ident *id;
};

static int mt_add_form(void *vctx, const struct forms_item *it)
{
    struct addctx *a = vctx;
    matcher_t *m = a->m;
    if (m->npats == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct mpat *np = realloc(m->pats, cap * sizeof *np);
        if (!np)
            return LW_ERR_NOMEM;
        m->pats = np;
        m->cap = cap;
    }
    uint8_t *lit = malloc(it->len);
    if (!lit)
        return LW_ERR_NOMEM;
    memcpy(lit, it->bytes, it->len);
    uint8_t conf = !it->text                                   ? MT_CONF_NONE
                   : !strcmp(it->name, "base64") || !strcmp(it->name, "base64url") ? MT_CONF_B64
                   : !strcmp(it->name, "hex")                  ? MT_CONF_HEX
                                                               : MT_CONF_NONE;
    uint8_t *text = NULL;
    if (conf && !(text = malloc(it->text_len))) {
        free(lit);
        return LW_ERR_NOMEM;
    }
    if (conf)
        memcpy(text, it->text, it->text_len);
    struct mpat *p = &m->pats[m->npats++];
    *p = (struct mpat){a->device, idtype_find(a->id->type), it->name, it->variant,
                       a->id->value, a->id->value_len, (uint32_t)it->len, (uint8_t)it->edge,
                       (uint8_t)(!(it->flags & FORMS_F_LEFT_FREE) &&
                                 mt_edge_in(it->edge, it->bytes[0])),
                       (uint8_t)mt_edge_in(it->edge, it->bytes[it->len - 1]),
                       (uint8_t)((it->flags & FORMS_F_BINARY) != 0), conf,
                       (uint8_t)it->text_edge, (uint32_t)it->text_len, text, lit};
    return 0;
}

static int mt_add_gps(matcher_t *m, int device, const struct profile_ident *id)
{
    struct mgps *g = realloc(m->gps, (m->ngps + 1) * sizeof *g);
    if (!g)
        return LW_ERR_NOMEM;
    m->gps = g;
    g += m->ngps++;
    g->device = device;
    g->value = id->value;
    g->len = id->value_len;
    g->lat = strtod(id->value, NULL);   /* validated "lat,lon" */
    g->lon = strtod(strchr(id->value, ',') + 1, NULL);
    return 0;
}

static void mt_origin(const matcher_t *m, const profile_t *prof, unsigned id, char *out,
                      size_t cap)
{
    if (id < m->npats) {
        const struct mpat *p = &m->pats[id];
        const struct profile_device *d = profile_device(prof, (size_t)p->device);
        snprintf(out, cap, "device %s, type %s, form %s", d ? d->id : "?", p->type->name,
                 p->form);
    } else {
        const struct generic_pattern *gp = generic_pattern(id - m->npats);
        snprintf(out, cap, "generic detector %s", gp ? gp->name : "?");
    }
}

static int mt_compile(matcher_t *m, const profile_t *prof, unsigned mode, hs_database_t **db,
                      char *err, size_t errlen)
{
    size_t n = m->npats + m->ngen, k = 0;
    char **ex = calloc(n ? n : 1, sizeof *ex);
    unsigned *flags = calloc(n ? n : 1, sizeof *flags), *ids = calloc(n ? n : 1, sizeof *ids);
    hs_compile_error_t *cerr = NULL;
    int rc = 0;
    if (!ex || !flags || !ids) {
        rc = LW_ERR_NOMEM;
        snprintf(err, errlen, "matcher: out of memory");
        goto out;
    }
    for (size_t i = 0; i < m->npats; i++) {
        const struct mpat *p = &m->pats[i];
        if (!(ex[k] = malloc((size_t)p->len * 4 + 1))) {
            rc = LW_ERR_NOMEM;
            snprintf(err, errlen, "matcher: out of memory");
            goto out;
        }
        static const char hex[] = "0123456789abcdef";
        for (uint32_t j = 0; j < p->len; j++) {
            char *e = ex[k] + 4 * j;
            e[0] = '\\';
            e[1] = 'x';
            e[2] = hex[p->lit[j] >> 4];
            e[3] = hex[p->lit[j] & 15];
        }
        ex[k][4 * p->len] = 0;
        flags[k] = 0;
        ids[k++] = (unsigned)i;
    }
    for (size_t i = 0; i < m->ngen; i++) {
        const struct generic_pattern *gp = generic_pattern(i);
        char buf[1024];
        if (generic_regex(gp, buf, sizeof buf) < 0 || !(ex[k] = strdup(buf))) {
            rc = LW_ERR_NOMEM;
            snprintf(err, errlen, "matcher: generic detector %s: cannot build", gp->name);
            goto out;
        }
        flags[k] = gp->hs_flags;
        ids[k++] = (unsigned)(m->npats + i);
    }
    if (k == 0) {
        snprintf(err, errlen, "matcher: nothing to compile");
        rc = LW_ERR_INVAL;
        goto out;
    }
    if (hscache_compile_multi(m->opts.cache_dir, (const char *const *)ex, flags, ids,
                              (unsigned)k, mode, db, &cerr, NULL) != HS_SUCCESS) {
        char origin[256] = "the database as a whole";
        if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < k)
            mt_origin(m, prof, ids[cerr->expression], origin, sizeof origin);
        snprintf(err, errlen, "matcher: cannot compile the %s database, %s: %s",
                 mode == HS_MODE_BLOCK ? "block" : "streaming", origin,
                 cerr ? cerr->message : "unknown error");
        rc = LW_ERR_LIB;
    }
out:
    hs_free_compile_error(cerr);
    for (size_t i = 0; ex && i < k; i++)
        free(ex[i]);
    free(ex);
    free(flags);
    free(ids);
    return rc;
}

/* The block database compiles on a second thread while this one does the streaming
 * one: for thousands of values compiling takes seconds, twice. */
struct mt_job {
    matcher_t *m;
    const profile_t *prof;
    hs_database_t *db;
    char err[LW_ERRBUF];
    int rc;
};

static void *mt_compile_block(void *arg)
{
    struct mt_job *j = arg;
    j->rc = mt_compile(j->m, j->prof, HS_MODE_BLOCK, &j->db, j->err, sizeof j->err);
    return NULL;
}

void matcher_free(matcher_t *m)
{
    if (!m)
        return;
    hs_free_database(m->sdb);
    hs_free_database(m->bdb);
    hs_free_scratch(m->proto);
    free(m->gps);
    for (size_t i = 0; i < m->npats; i++) {
        free(m->pats[i].lit);
        free(m->pats[i].text);
    }
    free(m->pats);
    free(m);
}

int matcher_new(const profile_t *profile, const struct matcher_opts *opts, matcher_t **out,
                char *err, size_t errlen)
{
    struct timespec t0, t1;
    int rc = 0;
    matcher_t *m = calloc(1, sizeof *m);
    *out = NULL;
    t0 = clock_mono_now();
    if (!m) {
        snprintf(err, errlen, "matcher: out of memory");
        return LW_ERR_NOMEM;
    }
    m->opts.min_confidence = 0.5;
    if (opts)
        m->opts = *opts;
    if (m->opts.min_confidence <= 0.0)
        m->opts.min_confidence = 0.5;
    for (size_t d = 0; d < profile_ndevices(profile); d++) {
        const struct profile_device *dev = profile_device(profile, d);
        for (size_t i = 0; i < dev->n_idents; i++) {
            struct addctx a = {m, (int)d, &dev->idents[i]};
            const struct idtype *t = idtype_find(dev->idents[i].type);
            if (!t) {
                snprintf(err, errlen, "matcher: device %s: unknown type %s", dev->id,
                         dev->idents[i].type);
                rc = LW_ERR_INVAL;
                goto fail;
            }
            rc = forms_generate(t, dev->idents[i].value, dev->idents[i].value_len, mt_add_form,
                                &a);
            if (rc == 0 && t->syntax == IDTYPE_SYN_GPS)
                rc = mt_add_gps(m, (int)d, &dev->idents[i]);
            if (rc < 0) {
                snprintf(err, errlen, "matcher: device %s, type %s: cannot derive forms: %s",
                         dev->id, t->name, lw_strerror(rc));
                goto fail;
            }
        }
    }
    m->ngen = generic_npatterns(m->opts.min_confidence);
    struct mt_job job = {.m = m, .prof = profile};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, mt_compile_block, &job) == 0;
    if (!threaded)
        mt_compile_block(&job);
    rc = mt_compile(m, profile, HS_MODE_STREAM, &m->sdb, err, errlen);
    if (threaded)
        pthread_join(th, NULL);
    m->bdb = job.db;
    if (rc == 0 && job.rc < 0) {
        snprintf(err, errlen, "%s", job.err);
        rc = job.rc;
    }
    if (rc < 0)
        goto fail;
    if (hs_alloc_scratch(m->sdb, &m->proto) != HS_SUCCESS ||
        hs_alloc_scratch(m->bdb, &m->proto) != HS_SUCCESS) {
        snprintf(err, errlen, "matcher: cannot allocate Hyperscan scratch");
        rc = LW_ERR_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < m->npats; i++) {
        free(m->pats[i].lit);   /* compiled: only lengths and origins are needed now */
        m->pats[i].lit = NULL;
    }
    t1 = clock_mono_now();
    m->info.patterns = m->npats + m->ngen;
    hs_database_size(m->sdb, &m->info.stream_db_bytes);
    hs_database_size(m->bdb, &m->info.block_db_bytes);
    hs_stream_size(m->sdb, &m->info.stream_state_bytes);
    m->info.compile_seconds = clock_ms_between(t0, t1) / 1e3;
    *out = m;
    return 0;
fail:
    matcher_free(m);
    return rc;
}

void matcher_info(const matcher_t *m, struct matcher_info *info)
{
    *info = m->info;
}

const struct hs_database *matcher_hs_database(const matcher_t *m, int block)
{
    return block ? m->bdb : m->sdb;
}

matcher_scratch_t *matcher_scratch_new(const matcher_t *m)
{
    matcher_scratch_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (hs_clone_scratch(m->proto, &s->hs) != HS_SUCCESS) {
        free(s);
        return NULL;
    }
    return s;
}

void matcher_scratch_free(matcher_scratch_t *s)
{
    if (!s)
        return;
    hs_free_scratch(s->hs);
    free(s);
}

/* ---- validation and reporting ---------------------------------------------------- */

/* Byte at absolute offset abs, or -1 when it is neither in this call's data nor in
 * the look-behind tail (then edge checks give the hit the benefit of the doubt). */
static int sc_byte(const struct msc *sc, uint64_t abs)
{
    if (abs >= sc->base && abs - sc->base < sc->len)
        return sc->data[abs - sc->base];
    if (sc->st && abs < sc->base && sc->base - abs <= sc->st->tail_len)
        return sc->st->tail[sc->st->tail_len - (size_t)(sc->base - abs)];
    return -1;
}

static int mt_keychar(int b)
{
    return isalnum(b) || b == '_' || b == '-' || b == '.';
}

/* The key name before a value starting at abs: `key=`, `"key": "`, `<key>`. */
static void sc_key_before(const struct msc *sc, uint64_t abs, char *out)
{
    char rev[GENERIC_MAX_KEY];
    size_t n = 0;
    int b, k;
    out[0] = 0;
    for (k = 0; k < 2 && abs > 0 && ((b = sc_byte(sc, abs - 1)) == '"' || b == '\'' ||
                                     b == '\\'); k++)
        abs--;
    for (k = 0; k < 3 && abs > 0 && ((b = sc_byte(sc, abs - 1)) == ' ' || b == '\t'); k++)
        abs--;
    if (abs == 0 || ((b = sc_byte(sc, abs - 1)) != ':' && b != '=' && b != '>'))
        return;
    abs--;
    for (k = 0; k < 3 && abs > 0 && ((b = sc_byte(sc, abs - 1)) == ' ' || b == '\t'); k++)
        abs--;
    for (k = 0; k < 2 && abs > 0 && ((b = sc_byte(sc, abs - 1)) == '"' || b == '\'' ||
                                     b == '\\'); k++)
        abs--;
    while (n < sizeof rev && abs > 0 && mt_keychar(b = sc_byte(sc, abs - 1))) {
        rev[n++] = (char)b;
        abs--;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = 0;
    /* "a=1\u0026imei=": the \uXXXX escape of the separator is not part of the key. */
    if (n > 5 && abs > 0 && sc_byte(sc, abs - 1) == '\\' && out[0] == 'u' &&
        isxdigit((unsigned char)out[1]) && isxdigit((unsigned char)out[2]) &&
        isxdigit((unsigned char)out[3]) && isxdigit((unsigned char)out[4]))
        memmove(out, out + 5, n - 4);
}

/* "8690********912": first 4 and last 3 kept for values of 10+ bytes, first and
 * last 1 for 4..9, nothing below; non-printable bytes never appear as such. */
static const char *mt_evidence(char *out, size_t cap, const char *v, size_t n, int raw)
{
    size_t k = 0;
    if (raw) {
        for (size_t i = 0; i < n && k + 5 < cap; i++) {
            unsigned char c = (unsigned char)v[i];
            if (c >= 0x20 && c < 0x7f)
                out[k++] = (char)c;
            else
                k += (size_t)snprintf(out + k, cap - k, "\\x%02x", c);
        }
        out[k] = 0;
        return out;
    }
    size_t head = n >= 10 ? 4 : n >= 4 ? 1 : 0, tl = n >= 10 ? 3 : n >= 4 ? 1 : 0;
    size_t stars = n - head - tl;
    if (stars > 16)
        stars = 16;
    for (size_t i = 0; i < head; i++)
        out[k++] = isprint((unsigned char)v[i]) ? v[i] : '?';
    for (size_t i = 0; i < stars; i++)
        out[k++] = '*';
    for (size_t i = n - tl; i < n; i++)
        out[k++] = isprint((unsigned char)v[i]) ? v[i] : '?';
    out[k] = 0;
    return out;
}

static void sc_emit(struct msc *sc, int device, const struct idtype *t, const char *form,
                    const char *variant, const char *key, const char *source, double conf,
                    const char *val, size_t vlen, uint64_t end)
{
    if (conf + 1e-9 < sc->m->opts.min_confidence || !sc->fn)
        return;
    struct matcher_hit h = {
        .device = device, .type = t->name, .category = t->category, .form = form,
        .variant = variant, .where = sc->where, .key = key, .source = source,
        .confidence = conf,
        .evidence = mt_evidence(sc->s->ev, sizeof sc->s->ev, val, vlen, sc->m->opts.raw_evidence),
        .offset = end};
    sc->fn(sc->ctx, &h);
}

/* The matched bytes as they were sent (evidence is what was on the wire, never the
 * profile's value in its place); a byte no longer in the look-behind tail is '?'. */
static size_t sc_wire(const struct msc *sc, uint64_t start, uint64_t end, char *out, size_t cap)
{
    size_t n = 0;
    for (uint64_t a = start; a < end && n < cap; a++) {
        int b = sc_byte(sc, a);
        out[n++] = b < 0 ? '?' : (char)b;
    }
    return n;
}

static void sc_report_profile(struct msc *sc, unsigned id, uint64_t end)
{
    const struct mpat *p = &sc->m->pats[id];
    char wire[FORMS_MAX_LEN];
    sc_key_before(sc, end - p->len, sc->s->key);
    if (!sc->s->key[0] && sc->key)
        snprintf(sc->s->key, sizeof sc->s->key, "%s", sc->key);
    size_t wl = sc_wire(sc, end - p->len, end, wire, sizeof wire);
    sc_emit(sc, p->device, p->type, p->form, p->variant, sc->s->key, "profile", 1.0, wire, wl,
            end);
    if (!sc->last && sc->st && st_open(sc->st))
        sc->last = &sc->st->open->last;
    struct mlast *l = sc->last;
    if (!l)
        return;   /* short of memory: a keyed generic hit on these bytes may repeat it */
    l->type[l->next] = p->type;
    l->end[l->next] = end;
    l->next = (l->next + 1) % MT_LAST;
}

static void sc_release(struct msc *sc)
{
    if (sc->held) {
        sc->held = 0;
        sc_report_profile(sc, sc->held_id, sc->held_end);
    }
}

/* Report a validated profile hit; of the same device's same type ending at the same
 * byte, only the longest form is reported (see struct msc). */
static void sc_emit_profile(struct msc *sc, unsigned id, uint64_t end)
{
    if (sc->held) {
        const struct mpat *h = &sc->m->pats[sc->held_id], *p = &sc->m->pats[id];
        if (sc->held_end == end && h->device == p->device && h->type == p->type) {
            if (p->len > h->len)
                sc->held_id = id;
            return;
        }
        sc_release(sc);
    }
    sc->held = 1;
    sc->held_id = id;
    sc->held_end = end;
}

static int mt_is_b64(int b)
{
    return b >= 0 && base64_value((uint8_t)b) >= 0;
}

static int mt_hexval(int b)
{
    return b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10
                                          : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
}

/* Does d[0..n) hold the text with a token boundary on each side? A side at the edge
 * of d counts as a boundary only when the encoded run ended there (open_* = 0). */
static int mt_text_in(const struct mpat *p, const uint8_t *d, size_t n, int open_l, int open_r)
{
    for (size_t i = 0; p->text_len <= n && i <= n - p->text_len; i++) {
        if (memcmp(d + i, p->text, p->text_len))
            continue;
        size_t e = i + p->text_len;
        int left_ok = i ? !mt_edge_in(p->text_edge, d[i - 1]) : !open_l;
        int right_ok = e < n ? !mt_edge_in(p->text_edge, d[e]) : !open_r;
        if (left_ok && right_ok)
            return 1;
    }
    return 0;
}

/* A base64 fragment: decode it with up to MT_CONF_SIDE run characters on each side
 * (whole groups on the left keep the alignment) and look for the whole text.
 * 1 confirmed, 0 not the value, -1 the bytes after the match are not here yet. */
static int sc_confirm_b64(const struct msc *sc, const struct mpat *p, uint64_t end, int final)
{
    uint64_t start = end - p->len;
    size_t l = 0, r = 0;
    while (l < MT_CONF_SIDE && start > l && mt_is_b64(sc_byte(sc, start - l - 1)))
        l++;
    int open_l = l == MT_CONF_SIDE;
    l -= l % 4;
    for (; r < MT_CONF_SIDE; r++) {
        int b = sc_byte(sc, end + r);
        if (b < 0 && sc->st && !final)
            return -1;
        if (!mt_is_b64(b))
            break;
    }
    int open_r = r == MT_CONF_SIDE;
    if (r % 4 == 1)
        r--;   /* a lone character is no byte */
    uint8_t enc[FORMS_MAX_LEN + 2 * MT_CONF_SIDE], dec[sizeof enc];
    size_t n = 0;
    for (uint64_t a = start - l; a < end + r; a++) {
        int b = sc_byte(sc, a);
        if (b < 0)
            return 1;   /* the match left the look-behind: nothing to check against */
        enc[n++] = (uint8_t)b;
    }
    long k = base64_decode(enc, n, dec);
    return k > 0 && mt_text_in(p, dec, (size_t)k, open_l, open_r);
}

/* A hex form: the run may go on with more hex of a longer value on either side. */
static int sc_confirm_hex(const struct msc *sc, const struct mpat *p, uint64_t end, int final)
{
    uint64_t start = end - p->len;
    if (start >= 2) {
        int h = mt_hexval(sc_byte(sc, start - 2)), l = mt_hexval(sc_byte(sc, start - 1));
        if (h >= 0 && l >= 0 && mt_edge_in(p->text_edge, h << 4 | l))
            return 0;
    }
    int h = mt_hexval(sc_byte(sc, end)), l = mt_hexval(sc_byte(sc, end + 1));
    if ((sc_byte(sc, end) < 0 || (h >= 0 && sc_byte(sc, end + 1) < 0)) && sc->st && !final)
        return -1;
    return !(h >= 0 && l >= 0 && mt_edge_in(p->text_edge, h << 4 | l));
}

static int sc_confirm(const struct msc *sc, const struct mpat *p, uint64_t end, int final)
{
    if (p->conf == MT_CONF_B64)
        return sc_confirm_b64(sc, p, end, final);
    if (p->conf == MT_CONF_HEX)
        return sc_confirm_hex(sc, p, end, final);
    return 1;
}

/* Keep a profile hit for the next segment to decide; 0 when it cannot wait (a block
 * scan, no room, no memory): the caller decides it now. */
static int sc_pend(struct msc *sc, unsigned id, uint64_t end)
{
    struct mt_open *o = sc->st ? st_open(sc->st) : NULL;
    if (!o || o->npend >= MT_PEND)
        return 0;
    o->pend[o->npend].id = id;
    o->pend[o->npend++].end = end;
    return 1;
}

static void sc_profile_hit(struct msc *sc, unsigned id, uint64_t end)
{
    const struct mpat *p = &sc->m->pats[id];
    if (p->binary && !sc->binary_ok)
        return;
    if (p->conf) {
        int r = sc_confirm(sc, p, end, 0);
        if (r < 0 && sc_pend(sc, id, end))
            return;   /* decided when the next segment shows how the run goes on */
        if (r == 0 || (r < 0 && !sc_confirm(sc, p, end, 1)))
            return;
        sc_emit_profile(sc, id, end);
        return;
    }
    if (p->edge_first && end > p->len) {
        int b = sc_byte(sc, end - p->len - 1);
        if (b >= 0 && mt_edge_in(p->edge, b))
            return;   /* inside a longer token: near miss */
    }
    if (p->edge_last) {
        if (end - sc->base < sc->len) {
            if (mt_edge_in(p->edge, sc->data[end - sc->base]))
                return;
        } else if (sc_pend(sc, id, end)) {
            return;   /* decided by the first byte of the next segment */
        }
    }
    sc_emit_profile(sc, id, end);
}

static void sc_pair(struct msc *sc, int half, const struct mcap *c)
{
    if (!sc->pair && sc->st && st_open(sc->st))
        sc->pair = &sc->st->open->pair;
    struct mpair *pr = sc->pair;
    if (!pr)
        return;
    int h = half == 'a' ? 0 : 1;
    pr->have[h] = 1;
    pr->off[h] = c->end;
    memcpy(pr->val[h], c->buf, (size_t)c->len + 1);
    if (!pr->have[!h])
        return;
    uint64_t d = pr->off[0] > pr->off[1] ? pr->off[0] - pr->off[1] : pr->off[1] - pr->off[0];
    if (d > MT_PAIR_WINDOW) {
        pr->have[!h] = 0;
        return;
    }
    char v[2 * GENERIC_MAX_VALUE + 2];
    int n = snprintf(v, sizeof v, "%s,%s", pr->val[0], pr->val[1]);
    double lat = strtod(pr->val[0], NULL), lon = strtod(pr->val[1], NULL);
    pr->have[0] = pr->have[1] = 0;
    int found = 0;
    for (size_t i = 0; i < sc->m->ngps; i++) {
        const struct mgps *g = &sc->m->gps[i];
        if (fabs(g->lat - lat) <= MT_GPS_TOLERANCE && fabs(g->lon - lon) <= MT_GPS_TOLERANCE) {
            sc_emit(sc, g->device, idtype_find("gps"), "latlon-keys", "keys", c->key, "profile",
                    1.0, g->value, g->len, c->end);
            found = 1;
        }
    }
    if (found)
        return;
    sc_emit(sc, -1, idtype_find("gps"), "plain", "plain", c->key, "generic", GENERIC_CONF_KEYED,
            v, (size_t)n, c->end);
}

static void sc_cap_finish(struct msc *sc, struct mcap *c)
{
    struct generic_result r;
    c->buf[c->len] = 0;
    if (!generic_classify(c->gp, c->buf, c->len, &r))
        return;
    if (r.half) {
        sc_pair(sc, r.half, c);
        return;
    }
    for (int i = 0; sc->last && i < MT_LAST; i++)
        if (sc->last->type[i] == r.type && sc->last->end[i] >= c->end &&
            sc->last->end[i] <= c->end + GENERIC_MAX_VALUE + 8)
            return;   /* the profile already reported this value */
    const char *key = c->key[0] ? c->key : sc->key ? sc->key : "";
    sc_emit(sc, -1, r.type, "plain", "plain", key, "generic", r.confidence, c->buf, c->len,
            c->end);
}

/* Read value bytes into c. Returns 1 when the token ended inside p (consumed bytes
 * in *used), 0 when p ran out first, -1 when it is not a value (too long). */
static int mt_cap_feed(struct mcap *c, const uint8_t *p, size_t n, size_t *used)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int ch = p[i];
        if (c->phase == 0) {
            if (ch == ' ' || ch == '\t' || ch == '\\') {
                if (++c->skipped > 6)
                    return -1;
                continue;
            }
            c->phase = 1;
            if (ch == '"' || ch == '\'') {
                c->quote = (char)ch;
                continue;
            }
        }
        int stop;
        switch (c->gp->cs) {
        case GENERIC_CS_DIGIT: stop = !(ch >= '0' && ch <= '9'); break;
        case GENERIC_CS_HEXSEP: stop = !(isxdigit(ch) || ch == ':' || ch == '-'); break;
        default:
            stop = c->quote ? (ch == c->quote || ch == '\\')
                            : (strchr("&,;}])\r\n\t <\"'", ch) != NULL || ch == 0);
        }
        if (stop) {
            *used = i;
            return 1;
        }
        if (c->len >= GENERIC_MAX_VALUE)
            return -1;
        c->buf[c->len++] = (char)ch;
    }
    *used = n;
    return 0;
}

static void sc_generic_hit(struct msc *sc, size_t gi, uint64_t end)
{
    const struct generic_pattern *gp = generic_pattern(gi);
    struct mcap c;
    size_t used;
    memset(&c, 0, sizeof c);
    c.gp = gp;
    c.end = end;
    if (gp->keyed) {
        sc_key_before(sc, end, c.key);
    } else {
        if (end < gp->behind)
            return;
        for (size_t k = 0; k < gp->behind; k++) {
            int b = sc_byte(sc, end - gp->behind + k);
            if (b < 0)
                return;
            c.buf[c.len++] = (char)b;
        }
        c.phase = 1;
        sc_key_before(sc, end - gp->behind, c.key);
    }
    size_t off = (size_t)(end - sc->base);
    int r = mt_cap_feed(&c, sc->data + off, sc->len - off, &used);
    if (r < 0)
        return;
    if (r == 1 || !sc->st) {
        /* complete (in block mode the buffer end ends the token) */
        if (sc->ndone < MT_DONE)
            sc->done[sc->ndone++] = c;
        else
            sc_cap_finish(sc, &c);
        return;
    }
    struct mt_open *o = st_open(sc->st);
    if (o && o->ncaps < MT_CAPS)
        o->caps[o->ncaps++] = c;
}

static int mt_on_match(unsigned int id, unsigned long long from, unsigned long long to,
                       unsigned int flags, void *vctx)
{
    struct msc *sc = vctx;
    (void)from;
    (void)flags;
    uint64_t end = sc->hs_base + to;
    if (end < sc->base || end - sc->base > sc->len)
        return 0;   /* cannot happen with in-order data; never read outside it */
    if (id < sc->m->npats)
        sc_profile_hit(sc, id, end);
    else
        sc_generic_hit(sc, id - sc->m->npats, end);
    return 0;
}

/* ---- streams ---------------------------------------------------------------------- */

matcher_stream_t *matcher_stream_open(const matcher_t *m, const char *where)
{
    matcher_stream_t *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->m = m;
    st->where = where;
    if (hs_open_stream(m->sdb, 0, &st->hs) != HS_SUCCESS) {
        free(st);
        return NULL;
    }
    return st;
}

static void st_ctx(struct msc *sc, matcher_stream_t *st, matcher_scratch_t *s,
                   const uint8_t *data, size_t len, matcher_hit_fn fn, void *ctx)
{
    memset(sc, 0, sizeof *sc);
    sc->m = st->m;
    sc->s = s;
    sc->st = st;
    sc->data = data;
    sc->len = len;
    sc->base = st->scanned;
    sc->hs_base = st->hs_base;
    sc->where = st->where;
    sc->fn = fn;
    sc->ctx = ctx;
    sc->pair = st->open ? &st->open->pair : NULL;
    sc->last = st->open ? &st->open->last : NULL;
    sc->binary_ok = 1;
}

static void sc_finish_done(struct msc *sc)
{
    sc_release(sc);
    for (size_t i = 0; i < sc->ndone; i++)
        sc_cap_finish(sc, &sc->done[i]);
    sc->ndone = 0;
}

/* The stream ends or breaks here: what waited for more bytes is decided now. */
static void st_flush(struct msc *sc)
{
    matcher_stream_t *st = sc->st;
    struct mt_open *o = st->open;
    for (size_t i = 0; o && i < o->npend; i++)
        if (sc_confirm(sc, &st->m->pats[o->pend[i].id], o->pend[i].end, 1) == 1)
            sc_emit_profile(sc, o->pend[i].id, o->pend[i].end);
    if (o)
        o->npend = 0;
    sc_release(sc); /* reported before the keyed values below, which it may cover */
    for (size_t i = 0; st->open && i < st->open->ncaps; i++)
        sc_cap_finish(sc, &st->open->caps[i]);
    if (st->open)
        st->open->ncaps = 0;
}

int matcher_stream_scan(matcher_stream_t *st, matcher_scratch_t *s, const uint8_t *data,
                        size_t len, matcher_hit_fn fn, void *ctx)
{
    struct msc sc;
    if (!st || !s || (!data && len) || len > UINT32_MAX)
        return LW_ERR_INVAL;
    if (len == 0)
        return 0;
    st_ctx(&sc, st, s, data, len, fn, ctx);
    if (st->open && st->open->npend) {
        struct mt_open *o = st->open;
        size_t keep = 0;
        for (size_t i = 0; i < o->npend; i++) {
            const struct mpat *p = &st->m->pats[o->pend[i].id];
            int r = p->conf ? sc_confirm(&sc, p, o->pend[i].end, 0)
                            : !mt_edge_in(p->edge, data[0]);
            if (r < 0)
                o->pend[keep++] = o->pend[i]; /* the run goes on past this segment too */
            else if (r)
                sc_emit_profile(&sc, o->pend[i].id, o->pend[i].end);
        }
        o->npend = keep;
    }
    if (st->open && st->open->ncaps) {
        struct mt_open *o = st->open;
        size_t keep = 0;
        for (size_t i = 0; i < o->ncaps; i++) {
            size_t used;
            int r = mt_cap_feed(&o->caps[i], data, len, &used);
            if (r == 1 && sc.ndone < MT_DONE)
                sc.done[sc.ndone++] = o->caps[i];   /* after the scan, see struct msc */
            else if (r == 1)
                sc_cap_finish(&sc, &o->caps[i]);
            else if (r == 0)
                o->caps[keep++] = o->caps[i];
        }
        o->ncaps = keep;
    }
    hs_error_t e = hs_scan_stream(st->hs, (const char *)data, (unsigned)len, 0, s->hs,
                                  mt_on_match, &sc);
    sc_finish_done(&sc);
    st->scanned += len;
    if (len >= MT_TAIL) {
        memcpy(st->tail, data + len - MT_TAIL, MT_TAIL);
        st->tail_len = MT_TAIL;
    } else {
        size_t keep = st->tail_len + len > MT_TAIL ? MT_TAIL - len : st->tail_len;
        memmove(st->tail, st->tail + st->tail_len - keep, keep);
        memcpy(st->tail + keep, data, len);
        st->tail_len = keep + len;
    }
    return e == HS_SUCCESS ? 0 : LW_ERR_LIB;
}

int matcher_stream_gap(matcher_stream_t *st, matcher_scratch_t *s, matcher_hit_fn fn, void *ctx)
{
    struct msc sc;
    if (!st || !s)
        return LW_ERR_INVAL;
    st_ctx(&sc, st, s, NULL, 0, fn, ctx);
    st_flush(&sc);
    if (st->open)
        memset(&st->open->pair, 0, sizeof st->open->pair);
    hs_error_t e = hs_reset_stream(st->hs, 0, s->hs, mt_on_match, &sc);
    sc_finish_done(&sc);
    st->hs_base = st->scanned;
    st->tail_len = 0;
    return e == HS_SUCCESS ? 0 : LW_ERR_LIB;
}

void matcher_stream_close(matcher_stream_t *st, matcher_scratch_t *s, matcher_hit_fn fn,
                          void *ctx)
{
    struct msc sc;
    if (!st)
        return;
    st_ctx(&sc, st, s, NULL, 0, fn, ctx);
    if (s)
        st_flush(&sc);
    hs_close_stream(st->hs, s ? s->hs : NULL, s && fn ? mt_on_match : NULL, &sc);
    if (s)
        sc_release(&sc);
    free(st->open);
    free(st);
}

/* The key's lexicon entry (generic.h), or NULL: looked up once per buffer. */
static const struct generic_pattern *mt_key_gp(const char *key)
{
    return key ? generic_find_key(key, strlen(key)) : NULL;
}

/* A buffer under a lexicon key is a value of that key only if it could be one. */
static int mt_keyed(const struct generic_pattern *gp, size_t len)
{
    return gp && len <= GENERIC_MAX_VALUE;
}

/* gp: mt_key_gp(key). scan = 0: Hyperscan is known to find nothing in data
 * (matcher_batch_scan() looked), only the key remains to be judged. */
static int mt_scan_block(const matcher_t *m, matcher_scratch_t *s, const uint8_t *data,
                         size_t len, const char *where, const char *key,
                         const struct generic_pattern *gp, int binary_ok, int scan,
                         matcher_hit_fn fn, void *ctx)
{
    struct msc sc;
    struct mpair pair;
    struct mlast last;
    if (!m || !s || (!data && len) || len > UINT32_MAX)
        return LW_ERR_INVAL;
    if (len == 0)
        return 0;
    if (!scan && !mt_keyed(gp, len))
        return 0;
    memset(&sc, 0, sizeof sc);
    memset(&pair, 0, sizeof pair);
    memset(&last, 0, sizeof last);
    sc.m = m;
    sc.s = s;
    sc.data = data;
    sc.len = len;
    sc.where = where;
    sc.key = key;
    sc.fn = fn;
    sc.ctx = ctx;
    sc.pair = &pair;
    sc.last = &last;
    sc.binary_ok = binary_ok;
    hs_error_t e = scan ? hs_scan(m->bdb, (const char *)data, (unsigned)len, 0, s->hs,
                                  mt_on_match, &sc)
                        : HS_SUCCESS;
    sc_finish_done(&sc);
    /* A dissector hands over a decoded value with its key: the key is the lexicon
     * evidence that the keyed patterns could not see inside the buffer. */
    if (mt_keyed(gp, len)) {
        struct mcap c;
        memset(&c, 0, sizeof c);
        c.gp = gp;
        c.end = len;
        c.len = (uint8_t)len;
        memcpy(c.buf, data, len);
        snprintf(c.key, sizeof c.key, "%s", key);
        c.end = 0;   /* the whole buffer is the value: a profile hit in it covers it */
        sc_cap_finish(&sc, &c);
    }
    return e == HS_SUCCESS ? 0 : LW_ERR_LIB;
}

int matcher_scan_buffer(const matcher_t *m, matcher_scratch_t *s, const uint8_t *data,
                        size_t len, const char *where, const char *key, matcher_hit_fn fn,
                        void *ctx)
{
    return mt_scan_block(m, s, data, len, where, key, mt_key_gp(key), 0, 1, fn, ctx);
}

int matcher_scan_binary(const matcher_t *m, matcher_scratch_t *s, const uint8_t *data,
                        size_t len, const char *where, const char *key, matcher_hit_fn fn,
                        void *ctx)
{
    return mt_scan_block(m, s, data, len, where, key, mt_key_gp(key), 1, 1, fn, ctx);
}

int matcher_scan_datagram(const matcher_t *m, matcher_scratch_t *s, const uint8_t *data,
                          size_t len, const char *where, matcher_hit_fn fn, void *ctx)
{
    return mt_scan_block(m, s, data, len, where, NULL, NULL, 1, 1, fn, ctx);
}

/* ---- batches ---------------------------------------------------------------------- */

/* Buffers are laid end to end, each followed by MB_SEP. Every pattern's leading context
 * is "start of buffer or a byte of a class that holds '\n'" (rules/generic.c) and a
 * profile value is a literal, so each match a buffer has alone is also a match of the
 * joined bytes, ending at the same place: the buffers with no match ending in them have
 * none alone either. Matches that straddle a separator only cost a needless rescan. */
#define MB_SEP '\n'

struct mb_ent {
    size_t off, len;          /* in buf */
    const char *where;        /* borrowed: see matcher_batch_add() */
    size_t key, note;         /* offsets in strs; SIZE_MAX: no key, an empty note */
    const struct generic_pattern *gp;   /* the key's lexicon entry, if any */
    int binary;
    int hit;                  /* some match ends in off..off+len (its separator too) */
};

struct matcher_batch {
    uint8_t *buf;
    size_t len, cap;
    char *strs;
    size_t slen, scap;
    struct mb_ent *e;
    size_t n, ecap;
    size_t cursor;            /* entry of the last match: they come in order mostly */
};

matcher_batch_t *matcher_batch_new(void)
{
    return calloc(1, sizeof(matcher_batch_t));
}

void matcher_batch_free(matcher_batch_t *b)
{
    if (!b)
        return;
    free(b->buf);
    free(b->strs);
    free(b->e);
    free(b);
}

size_t matcher_batch_bytes(const matcher_batch_t *b)
{
    return b->len;
}

static int mb_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c * size);
    if (!n)
        return LW_ERR_NOMEM;
    *p = n;
    *cap = c;
    return 0;
}

/* memcpy() without a call for the few bytes of a form's key or value: two overlapping
 * word moves cover 4 to 16 bytes. */
static inline void mb_copy(void *d, const void *s, size_t n)
{
    char *dc = d;
    const char *sc = s;
    if (n >= 8 && n <= 16) {
        uint64_t a, z;
        memcpy(&a, sc, 8);
        memcpy(&z, sc + n - 8, 8);
        memcpy(dc, &a, 8);
        memcpy(dc + n - 8, &z, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, z;
        memcpy(&a, sc, 4);
        memcpy(&z, sc + n - 4, 4);
        memcpy(dc, &a, 4);
        memcpy(dc + n - 4, &z, 4);
    } else {
        memcpy(dc, sc, n);
    }
}

/* s (l bytes and its NUL) copied into strs at *out. */
static inline int mb_str(matcher_batch_t *b, const char *s, size_t l, size_t *out)
{
    if (mb_grow((void **)&b->strs, &b->scap, b->slen + l + 1, 1) < 0)
        return LW_ERR_NOMEM;
    mb_copy(b->strs + b->slen, s, l + 1);
    *out = b->slen;
    b->slen += l + 1;
    return 0;
}

static inline int mb_add(matcher_batch_t *b, const uint8_t *data, size_t len,
                         const char *where, const char *key, size_t kl, const char *note,
                         int binary)
{
    if (!b || (!data && len) || len > UINT32_MAX - 1 - b->len)
        return LW_ERR_INVAL;
    if (len == 0)
        return 0;   /* as matcher_scan_buffer(): an empty buffer has no hit */
    if (mb_grow((void **)&b->buf, &b->cap, b->len + len + 1, 1) < 0 ||
        mb_grow((void **)&b->e, &b->ecap, b->n + 1, sizeof *b->e) < 0)
        return LW_ERR_NOMEM;
    const struct mb_ent *prev = b->n ? &b->e[b->n - 1] : NULL;
    struct mb_ent *e = &b->e[b->n];
    size_t slen = b->slen;
    note = note ? note : "";
    e->where = where;
    e->key = e->note = SIZE_MAX;   /* SIZE_MAX: no key; "" for the note */
    /* A form's fields share their note: kept once. */
    if (note[0] && prev && prev->note != SIZE_MAX && !strcmp(b->strs + prev->note, note))
        e->note = prev->note;
    else if (note[0] && mb_str(b, note, strlen(note), &e->note) < 0)
        goto nomem;
    e->gp = NULL;
    if (key) {   /* mt_key_gp(), with the key's length the copy needs too */
        if (mb_str(b, key, kl, &e->key) < 0)
            goto nomem;
        e->gp = generic_find_key(key, kl);
    }
    e->off = b->len;
    e->len = len;
    e->binary = binary;
    e->hit = 0;
    mb_copy(b->buf + b->len, data, len);
    b->buf[b->len + len] = MB_SEP;
    b->len += len + 1;
    b->n++;
    return 0;
nomem:
    b->slen = slen;
    return LW_ERR_NOMEM;
}

int matcher_batch_add(matcher_batch_t *b, const uint8_t *data, size_t len, const char *where,
                      const char *key, const char *note, int binary)
{
    return mb_add(b, data, len, where, key, key ? strlen(key) : 0, note, binary);
}

int matcher_batch_add_pair(matcher_batch_t *b, const uint8_t *data, size_t len,
                           const char *where, const char *key, size_t klen)
{
    return mb_add(b, data, len, where, key, klen, NULL, 0);
}

static int mb_on_match(unsigned int id, unsigned long long from, unsigned long long to,
                       unsigned int flags, void *ctx)
{
    matcher_batch_t *b = ctx;
    (void)id;
    (void)from;
    (void)flags;
    size_t last = to ? (size_t)to - 1 : 0;   /* the match's last byte */
    size_t i = b->cursor;
    if (!(b->e[i].off <= last && last <= b->e[i].off + b->e[i].len)) {
        size_t lo = 0, hi = b->n;   /* the last entry starting at or before it */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (b->e[mid].off <= last)
                lo = mid;
            else
                hi = mid;
        }
        i = b->cursor = lo;
    }
    b->e[i].hit = 1;
    return 0;
}

struct mb_note {
    matcher_note_fn fn;
    void *ctx;
    const char *note;
};

static void mb_hit(void *ctx, const struct matcher_hit *h)
{
    const struct mb_note *t = ctx;
    t->fn(t->ctx, h, t->note);
}

int matcher_batch_scan(matcher_batch_t *b, const matcher_t *m, matcher_scratch_t *s,
                       matcher_note_fn fn, void *ctx)
{
    int failed = 0;
    if (!b || !b->n)
        return 0;
    b->cursor = 0;
    /* A failed joint scan only loses the shortcut: every buffer is scanned alone. */
    int joint = hs_scan(m->bdb, (const char *)b->buf, (unsigned)b->len, 0, s->hs, mb_on_match,
                        b) == HS_SUCCESS;
    for (size_t i = 0; i < b->n; i++) {
        const struct mb_ent *e = &b->e[i];
        if (joint && !e->hit && !mt_keyed(e->gp, e->len))
            continue;   /* what mt_scan_block() would conclude, without the call */
        struct mb_note t = {fn, ctx, e->note == SIZE_MAX ? "" : b->strs + e->note};
        if (mt_scan_block(m, s, b->buf + e->off, e->len, e->where,
                          e->key == SIZE_MAX ? NULL : b->strs + e->key, e->gp, e->binary,
                          !joint || e->hit, mb_hit, &t) < 0)
            failed++;
    }
    b->len = b->slen = b->n = 0;
    return failed;
}
