/* dissect.c - per-flow protocol choice and dispatch to the DNS, HTTP and TLS
 * dissectors; see dissect.h.
 *
 * The protocol is chosen from the first bytes of either direction (ports only for
 * DNS), so HTTP on port 8080 or TLS on 8443 are recognised and a TLS stream on port 80
 * is not parsed as HTTP. Until a decision, up to DISSECT_SNIFF bytes per direction
 * are held and replayed to the chosen dissector. Decrypted TLS application data is
 * handed to plain() and to an inner HTTP/1.x or HTTP/2 dissector, chosen by the
 * server's ALPN or else by the first plaintext bytes. Not done here: any parsing. */
#include "dissectors/dissect.h"

#include <stdlib.h>
#include <string.h>

#include "dissectors/dns.h"
#include "dissectors/http1.h"
#include "dissectors/http2.h"
#include "dissectors/mqtt.h"
#include "dissectors/http3.h"
#include "dissectors/quic.h"
#include "dissectors/tls.h"
#include "dissectors/unwrap.h"
#include "dissectors/websocket.h"

#define DISSECT_SNIFF 8 /* longest token sniffed: "OPTIONS " / "CONNECT " */

/* One per open flow, so narrow: each of the three slots holds at most one dissector,
 * named by its tag (a flow is one protocol at a time, upgrades and TLS aside). */
enum dissect_inner { DISSECT_IN_UNKNOWN, DISSECT_IN_NONE, DISSECT_IN_HTTP, DISSECT_IN_H2,
                     DISSECT_IN_WS, DISSECT_IN_H3 };

struct dissect_flow {
    struct dissect_env *env;
    /* The caller's callbacks of the current call: the dissectors get dissect_wrap_cb
     * with the flow as ctx, so every field goes through the decoding pipeline. */
    const struct dissect_cb *ucb;
    void *uctx;
    struct unwrap *uw; /* made on the flow's first field when env->uw is NULL */
    uint64_t uw_spent; /* bytes the pipeline decoded (UNWRAP_FLOW_BUDGET) */
    union {            /* the flow's own dissector: by outer */
        struct http1 *http;
        struct tls *tls;
        struct dns_tcp *dns;
        struct mqtt *mqtt;
        struct quic *quic;
    } o;
    union {            /* what an HTTP/1 Upgrade (or the h2c preface) led to: by up */
        struct websocket *ws;
        struct http2 *h2c;
    } u;
    union {            /* inside decrypted TLS (HTTP/1, h2, wss) or QUIC (h3): by inner */
        struct http1 *http;
        struct http2 *h2;
        struct http3 *h3;
    } in;
    uint16_t cli_port, srv_port;
    uint8_t l4;        /* enum dissect_l4 */
    uint8_t proto;     /* enum dissect_proto: where the flow's bytes go now */
    uint8_t outer;     /* enum dissect_proto of o: HTTP, TLS, DNS, MQTT, QUIC or NONE */
    uint8_t up;        /* DISSECT_PROTO_WEBSOCKET or DISSECT_PROTO_H2C in u, or NONE */
    uint8_t inner;     /* enum dissect_inner, decided once for both directions */
    uint8_t sniff_len[2];
    uint8_t udp_sniffed; /* datagrams looked at for QUIC */
    int8_t quiet_dir;  /* dissect_flow_set_quiet(): 0, 1, or -1 for none */
    uint8_t tls_mid;   /* began with TLS application data: a dark flow */
    uint8_t sniff[2][DISSECT_SNIFF];
};

