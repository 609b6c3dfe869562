/* pcapdroid.c - see pcapdroid.h. */
#include "capture/pcapdroid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* pcapng block types (draft-ietf-opsawg-pcapng). */
#define NG_SHB 0x0A0D0D0Au
#define NG_PB 0x00000002u      /* obsolete Packet Block: libpcap still returns it */
#define NG_SPB 0x00000003u
#define NG_EPB 0x00000006u
#define NG_CB 0x00000BADu
#define NG_CB_NOCOPY 0x40000BADu
#define NG_BOM 0x1A2B3C4Du
#define NG_OPT_COMMENT 1
#define PCAPDROID_BLOCK_UID_MAP 1
/* libpcap refuses pcapng blocks over 16 MiB by default; so do we. */
#define NG_BLOCK_MAX (16u << 20)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

size_t pcapdroid_trailer(const uint8_t *frame, size_t caplen, int32_t *uid,
                         char name[PCAPDROID_TRAILER_NAME])
{
    /* An Ethernet header, at least a minimal IPv4 header, the trailer. */
    if (!frame || caplen < 14 + 20 + PCAPDROID_TRAILER_LEN)
        return 0;
    const uint8_t *t = frame + caplen - PCAPDROID_TRAILER_LEN;
    if (be32(t) != PCAPDROID_TRAILER_MAGIC)
        return 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, frame, (uInt)(caplen - 4));
    if ((uint32_t)crc != le32(t + 24))
        return 0;
    *uid = (int32_t)be32(t + 4);
    memcpy(name, t + 8, PCAPDROID_TRAILER_NAME);
    name[PCAPDROID_TRAILER_NAME - 1] = 0;
    return PCAPDROID_TRAILER_LEN;
}

struct pcapdroid_apps {
    struct pcapdroid_app **v;
    size_t n, cap;
    const struct pcapdroid_app *last;   /* consecutive packets are mostly one app's */
};

pcapdroid_apps_t *pcapdroid_apps_new(void)
{
    return calloc(1, sizeof(struct pcapdroid_apps));
}

void pcapdroid_apps_free(pcapdroid_apps_t *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    free(a);
}

static int app_is(const struct pcapdroid_app *e, int32_t uid, const char *package,
                  const char *name)
{
    return e && e->uid == uid && !strcmp(e->package, package) && !strcmp(e->name, name);
}

/* Names are copied cut to fit, with control bytes made '?': they end up in events. */
static void copy_name(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] && i < PCAPDROID_NAME_MAX - 1; i++)
        dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
    dst[i] = 0;
}

const struct pcapdroid_app *pcapdroid_apps_get(pcapdroid_apps_t *a, int32_t uid,
                                               const char *package, const char *name)
{
    struct pcapdroid_app key = {.uid = uid};
    copy_name(key.package, package ? package : "");
    copy_name(key.name, name ? name : "");
    if (app_is(a->last, uid, key.package, key.name))
        return a->last;
    for (size_t i = 0; i < a->n; i++)
        if (app_is(a->v[i], uid, key.package, key.name))
            return a->last = a->v[i];
    if (a->n >= PCAPDROID_APPS_MAX)
        return NULL;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        struct pcapdroid_app **nv = realloc(a->v, cap * sizeof *nv);
        if (!nv)
            return NULL;
        a->v = nv;
        a->cap = cap;
    }
    struct pcapdroid_app *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    *e = key;
    a->v[a->n++] = e;
    return a->last = e;
}

/* ---- pcapng ---- */

static uint32_t ng32(const struct pcapdroid_ng_state *st, const uint8_t *p)
{
    return st->swapped ? be32(p) : le32(p);
}

