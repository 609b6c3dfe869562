/* mqtt.c - MQTT packets out of a TCP stream; see mqtt.h. Each packet is gathered in
 * the direction's buffer (fixed header + remaining length), then parsed with bounds
 * checked on every read (struct mqtt_rd). */
#include "dissectors/mqtt.h"

#include <stdlib.h>
#include <string.h>

#define MQTT_CONNECT 1
#define MQTT_PUBLISH 3
#define MQTT_SUBSCRIBE 8
#define MQTT_V5 5

struct mqtt_dir {
    uint8_t *buf;          /* the packet being gathered */
    size_t len, cap;
    size_t need;           /* whole packet size once the header is known, else 0 */
    uint64_t skip;         /* bytes of an over-long packet still to skip */
    int lost;
};

struct mqtt {
    struct mqtt_dir d[2];
    struct dissect_stats *st;
    int level;             /* protocol level of the CONNECT (4 = 3.1.1, 5 = 5.0) */
};

/* A bounds-checked reader over one packet. */
struct mqtt_rd {
    const uint8_t *p;
    size_t n, i;
    int bad;
};

static unsigned mqtt_u8(struct mqtt_rd *r)
{
    if (r->i >= r->n) {
        r->bad = 1;
        return 0;
    }
    return r->p[r->i++];
}

static size_t mqtt_u16(struct mqtt_rd *r)
{
    size_t hi = mqtt_u8(r);
    return hi << 8 | mqtt_u8(r);
}

/* A 2-byte length and that many bytes; NULL (and bad) when they run past the end. */
static const uint8_t *mqtt_str(struct mqtt_rd *r, size_t *len)
{
    size_t l = mqtt_u16(r);
    if (r->bad || l > r->n - r->i) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *s = r->p + r->i;
    r->i += l;
    *len = l;
    return s;
}

/* Variable byte integer (remaining length, property length): at most 4 bytes. */
static int mqtt_varint(const uint8_t *p, size_t n, size_t *used, uint32_t *out)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= n)
            return -1; /* need more bytes */
        v |= (uint32_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *used = i + 1;
            *out = v;
            return 1;
        }
    }
    return 0; /* malformed */
}

/* MQTT 5 properties: skipped as a whole (their length comes first). */
static void mqtt_skip_props(struct mqtt *m, struct mqtt_rd *r)
{
    size_t used;
    uint32_t l;
    if (m->level != MQTT_V5)
        return;
    if (mqtt_varint(r->p + r->i, r->n - r->i, &used, &l) != 1 || l > r->n - r->i - used) {
        r->bad = 1;
        return;
    }
    r->i += used + l;
}

static void mqtt_emit(const struct dissect_cb *cb, void *ctx, const char *where, const char *key,
                      const uint8_t *v, size_t n)
{
    if (cb && cb->field && v && n)
        cb->field(ctx, where, key, v, n);
}

static void mqtt_connect(struct mqtt *m, struct mqtt_rd *r, const struct dissect_cb *cb, void *ctx)
{
    size_t l;
    static const char *const where = "mqtt.connect";
    if (!mqtt_str(r, &l))
        return;
    m->level = (int)mqtt_u8(r);
    unsigned flags = mqtt_u8(r);
    mqtt_u16(r); /* keep alive */
    mqtt_skip_props(m, r);
    const uint8_t *s = mqtt_str(r, &l);
    if (r->bad)
        return;
    mqtt_emit(cb, ctx, where, "client_id", s, l);
    if (flags & 0x04) { /* will */
        mqtt_skip_props(m, r);
        s = mqtt_str(r, &l);
        if (!r->bad)
            mqtt_emit(cb, ctx, where, "will_topic", s, l);
        s = mqtt_str(r, &l);
        if (!r->bad)
            mqtt_emit(cb, ctx, where, "will_payload", s, l);
    }
    if ((flags & 0x80) && (s = mqtt_str(r, &l)) != NULL)
        mqtt_emit(cb, ctx, where, "username", s, l);
    if ((flags & 0x40) && (s = mqtt_str(r, &l)) != NULL)
        mqtt_emit(cb, ctx, where, "password", s, l);
}

static void mqtt_publish(struct mqtt *m, struct mqtt_rd *r, unsigned flags,
                         const struct dissect_cb *cb, void *ctx)
{
    size_t l;
    char topic[128];
    const uint8_t *t = mqtt_str(r, &l);
    if (!t)
        return;
    if (flags & 0x06)
        mqtt_u16(r); /* packet identifier (QoS 1, 2) */
    mqtt_skip_props(m, r);
    if (r->bad)
        return;
    mqtt_emit(cb, ctx, "mqtt.publish", "topic", t, l);
    size_t k = l < sizeof topic - 1 ? l : sizeof topic - 1;
    memcpy(topic, t, k);
    topic[k] = 0;
    for (size_t i = 0; i < k; i++)
        if (!topic[i])
            topic[i] = '?'; /* a key is a C string */
    mqtt_emit(cb, ctx, "mqtt.publish", topic, r->p + r->i, r->n - r->i);
}