/* Each slot's dissector if it is of that kind, else NULL. */
static struct http1 *df_http(const dissect_flow_t *f)
{
    return f->outer == DISSECT_PROTO_HTTP ? f->o.http : NULL;
}
static struct tls *df_tls(const dissect_flow_t *f)
{
    return f->outer == DISSECT_PROTO_TLS ? f->o.tls : NULL;
}
static struct quic *df_quic(const dissect_flow_t *f)
{
    return f->outer == DISSECT_PROTO_QUIC ? f->o.quic : NULL;
}
static struct websocket *df_ws(const dissect_flow_t *f)
{
    return f->up == DISSECT_PROTO_WEBSOCKET ? f->u.ws : NULL;
}
static struct http2 *df_h2c(const dissect_flow_t *f)
{
    return f->up == DISSECT_PROTO_H2C ? f->u.h2c : NULL;
}
static struct http1 *df_in_http(const dissect_flow_t *f)
{
    return f->inner == DISSECT_IN_HTTP || f->inner == DISSECT_IN_WS ? f->in.http : NULL;
}
static struct http2 *df_in_h2(const dissect_flow_t *f)
{
    return f->inner == DISSECT_IN_H2 ? f->in.h2 : NULL;
}
static struct http3 *df_h3(const dissect_flow_t *f)
{
    return f->inner == DISSECT_IN_H3 ? f->in.h3 : NULL;
}
/* A DNS flow's TCP framing state, made on its first bytes or gap (UDP needs none). */
static struct dns_tcp *df_dns_tcp(dissect_flow_t *f)
{
    if (f->outer == DISSECT_PROTO_NONE && (f->o.dns = dns_tcp_new()))
        f->outer = DISSECT_PROTO_DNS;
    return f->outer == DISSECT_PROTO_DNS ? f->o.dns : NULL;
}

static int dissect_is_dns_port(uint16_t p)
{
    return p == 53 || p == 5353;
}

dissect_flow_t *dissect_flow_new(struct dissect_env *env, enum dissect_l4 l4,
                                 uint16_t cli_port, uint16_t srv_port)
{
    if (!env)
        return NULL;
    dissect_flow_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->env = env;
    f->l4 = (uint8_t)l4;
    f->cli_port = cli_port;
    f->srv_port = srv_port;
    f->quiet_dir = -1;
    f->outer = f->up = DISSECT_PROTO_NONE;
    if (dissect_is_dns_port(srv_port) || dissect_is_dns_port(cli_port))
        f->proto = DISSECT_PROTO_DNS;
    else if (l4 == DISSECT_L4_TCP && srv_port == 1883 && (f->o.mqtt = mqtt_new(&env->stats)))
        f->proto = f->outer = DISSECT_PROTO_MQTT;
    else if (l4 == DISSECT_L4_UDP)
        f->proto = DISSECT_PROTO_NONE;
    return f;
}

void dissect_flow_free(dissect_flow_t *f)
{
    if (!f)
        return;
    http1_free(df_http(f));
    tls_free(df_tls(f));
    http1_free(df_in_http(f));
    http2_free(df_in_h2(f));
    quic_free(df_quic(f));
    http3_free(df_h3(f));
    dns_tcp_free(f->outer == DISSECT_PROTO_DNS ? f->o.dns : NULL);
    mqtt_free(f->outer == DISSECT_PROTO_MQTT ? f->o.mqtt : NULL);
    websocket_free(df_ws(f));
    http2_free(df_h2c(f));
    unwrap_free(f->uw);
    free(f);
}

enum dissect_proto dissect_flow_proto(const dissect_flow_t *f)
{
    return f ? f->proto : DISSECT_PROTO_NONE;
}

int dissect_env_share(struct dissect_env *env)
{
    if (!env->uw)
        env->uw = unwrap_new(&env->stats);
    return env->uw ? 0 : -1;
}

void dissect_env_unshare(struct dissect_env *env)
{
    unwrap_free(env->uw);
    env->uw = NULL;
}

/* The env's shared pipeline, else the flow's own, made on its first field. */
static struct unwrap *dissect_unwrap(dissect_flow_t *f)
{
    if (f->env->uw)
        return f->env->uw;
    if (!f->uw)
        f->uw = unwrap_new(&f->env->stats); /* NULL: fields pass undecoded */
    return f->uw;
}

static void dissect_wfield(void *arg, const char *where, const char *key, const uint8_t *val,
                           size_t len)
{
    dissect_flow_t *f = arg;
    unwrap_field(dissect_unwrap(f), &f->uw_spent, f->ucb, f->uctx, where, key, val, len);
}