static uint16_t ng16(const struct pcapdroid_ng_state *st, const uint8_t *p)
{
    return st->swapped ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static size_t pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* A Custom Block: keep it when it is PCAPdroid's UID map. b starts at the PEN. */
static int ng_uid_map(struct pcapdroid_ng_state *st, pcapdroid_apps_t *apps,
                      const uint8_t *b, size_t len)
{
    if (len < 4 || ng32(st, b) != PCAPDROID_PEN)
        return 0;
    if (len < 14)
        return -1;
    if (b[6] != PCAPDROID_BLOCK_UID_MAP) /* a later block type: not ours to read */
        return 0;
    int32_t uid = (int32_t)ng32(st, b + 8);
    size_t plen = b[12], alen = b[13];
    if (14 + plen + alen > len)
        return -1;
    char pkg[256], app[256];
    memcpy(pkg, b + 14, plen);
    pkg[plen] = 0;
    memcpy(app, b + 14 + plen, alen);
    app[alen] = 0;
    const struct pcapdroid_app *e = pcapdroid_apps_get(apps, uid, pkg, app);
    if (e)
        st->maps[st->nmaps++ % PCAPDROID_NG_MAPS] = e;
    return 0;
}

/* The UID an EPB's options name in a "u-<uid>" comment; 0 if none. o[0..len). */
static int ng_epb_uid(const struct pcapdroid_ng_state *st, const uint8_t *o, size_t len,
                      int32_t *uid)
{
    while (len >= 4) {
        uint16_t code = ng16(st, o), olen = ng16(st, o + 2);
        if (code == 0 || pad4(olen) > len - 4)
            return 0;
        if (code == NG_OPT_COMMENT && olen > 2 && olen < 16 && o[4] == 'u' && o[5] == '-') {
            char num[16], *end;
            memcpy(num, o + 6, olen - 2u);
            num[olen - 2] = 0;
            long v = strtol(num, &end, 10);
            if (end != num && !*end && v >= INT32_MIN && v <= INT32_MAX) {
                *uid = (int32_t)v;
                return 1;
            }
        }
        o += 4 + pad4(olen);
        len -= 4 + pad4(olen);
    }
    return 0;
}

static const struct pcapdroid_app *ng_app_of(struct pcapdroid_ng_state *st,
                                             pcapdroid_apps_t *apps, int32_t uid)
{
    unsigned n = st->nmaps < PCAPDROID_NG_MAPS ? st->nmaps : PCAPDROID_NG_MAPS;
    for (unsigned i = 0; i < n; i++) {  /* newest first: a UID mapped again wins */
        const struct pcapdroid_app *e = st->maps[(st->nmaps - 1 - i) % PCAPDROID_NG_MAPS];
        if (e->uid == uid)
            return e;
    }
    return pcapdroid_apps_get(apps, uid, NULL, NULL);
}

int pcapdroid_ng_block(struct pcapdroid_ng_state *st, pcapdroid_apps_t *apps,
                       const uint8_t *b, size_t len, const struct pcapdroid_app **app)
{
    *app = NULL;
    if (len < 12 || len % 4)
        return -1;
    if (le32(b) == NG_SHB) {  /* the same both ways: its byte-order magic decides */
        if (len < 28)
            return -1;
        if (le32(b + 8) == NG_BOM)
            st->swapped = 0;
        else if (be32(b + 8) == NG_BOM)
            st->swapped = 1;
        else
            return -1;
        st->in_section = 1;
        st->nmaps = 0;
        return 0;
    }
    if (!st->in_section || ng32(st, b + 4) != len || ng32(st, b + len - 4) != len)
        return -1;
    uint32_t type = ng32(st, b);
    const uint8_t *body = b + 8;
    size_t blen = len - 12;
    if (type == NG_CB || type == NG_CB_NOCOPY)
        return ng_uid_map(st, apps, body, blen);
    if (type == NG_PB || type == NG_SPB)
        return 1;
    if (type != NG_EPB)
        return 0;
    if (blen < 20)
        return -1;
    size_t cap = ng32(st, body + 12);
    if (cap > blen - 20 || pad4(cap) > blen - 20)
        return -1;
    int32_t uid;
    if (ng_epb_uid(st, body + 20 + pad4(cap), blen - 20 - pad4(cap), &uid))
        *app = ng_app_of(st, apps, uid);
    return 1;
}

struct pcapdroid_ng {
    FILE *f;
    int dead;                 /* damage seen: no more apps from this file */
    uint8_t *buf;
    size_t cap;
    struct pcapdroid_ng_state st;
};

pcapdroid_ng_t *pcapdroid_ng_open(const char *path)
{
    uint8_t magic[4];
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    pcapdroid_ng_t *ng = NULL;
    if (fread(magic, 1, 4, f) != 4 || le32(magic) != NG_SHB || fseek(f, 0, SEEK_SET) ||
        !(ng = calloc(1, sizeof *ng))) {
        fclose(f);
        return NULL;
    }
    ng->f = f;
    return ng;
}

void pcapdroid_ng_close(pcapdroid_ng_t *ng)
{
    if (!ng)
        return;
    fclose(ng->f);
    free(ng->buf);
    free(ng);
}

/* Read the next whole block into ng->buf: its length, 0 at the end, -1 on damage. */
static long ng_read_block(pcapdroid_ng_t *ng)
{
    uint8_t h[8];
    size_t got = fread(h, 1, 8, ng->f);
    if (got == 0)
        return 0;
    if (got != 8)
        return -1;
    /* A Section Header's length is in the byte order its own magic gives. */
    uint32_t len = le32(h);
    if (len == NG_SHB) {
        uint8_t bom[4];
        if (fread(bom, 1, 4, ng->f) != 4 || fseek(ng->f, -4, SEEK_CUR))
            return -1;
        len = be32(bom) == NG_BOM ? be32(h + 4) : le32(h + 4);
    } else {
        len = ng->st.swapped ? be32(h + 4) : le32(h + 4);
    }
    if (len < 12 || len % 4 || len > NG_BLOCK_MAX)
        return -1;
    if (len > ng->cap) {
        uint8_t *nb = realloc(ng->buf, len);
        if (!nb)
            return -1;
        ng->buf = nb;
        ng->cap = len;
    }
    memcpy(ng->buf, h, 8);
    if (fread(ng->buf + 8, 1, len - 8, ng->f) != len - 8)
        return -1;
    return (long)len;
}

const struct pcapdroid_app *pcapdroid_ng_next(pcapdroid_ng_t *ng, pcapdroid_apps_t *apps)
{
    while (ng && !ng->dead) {
        long len = ng_read_block(ng);
        const struct pcapdroid_app *app;
        int rc = len > 0 ? pcapdroid_ng_block(&ng->st, apps, ng->buf, (size_t)len, &app) : -1;
        if (rc < 0)
            ng->dead = 1;
        else if (rc == 1)
            return app;
    }
    return NULL;
}