static void mqtt_subscribe(struct mqtt *m, struct mqtt_rd *r, const struct dissect_cb *cb,
                           void *ctx)
{
    size_t l;
    mqtt_u16(r);
    mqtt_skip_props(m, r);
    while (!r->bad && r->i < r->n) {
        const uint8_t *t = mqtt_str(r, &l);
        mqtt_u8(r); /* options */
        if (!r->bad)
            mqtt_emit(cb, ctx, "mqtt.subscribe", "topic", t, l);
    }
}

/* One whole packet: fixed header byte, then body p[0..n). */
static void mqtt_packet(struct mqtt *m, uint8_t h, const uint8_t *p, size_t n,
                        const struct dissect_cb *cb, void *ctx)
{
    struct mqtt_rd r = {p, n, 0, 0};
    m->st->mqtt_packets++;
    switch (h >> 4) {
    case MQTT_CONNECT: mqtt_connect(m, &r, cb, ctx); break;
    case MQTT_PUBLISH: mqtt_publish(m, &r, h & 0x0f, cb, ctx); break;
    case MQTT_SUBSCRIBE: mqtt_subscribe(m, &r, cb, ctx); break;
    default: break;
    }
    if (r.bad)
        m->st->mqtt_malformed++;
}

struct mqtt *mqtt_new(struct dissect_stats *st)
{
    struct mqtt *m = calloc(1, sizeof *m);
    if (m) {
        m->st = st;
        m->level = 4;
    }
    return m;
}

void mqtt_free(struct mqtt *m)
{
    if (!m)
        return;
    free(m->d[0].buf);
    free(m->d[1].buf);
    free(m);
}

void mqtt_gap(struct mqtt *m, int dir)
{
    m->d[dir & 1].lost = 1;
}

static int mqtt_room(struct mqtt_dir *d, size_t need)
{
    if (need <= d->cap)
        return 1;
    size_t c = d->cap ? d->cap : 256;
    while (c < need)
        c *= 2;
    uint8_t *b = realloc(d->buf, c);
    if (!b)
        return 0;
    d->buf = b;
    d->cap = c;
    return 1;
}

/* Take bytes into the current packet; returns how many were used. */
static size_t mqtt_take(struct mqtt *m, struct mqtt_dir *d, const uint8_t *p, size_t n,
                        const struct dissect_cb *cb, void *ctx)
{
    if (d->skip) {
        size_t k = d->skip < n ? (size_t)d->skip : n;
        d->skip -= k;
        return k;
    }
    size_t want = d->need ? d->need - d->len : 5 - d->len; /* a header is at most 5 bytes */
    size_t k = want < n ? want : n;
    if (!mqtt_room(d, d->len + k)) {
        d->lost = 1;
        return n;
    }
    memcpy(d->buf + d->len, p, k);
    d->len += k;
    if (!d->need) {
        size_t used;
        uint32_t rl;
        int r = d->len >= 2 ? mqtt_varint(d->buf + 1, d->len - 1, &used, &rl) : -1;
        if (r == 0) {
            m->st->mqtt_malformed++;
            d->lost = 1;
            return n;
        }
        if (r < 0)
            return k; /* the header goes on in the next bytes */
        size_t total = 1 + used + rl;
        if (total > DISSECT_BODY_MAX) {
            m->st->mqtt_too_long++;
            d->skip = total - d->len;
            d->len = 0;
            return k;
        }
        d->need = total;
        if (d->len > total) { /* read past a short packet: give the rest back */
            size_t back = d->len - total;
            d->len = total;
            k -= back;
        }
    }
    if (d->len == d->need) {
        size_t used = 1;
        uint32_t rl = 0;
        mqtt_varint(d->buf + 1, d->len - 1, &used, &rl); /* valid: it set d->need */
        mqtt_packet(m, d->buf[0], d->buf + 1 + used, d->len - 1 - used, cb, ctx);
        d->len = 0;
        d->need = 0;
    }
    return k;
}

void mqtt_data(struct mqtt *m, int dir, const uint8_t *data, size_t len,
               const struct dissect_cb *cb, void *ctx)
{
    struct mqtt_dir *d = &m->d[dir & 1];
    while (len && !d->lost) {
        size_t used = mqtt_take(m, d, data, len, cb, ctx);
        data += used;
        len -= used;
    }
}

/* The protocol name's length and first letters ("\0\4MQTT", "\0\6MQIsdp"): 4 bytes
 * are enough to tell, and fit the dispatcher's 8-byte sniff with a 2-byte length. */
int mqtt_sniff(const uint8_t *s, size_t n)
{
    if (n < 1)
        return -1;
    if (s[0] != 0x10)
        return 0;
    size_t used;
    uint32_t rl;
    int r = mqtt_varint(s + 1, n - 1, &used, &rl);
    if (r == 0)
        return 0;
    if (r < 0 || n < 1 + used + 4)
        return -1;
    const uint8_t *p = s + 1 + used;
    return p[0] == 0 && (p[1] == 4 || p[1] == 6) && p[2] == 'M' && p[3] == 'Q';
}