static void dissect_wfields(void *arg, const char *where, const struct dissect_kv *kv,
                            size_t n)
{
    dissect_flow_t *f = arg;
    unwrap_fields(dissect_unwrap(f), &f->uw_spent, f->ucb, f->uctx, where, kv, n);
}

static void dissect_wname(void *arg, const char *kind, const char *name)
{
    dissect_flow_t *f = arg;
    if (f->ucb->name)
        f->ucb->name(f->uctx, kind, name);
}

static void dissect_wplain(void *arg, int dir, const uint8_t *data, size_t len)
{
    dissect_flow_t *f = arg;
    if (f->ucb->plain)
        f->ucb->plain(f->uctx, dir, data, len);
}

static const struct dissect_cb dissect_wrap_cb = {dissect_wfield, dissect_wname, dissect_wplain,
                                                  NULL, dissect_wfields};
/* A quiet direction still names its peer (a server's certificate), and nothing else. */
static const struct dissect_cb dissect_quiet_cb = {NULL, dissect_wname, NULL, NULL, NULL};

void dissect_flow_set_quiet(dissect_flow_t *f, int dir)
{
    if (f)
        f->quiet_dir = dir == 0 || dir == 1 ? dir : -1;
}

/* The callbacks for bytes of direction dir, from those of the current call (the
 * wrapped or quiet ones, or NULL): chosen by dir alone, because a call for one
 * direction may release the other's bytes (TLS records that waited for a key). */
static const struct dissect_cb *dissect_cb_for(const dissect_flow_t *f, int dir,
                                               const struct dissect_cb *cb)
{
    if (!cb)
        return NULL;
    return dir == f->quiet_dir ? &dissect_quiet_cb : &dissect_wrap_cb;
}

/* Route this call's callbacks through the pipeline: returns the cb to hand to the
 * dissectors, with the flow as their ctx. */
static const struct dissect_cb *dissect_wrap(dissect_flow_t *f, const struct dissect_cb *cb,
                                             void *ctx)
{
    f->ucb = cb;
    f->uctx = ctx;
    return cb ? &dissect_wrap_cb : NULL;
}

/* An HTTP/1 flow whose response said 101: the next bytes are WebSocket frames or
 * (h2c_ok: not inside TLS) HTTP/2. Returns the protocol the flow goes on with (HTTP if
 * none). */
static enum dissect_proto dissect_upgrade(dissect_flow_t *f, struct http1 *h, int h2c_ok)
{
    unsigned ws;
    int up = http1_upgrade(h, &ws);
    if (f->up != DISSECT_PROTO_NONE)
        return DISSECT_PROTO_HTTP;
    if (up == HTTP1_UPGRADE_WEBSOCKET && (f->u.ws = websocket_new(&f->env->stats, ws)))
        return f->up = DISSECT_PROTO_WEBSOCKET;
    if (up == HTTP1_UPGRADE_H2C && h2c_ok && (f->u.h2c = http2_new(&f->env->stats)))
        return f->up = DISSECT_PROTO_H2C;
    return DISSECT_PROTO_HTTP;
}

static void dissect_dispatch(dissect_flow_t *f, int dir, const uint8_t *data, size_t len,
                             const struct dissect_cb *cb, void *ctx)
{
    if (!len)
        return;
    cb = dissect_cb_for(f, dir, cb);
    switch (f->proto) {
    case DISSECT_PROTO_HTTP:
        http1_data(f->o.http, dir, data, len, cb, ctx);
        f->proto = dissect_upgrade(f, f->o.http, 1);
        break;
    case DISSECT_PROTO_WEBSOCKET:
        websocket_data(f->u.ws, dir, data, len, cb, ctx);
        break;
    case DISSECT_PROTO_H2C:
        http2_data(f->u.h2c, dir, data, len, cb, ctx);
        break;
    case DISSECT_PROTO_TLS:
        tls_data(f->o.tls, dir, data, len, cb, ctx);
        break;
    case DISSECT_PROTO_DNS:
        if (df_dns_tcp(f))
            dns_tcp_data(f->o.dns, f->env, dir, data, len, cb, ctx);
        break;
    case DISSECT_PROTO_MQTT:
        mqtt_data(f->o.mqtt, dir, data, len, cb, ctx);
        break;
    default:
        break;
    }
}

/* Decrypted application data of a TLS flow (tls_app_fn). */
static void dissect_plain(void *arg, int dir, const uint8_t *p, size_t n,
                          const struct dissect_cb *cb, void *ctx)
{
    dissect_flow_t *f = arg;
    /* Records that waited for a key come with the callbacks of the call that released
     * them (the other direction's bytes, or tls_close()). */
    cb = dissect_cb_for(f, dir, cb);
    if (cb && cb->plain)
        cb->plain(ctx, dir, p, n);
    if (f->inner == DISSECT_IN_UNKNOWN && p) {
        int alpn = tls_alpn(f->o.tls);
        static const char preface[] = "PRI * HTTP/2.0";
        if (alpn == TLS_ALPN_H2 ||
            (alpn == TLS_ALPN_NONE && n >= 14 && !memcmp(p, preface, 14)))
            f->inner = DISSECT_IN_H2;
        else if (alpn == TLS_ALPN_HTTP1 || http1_sniff(p, n) == 1)
            f->inner = DISSECT_IN_HTTP;
        else
            f->inner = DISSECT_IN_NONE;
        if (f->inner == DISSECT_IN_HTTP && (f->in.http = http1_new(&f->env->stats)))
            http1_set_memcap(f->in.http, f->env->mem);
        else if (f->inner == DISSECT_IN_HTTP)
            f->inner = DISSECT_IN_NONE;
        if (f->inner == DISSECT_IN_H2 && (f->in.h2 = http2_new(&f->env->stats)))
            http2_set_memcap(f->in.h2, f->env->mem);
        else if (f->inner == DISSECT_IN_H2)
            f->inner = DISSECT_IN_NONE;
    }
    if (f->inner == DISSECT_IN_HTTP) {
        if (p)
            http1_data(f->in.http, dir, p, n, cb, ctx);
        else
            http1_gap(f->in.http, dir, n ? n : 1);
        if (dissect_upgrade(f, f->in.http, 0) == DISSECT_PROTO_WEBSOCKET)
            f->inner = DISSECT_IN_WS; /* wss:// */
    } else if (f->inner == DISSECT_IN_WS) {
        if (p)
            websocket_data(f->u.ws, dir, p, n, cb, ctx);
        else
            websocket_gap(f->u.ws, dir);
    } else if (f->inner == DISSECT_IN_H2) {
        if (p)
            http2_data(f->in.h2, dir, p, n, cb, ctx);
        else
            http2_gap(f->in.h2, dir);
    }
}

/* Decide from the held bytes: a protocol, NONE, or UNKNOWN (need more). */
static enum dissect_proto dissect_sniff(const uint8_t *s, size_t n)
{
    int t = tls_sniff(s, n), h = http1_sniff(s, n), m = mqtt_sniff(s, n);
    static const char preface[DISSECT_SNIFF] = "PRI * HT"; /* HTTP/2 prior knowledge */
    if (t == 1)
        return DISSECT_PROTO_TLS;
    if (h == 1)
        return DISSECT_PROTO_HTTP;
    if (m == 1)
        return DISSECT_PROTO_MQTT;
    if (n && !memcmp(s, preface, n))
        return n == DISSECT_SNIFF ? DISSECT_PROTO_H2C : DISSECT_PROTO_UNKNOWN;
    if ((t == -1 || h == -1 || m == -1) && n < DISSECT_SNIFF)
        return DISSECT_PROTO_UNKNOWN;
    return DISSECT_PROTO_NONE;
}

void dissect_flow_data(dissect_flow_t *f, int dir, const uint8_t *data, size_t len,
                       const struct dissect_cb *cb, void *ctx)
{
    dir &= 1;
    if (!f || !len || !data)
        return;
    cb = dissect_wrap(f, cb, ctx);
    ctx = f;
    if (f->proto != DISSECT_PROTO_UNKNOWN) {
        dissect_dispatch(f, dir, data, len, cb, ctx);
        return;
    }
    size_t old = f->sniff_len[dir];
    size_t take = DISSECT_SNIFF - old < len ? DISSECT_SNIFF - old : len;
    memcpy(f->sniff[dir] + old, data, take);
    f->sniff_len[dir] = (uint8_t)(old + take);
    enum dissect_proto p = dissect_sniff(f->sniff[dir], f->sniff_len[dir]);
    if (p == DISSECT_PROTO_UNKNOWN)
        return;
    if (p == DISSECT_PROTO_HTTP && (f->o.http = http1_new(&f->env->stats)))
        http1_set_memcap(f->o.http, f->env->mem);
    else if (p == DISSECT_PROTO_HTTP)
        p = DISSECT_PROTO_NONE;
    if (p == DISSECT_PROTO_TLS && !(f->o.tls = tls_new(f->env, dissect_plain, f)))
        p = DISSECT_PROTO_NONE;
    if (p == DISSECT_PROTO_MQTT && !(f->o.mqtt = mqtt_new(&f->env->stats)))
        p = DISSECT_PROTO_NONE;
    if (p == DISSECT_PROTO_H2C && (f->u.h2c = http2_new(&f->env->stats)))
        f->up = DISSECT_PROTO_H2C;
    else if (p == DISSECT_PROTO_H2C)
        p = DISSECT_PROTO_NONE;
    if (p == DISSECT_PROTO_HTTP || p == DISSECT_PROTO_TLS || p == DISSECT_PROTO_MQTT)
        f->outer = (uint8_t)p;
    /* Application data first: the capture began after the handshake. */
    if (p == DISSECT_PROTO_NONE && f->sniff_len[dir] >= 2 && f->sniff[dir][0] == 0x17 &&
        f->sniff[dir][1] == 0x03) {
        f->env->stats.tls_midstream++;
        f->tls_mid = 1;
    }
    f->proto = (uint8_t)p;
    if (p == DISSECT_PROTO_NONE)
        return;
    /* Replay what the other direction held, then this one's earlier bytes. */
    dissect_dispatch(f, !dir, f->sniff[!dir], f->sniff_len[!dir], cb, ctx);
    dissect_dispatch(f, dir, f->sniff[dir], old, cb, ctx);
    dissect_dispatch(f, dir, data, len, cb, ctx);
}

void dissect_flow_gap(dissect_flow_t *f, int dir, uint64_t missing)
{
    dir &= 1;
    if (!f || !missing)
        return;
    switch (f->proto) {
    case DISSECT_PROTO_UNKNOWN:
        /* The first bytes are gone: nothing reliable to sniff. */
        f->proto = DISSECT_PROTO_NONE;
        break;
    case DISSECT_PROTO_HTTP:
        http1_gap(f->o.http, dir, missing);
        break;
    case DISSECT_PROTO_TLS:
        tls_gap(f->o.tls, dir);
        break;
    case DISSECT_PROTO_MQTT:
        mqtt_gap(f->o.mqtt, dir);
        break;
    case DISSECT_PROTO_WEBSOCKET:
        websocket_gap(f->u.ws, dir);
        break;
    case DISSECT_PROTO_H2C:
        http2_gap(f->u.h2c, dir);
        break;
    case DISSECT_PROTO_DNS:
        if (f->l4 == DISSECT_L4_TCP && df_dns_tcp(f))
            dns_tcp_gap(f->o.dns, dir);
        break;
    default:
        break;
    }
}

/* Stream bytes of a QUIC flow (quic_stream_fn): HTTP/3, made on the first. */
static void dissect_quic_stream(void *arg, int dir, uint64_t sid, const uint8_t *p, size_t n,
                                int fin, const struct dissect_cb *cb, void *ctx)
{
    dissect_flow_t *f = arg;
    if (f->inner != DISSECT_IN_H3 && !(f->in.h3 = http3_new(&f->env->stats)))
        return;
    f->inner = DISSECT_IN_H3;
    http3_stream(f->in.h3, dir, sid, p, n, fin, dissect_cb_for(f, dir, cb), ctx);
}

/* A UDP flow's first datagrams: a QUIC long header, or short headers on port 443 (a
 * capture that began mid-connection, counted as such by quic.c). */
static void dissect_quic_sniff(dissect_flow_t *f, const uint8_t *data, size_t len)
{
    if (f->udp_sniffed >= 4 || !len)
        return;
    f->udp_sniffed++;
    int port443 = f->srv_port == 443 || f->cli_port == 443;
    if (!quic_sniff(data, len) && !(port443 && len >= 21 && (data[0] & 0xc0) == 0x40))
        return;
    if ((f->o.quic = quic_new(f->env, dissect_quic_stream, f)))
        f->proto = f->outer = DISSECT_PROTO_QUIC;
}

void dissect_flow_datagram(dissect_flow_t *f, int dir, const uint8_t *data, size_t len,
                           const struct dissect_cb *cb, void *ctx)
{
    if (!f || !data)
        return;
    cb = dissect_wrap(f, cb, ctx);
    ctx = f;
    if (f->proto == DISSECT_PROTO_DNS) {
        dns_message(f->env, data, len, dissect_cb_for(f, dir, cb), ctx);
        return;
    }
    if (f->l4 == DISSECT_L4_UDP && f->proto == DISSECT_PROTO_NONE)
        dissect_quic_sniff(f, data, len);
    if (f->proto == DISSECT_PROTO_QUIC)
        quic_datagram(f->o.quic, dir, data, len, cb, ctx);
}

static void dissect_dark_count(struct dissect_env *env, const char *r)
{
    struct dissect_stats *st = &env->stats;
    if (!r)
        return;
    if (!strcmp(r, "no_key"))
        st->dark_no_key++;
    else if (!strcmp(r, "unsupported"))
        st->dark_unsupported++;
    else if (!strcmp(r, "midstream"))
        st->dark_midstream++;
    else if (!strcmp(r, "ech"))
        st->dark_ech++;
    else if (!strcmp(r, "pinning"))
        st->dark_pinning++;
    else if (!strcmp(r, "key_late"))
        st->dark_key_late++;
    else
        st->dark_incomplete++;
}

void dissect_flow_close(dissect_flow_t *f, const struct dissect_cb *cb, void *ctx)
{
    if (!f)
        return;
    cb = dissect_wrap(f, cb, ctx);
    ctx = f;
    if (df_http(f))
        http1_close(f->o.http, cb, ctx);
    if (df_tls(f))
        tls_close(f->o.tls, cb, ctx);
    if (df_in_http(f))
        http1_close(f->in.http, cb, ctx);
    if (df_in_h2(f))
        http2_close(f->in.h2, cb, ctx);
    if (df_h2c(f))
        http2_close(f->u.h2c, cb, ctx);
    if (df_quic(f))
        quic_close(f->o.quic, cb, ctx);
    if (df_h3(f))
        http3_close(f->in.h3, cb, ctx);
    dissect_dark_count(f->env, dissect_flow_dark_reason(f));
}

void dissect_stats_add(struct dissect_stats *into, const struct dissect_stats *from)
{
#define DISSECT_STATS_ADD(name, what) into->name += from->name;
    DISSECT_STATS(DISSECT_STATS_ADD)
#undef DISSECT_STATS_ADD
}

void dissect_stats_each(const struct dissect_stats *s,
                        void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx)
{
#define DISSECT_STATS_EACH(name, what) fn(ctx, #name, s->name);
    DISSECT_STATS(DISSECT_STATS_EACH)
#undef DISSECT_STATS_EACH
}

int dissect_flow_decrypting(const dissect_flow_t *f)
{
    return f && (tls_decrypting(df_tls(f)) || quic_decrypting(df_quic(f)));
}

int dissect_flow_quic(const dissect_flow_t *f)
{
    return f && df_quic(f);
}

const char *dissect_flow_dark_reason(const dissect_flow_t *f)
{
    if (!f)
        return NULL;
    if (df_quic(f))
        return quic_dark_reason(f->o.quic);
    if (f->tls_mid)
        return "midstream";
    return df_tls(f) ? tls_dark_reason(f->o.tls) : NULL;
}
