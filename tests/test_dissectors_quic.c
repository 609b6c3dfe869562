/* test_dissectors_quic.c - QUIC v1/v2 + HTTP/3 dissection.
 *
 * From raw bytes: RFC 9001 Appendix A and RFC 9369 Appendix A key, header protection
 * and packet vectors; synthetic connections (v1 and v2) sealed here with keys from a
 * key log made here, carrying a ClientHello, a ServerHello, HTTP/3 control streams, a
 * QPACK encoder stream and a request; hostile input (wrong keys, truncated and corrupted
 * packets, a flood of Initials with random DCIDs, QPACK references past the table,
 * STREAM data out of order, overlapping and retransmitted).
 * From real captures checked in under tests/data/quic/ (made by mkcap.sh with ngtcp2's
 * gtlsclient/gtlsserver, see its README): the URI must be the one the client was told
 * to request, the bodies each way those tshark decrypted from the same capture (for
 * the v2 draft, which tshark 4.0 does not decrypt: the files the tools were given).
 * `test_dissectors_quic --replay DIR [PORT]` runs that comparison on a fresh capture
 * (tests/test_quic_e2e.sh). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/keylog.h"
#include "dissectors/quic.h"
#include "dissectors/quic_crypto.h"
#include "tests/testutil.h"

#define IMEI "869012045678914"
#define OAID "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"

/* ---- helpers ---- */

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (h[0] && h[1] && n < max) {
        if (h[0] == ' ' || h[0] == '\n') {
            h++;
            continue;
        }
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static int eqhex(const uint8_t *p, size_t n, const char *h)
{
    uint8_t b[256];
    size_t m = unhex(h, b, sizeof b);
    return m == n && !memcmp(p, b, n);
}

/* What the dissectors reported, one "where|key|value" or "name|kind|value" per line. */
struct out {
    char *s;
    size_t n, cap;
};

static void out_add(struct out *o, const char *a, const char *b, const uint8_t *v, size_t n)
{
    size_t need = o->n + strlen(a) + strlen(b) + n + 4;
    if (need > o->cap) {
        o->cap = need * 2;
        o->s = realloc(o->s, o->cap);
    }
    o->n += (size_t)sprintf(o->s + o->n, "%s|%s|", a, b);
    memcpy(o->s + o->n, v, n);
    o->n += n;
    o->s[o->n++] = '\n';
    o->s[o->n] = 0;
}

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    out_add(ctx, where, key, v, n);
}

static void on_name(void *ctx, const char *kind, const char *name)
{
    out_add(ctx, "name", kind, (const uint8_t *)name, strlen(name));
}

static const struct dissect_cb cbs = {on_field, on_name, NULL, NULL, NULL};

static int has(const struct out *o, const char *line)
{
    return o->s && strstr(o->s, line) != NULL;
}

static size_t count(const struct out *o, const char *s)
{
    return o->s ? tu_count(o->s, s) : 0;
}

/* ---- RFC vectors ---- */

static const char *A_DCID = "8394c8f03e515708";

static void t_initial_keys(void)
{
    static const struct {
        uint32_t v;
        int server;
        const char *iv, *hp;
    } vec[] = {
        {QUIC_V1, 0, "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2"},
        {QUIC_V1, 1, "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314"},
        {QUIC_V2, 0, "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9"},
        {QUIC_V2, 1, "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a"},
    };
    uint8_t dcid[8];
    unhex(A_DCID, dcid, 8);
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        struct quic_keys k = {0};
        CU_ASSERT_EQUAL_FATAL(quic_crypto_initial(&k, vec[i].v, dcid, 8, vec[i].server), 0);
        CU_ASSERT(eqhex(k.iv, 12, vec[i].iv));
        CU_ASSERT(eqhex(k.hpkey, 16, vec[i].hp));
        quic_keys_clear(&k);
    }
    struct quic_keys k = {0};
    CU_ASSERT_EQUAL(quic_crypto_initial(&k, 0xff00001d, dcid, 8, 0), -1); /* draft 29 */
    quic_keys_clear(&k);
}

/* RFC 9001 A.2 / A.3: header protection masks of the client and server Initials. */
static void t_hp_masks(void)
{
    uint8_t dcid[8], sample[16], mask[5];
    unhex(A_DCID, dcid, 8);
    struct quic_keys c = {0}, s = {0};
    CU_ASSERT_EQUAL_FATAL(quic_crypto_initial(&c, QUIC_V1, dcid, 8, 0), 0);
    CU_ASSERT_EQUAL_FATAL(quic_crypto_initial(&s, QUIC_V1, dcid, 8, 1), 0);
    unhex("d1b1c98dd7689fb8ec11d242b123dc9b", sample, 16);
    CU_ASSERT(quic_crypto_mask(&c, sample, mask) == 0 && eqhex(mask, 5, "437b9aec36"));
    unhex("2cd0991cd25b0aac406a5816b6394100", sample, 16);
    CU_ASSERT(quic_crypto_mask(&s, sample, mask) == 0 && eqhex(mask, 5, "2ec0d8356a"));
    quic_keys_clear(&c);
    quic_keys_clear(&s);
}

static const char *A3_PACKET =
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee";
static const char *A3_PLAIN =
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304";

/* RFC 9001 A.3: the server's Initial opens with the server Initial keys. */
static void t_server_initial_vector(void)
{
    uint8_t dcid[8], pkt[256], out[256], mask[5];
    unhex(A_DCID, dcid, 8);
    size_t n = unhex(A3_PACKET, pkt, sizeof pkt);
    struct quic_keys s = {0};
    CU_ASSERT_EQUAL_FATAL(quic_crypto_initial(&s, QUIC_V1, dcid, 8, 1), 0);
    size_t pn_off = 18;
    CU_ASSERT_EQUAL_FATAL(quic_crypto_mask(&s, pkt + pn_off + 4, mask), 0);
    pkt[0] ^= mask[0] & 0x0f;
    size_t pnl = (pkt[0] & 3) + 1;
    CU_ASSERT_EQUAL(pnl, 2);
    for (size_t i = 0; i < pnl; i++)
        pkt[pn_off + i] ^= mask[1 + i];
    CU_ASSERT(eqhex(pkt, 20, "c1000000010008f067a5502a4262b50040750001"));
    long pl = quic_crypto_open(&s, 1, pkt, 20, pkt + 20, n - 20, out);
    CU_ASSERT_EQUAL(pl, 99);
    CU_ASSERT(pl == 99 && eqhex(out, 99, A3_PLAIN));
    /* One flipped ciphertext bit: nothing comes out. */
    pkt[30] ^= 1;
    CU_ASSERT_EQUAL(quic_crypto_open(&s, 1, pkt, 20, pkt + 20, n - 20, out), -1);
    quic_keys_clear(&s);
}

/* RFC 9001 A.5: ChaCha20-Poly1305 short header, and the key update secret. */
static void t_chacha_vector(void)
{
    uint8_t sec[32], pkt[32], out[32];
    unhex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b", sec, 32);
    struct quic_keys k = {0}, next = {0};
    CU_ASSERT_EQUAL_FATAL(quic_crypto_keys(&k, QUIC_V1, 0x1303, sec, 32), 0);
    CU_ASSERT(eqhex(k.iv, 12, "e0459b3474bdd0e44a41c144"));
    CU_ASSERT(eqhex(k.hpkey, 32, "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"));
    CU_ASSERT_EQUAL_FATAL(quic_crypto_update(&k, &next), 0);
    CU_ASSERT(eqhex(next.secret, 32,
                    "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9"));
    CU_ASSERT(!memcmp(next.hpkey, k.hpkey, 32)); /* header protection keys do not change */
    size_t n = unhex("4cfe4189655e5cd55c41f69080575d7999c25a5bfb", pkt, sizeof pkt);
    uint8_t mask[5];
    CU_ASSERT_EQUAL_FATAL(quic_crypto_mask(&k, pkt + 5, mask), 0);
    CU_ASSERT(eqhex(mask, 5, "aefefe7d03"));
    pkt[0] ^= mask[0] & 0x1f;
    for (int i = 0; i < 3; i++)
        pkt[1 + i] ^= mask[1 + i];
    CU_ASSERT(eqhex(pkt, 4, "4200bff4"));
    CU_ASSERT_EQUAL(quic_crypto_open(&k, 654360564, pkt, 4, pkt + 4, n - 4, out), 1);
    CU_ASSERT_EQUAL(out[0], 0x01);
    quic_keys_clear(&k);
    quic_keys_clear(&next);
}

/* RFC 9001 A.4 Retry and a Version Negotiation packet are recognised, not decrypted. */
static void t_retry_vn(void)
{
    struct dissect_env env = {0};
    struct out o = {0};
    uint8_t p[128];
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 50000, 4433);
    size_t n = unhex("ea00000000089aac5a49ba87a84908f92f4336fa951ba14547471600000001", p, sizeof p);
    CU_ASSERT_EQUAL(quic_sniff(p, n), 1);
    dissect_flow_datagram(f, 1, p, n, &cbs, &o);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_QUIC);
    n = unhex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba", p,
              sizeof p);
    dissect_flow_datagram(f, 1, p, n, &cbs, &o);
    CU_ASSERT_EQUAL(env.stats.quic_vn, 1);
    CU_ASSERT_EQUAL(env.stats.quic_retry, 1);
    CU_ASSERT_EQUAL(env.stats.quic_packets, 0);
    dissect_flow_free(f);
    /* A DNS-looking or random datagram is not QUIC. */
    uint8_t junk[40] = {0x12, 0x34, 0x01, 0x00};
    CU_ASSERT_EQUAL(quic_sniff(junk, sizeof junk), 0);
    free(o.s);
}

/* ---- a synthetic connection, sealed here ---- */

struct syn {
    uint32_t ver;
    uint8_t dcid[8], ccid[8], scid[8]; /* client's first DCID, client and server CIDs */
    uint8_t cr[32];
    uint8_t sec[4][32];                /* CHS, SHS, CTS0, STS0 */
    struct quic_keys k[3][2];          /* [space][dir] */
    uint64_t pn[3][2];
    uint8_t dg[2048];                  /* the last datagram built */
    size_t dl;
};

static void syn_init(struct syn *s, uint32_t ver, unsigned seed)
{
    memset(s, 0, sizeof *s);
    s->ver = ver;
    srand(seed);
    for (int i = 0; i < 8; i++) {
        s->dcid[i] = (uint8_t)rand();
        s->ccid[i] = (uint8_t)rand();
        s->scid[i] = (uint8_t)rand();
    }
    for (int i = 0; i < 32; i++) {
        s->cr[i] = (uint8_t)rand();
        for (int k = 0; k < 4; k++)
            s->sec[k][i] = (uint8_t)rand();
    }
    for (int d = 0; d < 2; d++) {
        quic_crypto_initial(&s->k[0][d], ver, s->dcid, 8, d);
        quic_crypto_keys(&s->k[1][d], ver, 0x1301, s->sec[d], 32);
        quic_crypto_keys(&s->k[2][d], ver, 0x1301, s->sec[2 + d], 32);
    }
}

static void syn_free(struct syn *s)
{
    for (int i = 0; i < 3; i++)
        for (int d = 0; d < 2; d++)
            quic_keys_clear(&s->k[i][d]);
}

/* The key log text of this connection into out (room for 1024 bytes); wrong != 0
 * spoils the 1-RTT secrets. Returns its length. */
static size_t syn_keytext(const struct syn *s, char *out, int wrong)
{
    static const char *lab[4] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                 "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        n += (size_t)sprintf(out + n, "%s ", lab[k]);
        for (int i = 0; i < 32; i++)
            n += (size_t)sprintf(out + n, "%02x", s->cr[i]);
        out[n++] = ' ';
        for (int i = 0; i < 32; i++)
            n += (size_t)sprintf(out + n, "%02x", s->sec[k][i] ^ (wrong && k >= 2 ? 0x55 : 0));
        out[n++] = '\n';
    }
    return n;
}

static void syn_keylog(const struct syn *s, keylog_t *kl, int wrong)
{
    char text[1024];
    size_t n = syn_keytext(s, text, wrong);
    keylog_add_text(kl, text, n);
}

/* Header protection over an already sealed packet p (pn 4 bytes at pn_off). */
static void syn_hp(struct quic_keys *k, uint8_t *p, size_t pn_off)
{
    uint8_t mask[5];
    quic_crypto_mask(k, p + pn_off + 4, mask);
    p[0] ^= mask[0] & ((p[0] & 0x80) ? 0x0f : 0x1f);
    for (int i = 0; i < 4; i++)
        p[pn_off + i] ^= mask[1 + i];
}

/* Append one packet of space sp in direction dir to s->dg. */
static void syn_packet(struct syn *s, int dir, int sp, const uint8_t *pl, size_t n)
{
    uint8_t *o = s->dg + s->dl;
    size_t h = 0;
    uint64_t pn = s->pn[sp][dir]++;
    if (sp < 2) {
        int v2 = quic_crypto_is_v2(s->ver);
        int tb = sp == 0 ? (v2 ? 1 : 0) : (v2 ? 3 : 2);
        o[h++] = (uint8_t)(0xc0 | tb << 4 | 3);
        for (int i = 0; i < 4; i++)
            o[h++] = (uint8_t)(s->ver >> (24 - 8 * i));
        o[h++] = 8;
        memcpy(o + h, dir ? s->ccid : s->dcid, 8);
        h += 8;
        o[h++] = 8;
        memcpy(o + h, dir ? s->scid : s->ccid, 8);
        h += 8;
        if (sp == 0)
            o[h++] = 0; /* no token */
        size_t len = 4 + n + 16;
        o[h++] = (uint8_t)(0x40 | len >> 8);
        o[h++] = (uint8_t)len;
    } else {
        o[h++] = 0x43; /* key phase 0 */
        memcpy(o + h, dir ? s->ccid : s->scid, 8);
        h += 8;
    }
    size_t pn_off = h;
    for (int i = 0; i < 4; i++)
        o[h++] = (uint8_t)(pn >> (24 - 8 * i));
    long c = quic_crypto_seal(&s->k[sp][dir], pn, o, h, pl, n, o + h);
    CU_ASSERT_FATAL(c > 0);
    syn_hp(&s->k[sp][dir], o, pn_off);
    s->dl += h + (size_t)c;
}

static size_t vput(uint8_t *o, uint64_t v)
{
    if (v < 64) {
        o[0] = (uint8_t)v;
        return 1;
    }
    if (v < 16384) {
        o[0] = (uint8_t)(0x40 | v >> 8);
        o[1] = (uint8_t)v;
        return 2;
    }
    for (int i = 0; i < 4; i++)
        o[i] = (uint8_t)(v >> (24 - 8 * i));
    o[0] |= 0x80;
    return 4;
}

/* A frame: CRYPTO (sid < 0) or STREAM with offset, length and maybe FIN. */
static size_t syn_frame(uint8_t *o, int64_t sid, uint64_t off, const void *d, size_t n, int fin)
{
    size_t h = 0;
    if (sid < 0) {
        o[h++] = 0x06;
    } else {
        o[h++] = (uint8_t)(0x0e | (fin ? 1 : 0));
        h += vput(o + h, (uint64_t)sid);
    }
    h += vput(o + h, off);
    h += vput(o + h, n);
    memcpy(o + h, d, n);
    return h + n;
}

static int syn_ech; /* the next ClientHello offers Encrypted Client Hello */

static size_t syn_client_hello(const struct syn *s, uint8_t *o)
{
    static const char sni[] = "ulogs.umeng.com";
    uint8_t b[256];
    size_t n = 0;
    b[n++] = 3, b[n++] = 3;
    memcpy(b + n, s->cr, 32), n += 32;
    b[n++] = 0;
    b[n++] = 0, b[n++] = 2, b[n++] = 0x13, b[n++] = 0x01;
    b[n++] = 1, b[n++] = 0;
    size_t el = 9 + sizeof sni - 1 + 9 + (syn_ech ? 5 : 0);
    b[n++] = 0, b[n++] = (uint8_t)el;
    b[n++] = 0, b[n++] = 0, b[n++] = 0, b[n++] = (uint8_t)(sizeof sni - 1 + 5);
    b[n++] = 0, b[n++] = (uint8_t)(sizeof sni - 1 + 3), b[n++] = 0;
    b[n++] = 0, b[n++] = (uint8_t)(sizeof sni - 1);
    memcpy(b + n, sni, sizeof sni - 1), n += sizeof sni - 1;
    b[n++] = 0, b[n++] = 16, b[n++] = 0, b[n++] = 5, b[n++] = 0, b[n++] = 3, b[n++] = 2;
    b[n++] = 'h', b[n++] = '3';
    if (syn_ech)
        b[n++] = 0xfe, b[n++] = 0x0d, b[n++] = 0, b[n++] = 1, b[n++] = 0;
    o[0] = 1, o[1] = 0, o[2] = (uint8_t)(n >> 8), o[3] = (uint8_t)n;
    memcpy(o + 4, b, n);
    return n + 4;
}

static size_t syn_server_hello(uint8_t *o)
{
    uint8_t b[64];
    size_t n = 0;
    b[n++] = 3, b[n++] = 3;
    memset(b + n, 0x42, 32), n += 32;
    b[n++] = 0, b[n++] = 0x13, b[n++] = 0x01, b[n++] = 0;
    b[n++] = 0, b[n++] = 6, b[n++] = 0, b[n++] = 43, b[n++] = 0, b[n++] = 2;
    b[n++] = 3, b[n++] = 4;
    o[0] = 2, o[1] = 0, o[2] = 0, o[3] = (uint8_t)n;
    memcpy(o + 4, b, n);
    return n + 4;
}

/* Feed s->dg as one datagram of dir and start a new one. */
static void syn_send(struct syn *s, dissect_flow_t *f, int dir, struct out *o)
{
    dissect_flow_datagram(f, dir, s->dg, s->dl, &cbs, o);
    s->dl = 0;
}

/* Handshake: client Initial (ClientHello), server Initial (ServerHello) coalesced with
 * a Handshake packet, client Handshake. */
static void syn_handshake(struct syn *s, dissect_flow_t *f, struct out *o)
{
    uint8_t hs[512], fr[600];
    size_t n = syn_client_hello(s, hs);
    size_t m = syn_frame(fr, -1, 0, hs, n, 0);
    memset(fr + m, 0, 300); /* PADDING */
    syn_packet(s, 0, 0, fr, m + 300);
    syn_send(s, f, 0, o);
    n = syn_server_hello(hs);
    m = syn_frame(fr, -1, 0, hs, n, 0);
    syn_packet(s, 1, 0, fr, m);
    /* An empty Certificate (enough for the diagnosis), then Finished. */
    static const uint8_t fin[44] = {11, 0, 0, 4, 0, 0, 0, 0, 20, 0, 0, 32};
    m = syn_frame(fr, -1, 0, fin, sizeof fin, 0);
    syn_packet(s, 1, 1, fr, m);
    syn_send(s, f, 1, o);
    syn_packet(s, 0, 1, fr, m);
    syn_send(s, f, 0, o);
}

/* A QPACK field line: literal with a static name reference. */
static size_t qp_lit(uint8_t *o, unsigned idx, const char *v)
{
    size_t n = 0, l = strlen(v);
    o[n++] = (uint8_t)(0x50 | idx); /* idx < 16 */
    if (l < 127) {
        o[n++] = (uint8_t)l;
    } else {
        o[n++] = 0x7f;
        o[n++] = (uint8_t)(l - 127); /* < 128 here */
    }
    memcpy(o + n, v, l);
    return n + l;
}

/* The request stream: HEADERS (static table only, or also dynamic entry 0 when dyn)
 * then DATA. */
static size_t syn_request(uint8_t *o, const char *path, const char *body, int dyn)
{
    uint8_t hb[512];
    size_t n = 0;
    hb[n++] = dyn ? 2 : 0; /* Required Insert Count (encoded), delta base 0 */
    hb[n++] = 0;
    hb[n++] = 0xd1; /* :method GET (static 17) ... a POST body follows all the same */
    hb[n++] = 0xd7; /* :scheme https */
    n += qp_lit(hb + n, 0, "ulogs.umeng.com");
    n += qp_lit(hb + n, 1, path);
    if (dyn)
        hb[n++] = 0x80; /* dynamic, relative index 0 */
    size_t m = 0;
    o[m++] = 0x01;
    m += vput(o + m, n);
    memcpy(o + m, hb, n);
    m += n;
    o[m++] = 0x00;
    m += vput(o + m, strlen(body));
    memcpy(o + m, body, strlen(body));
    return m + strlen(body);
}

/* Control stream (type 0) with SETTINGS: QPACK_MAX_TABLE_CAPACITY cap. */
static size_t syn_control(uint8_t *o, unsigned cap)
{
    size_t n = 0;
    o[n++] = 0x00;
    o[n++] = 0x04;
    uint8_t s[8];
    size_t sl = 0;
    s[sl++] = 0x01;
    sl += vput(s + sl, cap);
    o[n++] = (uint8_t)sl;
    memcpy(o + n, s, sl);
    return n + sl;
}

static const char *BODY = "imei=" IMEI "&oaid=" OAID;

/* A whole connection in one flow; returns the flow's output (caller frees o->s). */
static void syn_run(uint32_t ver, int wrong, struct dissect_env *env, struct out *o)
{
    struct syn s;
    syn_init(&s, ver, 7);
    env->keys = keylog_new();
    syn_keylog(&s, env->keys, wrong);
    dissect_flow_t *f = dissect_flow_new(env, DISSECT_L4_UDP, 50000, 4433);
    syn_handshake(&s, f, o);
    uint8_t st[600], fr[700];
    size_t n = syn_control(st, 4096), m = syn_frame(fr, 3, 0, st, n, 0);
    syn_packet(&s, 1, 2, fr, m);
    syn_send(&s, f, 1, o);
    /* Client: control, encoder stream inserting x-oaid, then the request using it. */
    n = syn_control(st, 0);
    m = syn_frame(fr, 2, 0, st, n, 0);
    uint8_t enc[64] = {0x02, 0x3f, 0xe1, 0x1f, 0x46, 'x', '-', 'o', 'a', 'i', 'd', 0x24};
    memcpy(enc + 12, OAID, 36);
    m += syn_frame(fr + m, 6, 0, enc, 48, 0);
    n = syn_request(st, "/v1/track?imei=" IMEI "&app=demo", BODY, 1);
    m += syn_frame(fr + m, 0, 0, st, n, 1);
    syn_packet(&s, 0, 2, fr, m);
    syn_send(&s, f, 0, o);
    dissect_flow_close(f, &cbs, o);
    if (wrong)
        CU_ASSERT_STRING_EQUAL(dissect_flow_dark_reason(f), "no_key");
    dissect_flow_free(f);
    keylog_free(env->keys);
    syn_free(&s);
}

static void t_synthetic(uint32_t ver)
{
    struct dissect_env env = {0};
    struct out o = {0};
    syn_run(ver, 0, &env, &o);
    CU_ASSERT(has(&o, "name|tls.sni|ulogs.umeng.com\n"));
    CU_ASSERT(has(&o, "name|tls.alpn|h3\n"));
    CU_ASSERT(has(&o, "http3.uri|imei|" IMEI "\n"));
    CU_ASSERT(has(&o, "http3.uri|app|demo\n"));
    CU_ASSERT(has(&o, "http3.uri||/v1/track\n"));
    CU_ASSERT(has(&o, "name|http.host|ulogs.umeng.com\n"));
    CU_ASSERT(has(&o, "http3.header|x-oaid|" OAID "\n")); /* from the dynamic table */
    CU_ASSERT_EQUAL(count(&o, "http3.body||"), 1);
    CU_ASSERT(has(&o, "http3.body||imei=" IMEI "&oaid=" OAID "\n"));
    CU_ASSERT_EQUAL(env.stats.quic_auth_failed, 0);
    CU_ASSERT_EQUAL(env.stats.quic_packets, 6);
    CU_ASSERT_EQUAL(env.stats.quic_flows_decrypted, 1);
    CU_ASSERT_EQUAL(env.stats.h3_headers, 1);
    CU_ASSERT_EQUAL(env.stats.h3_qpack_errors, 0);
    if (!has(&o, "http3.body"))
        printf("\n%s\n", o.s ? o.s : "(nothing)");
    free(o.s);
}

static void t_synthetic_v1(void)
{
    t_synthetic(QUIC_V1);
}

static void t_synthetic_v2(void)
{
    t_synthetic(QUIC_V2);
}

static void t_synthetic_v2draft(void)
{
    t_synthetic(QUIC_V2_DRAFT);
}

/* Wrong 1-RTT secrets: the handshake names are read, nothing of HTTP/3 comes out. */
static void t_wrong_keys(void)
{
    struct dissect_env env = {0};
    struct out o = {0};
    syn_run(QUIC_V1, 1, &env, &o);
    CU_ASSERT(has(&o, "name|tls.sni|ulogs.umeng.com\n"));
    CU_ASSERT_EQUAL(count(&o, "http3."), 0);
    CU_ASSERT_EQUAL(env.stats.quic_auth_failed, 2);
    CU_ASSERT_EQUAL(env.stats.quic_flows_decrypted, 0);
    CU_ASSERT_EQUAL(env.stats.dark_no_key, 1);
    free(o.s);
}

/* Runs the handshake and the server's control stream of a fresh connection in f. */
static void syn_open(struct syn *s, struct dissect_env *env, dissect_flow_t **f, struct out *o)
{
    syn_init(s, QUIC_V1, 11);
    env->keys = keylog_new();
    syn_keylog(s, env->keys, 0);
    *f = dissect_flow_new(env, DISSECT_L4_UDP, 50000, 4433);
    syn_handshake(s, *f, o);
    uint8_t st[32], fr[64];
    size_t n = syn_control(st, 0), m = syn_frame(fr, 3, 0, st, n, 0);
    syn_packet(s, 1, 2, fr, m);
    syn_send(s, *f, 1, o);
}

static void syn_close(struct syn *s, struct dissect_env *env, dissect_flow_t *f, struct out *o)
{
    dissect_flow_close(f, &cbs, o);
    dissect_flow_free(f);
    keylog_free(env->keys);
    env->keys = NULL;
    syn_free(s);
}

/* STREAM data in pieces: the last first, then an overlapping middle, a retransmission
 * of the first, the first: the body comes out once and whole. */
static void t_stream_reorder(void)
{
    struct dissect_env env = {0};
    struct out o = {0};
    struct syn s;
    dissect_flow_t *f;
    syn_open(&s, &env, &f, &o);
    uint8_t req[512], fr[600];
    size_t n = syn_request(req, "/r?imei=" IMEI, BODY, 0);
    size_t a = n / 3, b = 2 * n / 3;
    static const struct { int from, to, fin; } order[] = {{2, 3, 1}, {1, 2, 0}, {0, 1, 0}, {0, 1, 0}};
    size_t cut[4] = {0, a, b, n};
    for (size_t i = 0; i < 4; i++) {
        size_t from = cut[order[i].from], to = cut[order[i].to];
        if (i == 1)
            from -= 5; /* overlaps the first piece */
        size_t m = syn_frame(fr, 0, from, req + from, to - from, order[i].fin);
        syn_packet(&s, 0, 2, fr, m);
        syn_send(&s, f, 0, &o);
    }
    syn_close(&s, &env, f, &o);
    CU_ASSERT_EQUAL(count(&o, "http3.uri|imei|" IMEI "\n"), 1);
    CU_ASSERT_EQUAL(count(&o, "http3.body||"), 1);
    CU_ASSERT(has(&o, "http3.body||imei=" IMEI "&oaid=" OAID "\n"));
    CU_ASSERT_EQUAL(env.stats.quic_reasm_dropped, 0);
    free(o.s);
}

/* A header block that refers past the dynamic table, and one past the static table:
 * counted, no field of those streams, the connection goes on. */
static void t_qpack_past_table(void)
{
    struct dissect_env env = {0};
    struct out o = {0};
    struct syn s;
    dissect_flow_t *f;
    syn_open(&s, &env, &f, &o);
    uint8_t st[512], fr[600];
    /* Stream 0: required insert count 0, then dynamic index 5 (empty table). */
    static const uint8_t bad1[] = {0x01, 0x04, 0x00, 0x00, 0xd1, 0x85};
    /* Stream 4: static index 127 (the table has 99 entries). */
    static const uint8_t bad2[] = {0x01, 0x04, 0x00, 0x00, 0xff, 0x40};
    size_t m = syn_frame(fr, 0, 0, bad1, sizeof bad1, 1);
    m += syn_frame(fr + m, 4, 0, bad2, sizeof bad2, 1);
    size_t n = syn_request(st, "/ok?imei=" IMEI, "x", 0);
    m += syn_frame(fr + m, 8, 0, st, n, 1);
    syn_packet(&s, 0, 2, fr, m);
    syn_send(&s, f, 0, &o);
    syn_close(&s, &env, f, &o);
    CU_ASSERT_EQUAL(env.stats.h3_qpack_errors, 2);
    CU_ASSERT_EQUAL(env.stats.h3_headers, 1);
    CU_ASSERT(has(&o, "http3.uri||/ok\n"));
    CU_ASSERT_EQUAL(count(&o, "http3.uri||"), 1);
    free(o.s);
}

/* Flood: 20000 client Initials with random DCIDs into one flow after the real one.
 * Only a few new DCIDs are tried (before anything decrypted: none here, as the real
 * Initial decrypted); memory stays at the flow's fixed part. */
static void t_initial_flood(void)
{
    struct dissect_env env = {0};
    struct out o = {0};
    struct syn s;
    dissect_flow_t *f;
    syn_open(&s, &env, &f, &o);
    struct quic *q = quic_new(&env, NULL, NULL);
    uint64_t before = env.stats.quic_initial_other_cid;
    for (int i = 0; i < 20000; i++) {
        struct syn r;
        syn_init(&r, QUIC_V1, 1000u + (unsigned)i);
        uint8_t fr[64] = {0x01};
        syn_packet(&r, 0, 0, fr, 40);
        dissect_flow_datagram(f, 0, r.dg, r.dl, &cbs, &o);
        quic_datagram(q, 0, r.dg, r.dl, &cbs, &o); /* a flow that never decrypts */
        syn_free(&r);
    }
    /* f: all 20000 ignored; q: its first Initial sets the DCID (and decrypts). */
    CU_ASSERT_EQUAL(env.stats.quic_initial_other_cid - before, 20000 + 19999);
    CU_ASSERT(quic_mem(q) <= 16384 + 2048);
    CU_ASSERT_EQUAL(count(&o, "http3."), 0);
    quic_free(q);
    syn_close(&s, &env, f, &o);
    free(o.s);
}

/* ---- captures: tests/data/quic/<suite>/ or a fresh one from mkcap.sh ---- */

/* Feed every UDP datagram of a classic pcap (Ethernet, IPv4) to f: direction 0 when
 * its destination port is port. mutate (may be NULL) may change or shorten each. */
static int replay_pcap(const char *path, uint16_t *port, dissect_flow_t **f,
                       struct dissect_env *env, struct out *o,
                       size_t (*mutate)(uint8_t *p, size_t n, int i))
{
    size_t len;
    uint8_t *b = (uint8_t *)tu_slurp(path, &len);
    if (!b || len < 24)
        return -1;
    int i = 0;
    for (size_t off = 24; off + 16 <= len; i++) {
        uint32_t cl;
        memcpy(&cl, b + off + 8, 4);
        const uint8_t *e = b + off + 16;
        off += 16 + cl;
        if (off > len || cl < 14 + 20 + 8 || e[12] != 0x08 || e[13] != 0x00)
            continue;
        const uint8_t *ip = e + 14, *u = ip + (ip[0] & 15) * 4;
        uint16_t sp = (uint16_t)(u[0] << 8 | u[1]), dp = (uint16_t)(u[2] << 8 | u[3]);
        size_t ul = (size_t)(u[4] << 8 | u[5]) - 8;
        if (!*port)
            *port = dp; /* the client speaks first */
        if (!*f)
            *f = dissect_flow_new(env, DISSECT_L4_UDP, sp, *port);
        uint8_t d[2048];
        if (ul > sizeof d || u + 8 + ul > e + cl)
            continue;
        memcpy(d, u + 8, ul);
        size_t n = mutate ? mutate(d, ul, i) : ul;
        dissect_flow_datagram(*f, dp == *port ? 0 : 1, d, n, &cbs, o);
    }
    free(b);
    return 0;
}

/* The oracle's bodies (DIR/oracle names it: "tshark" -> tshark-bodies.txt, what tshark
 * decrypted; "sent" -> sent-bodies.txt, what the tools were given to send):
 * "req HEX" / "resp HEX", the DATA of stream 0 each way. */
static char *oracle_body(const char *dir, const char *which)
{
    char path[512], *t, *r = NULL, *o;
    snprintf(path, sizeof path, "%s/oracle", dir);
    if (!(o = tu_slurp(path, NULL)))
        return NULL;
    snprintf(path, sizeof path, "%s/%s-bodies.txt", dir, strncmp(o, "sent", 4) ? "tshark" : "sent");
    free(o);
    if (!(t = tu_slurp(path, NULL)))
        return NULL;
    char *l = strstr(t, which);
    if (l) {
        l += strlen(which);
        size_t n = strcspn(l, "\n");
        r = calloc(1, n / 2 + 1);
        for (size_t i = 0; i + 1 < n; i += 2) {
            unsigned v;
            sscanf(l + i, "%2x", &v);
            r[i / 2] = (char)v;
        }
    }
    free(t);
    return r;
}

struct replay {
    struct dissect_env env;
    struct out o;
    const char *dark;
    char darkbuf[32];
};

static int replay_dir(const char *dir, int with_keys, size_t (*mutate)(uint8_t *, size_t, int),
                      struct replay *r)
{
    char path[512];
    memset(r, 0, sizeof *r);
    if (with_keys) {
        char err[256];
        r->env.keys = keylog_new();
        snprintf(path, sizeof path, "%s/keys.txt", dir);
        if (keylog_add_file(r->env.keys, path, 0, err, sizeof err) <= 0)
            return -1;
    }
    uint16_t port = 0;
    dissect_flow_t *f = NULL;
    snprintf(path, sizeof path, "%s/cap.pcap", dir);
    int rc = replay_pcap(path, &port, &f, &r->env, &r->o, mutate);
    if (f) {
        dissect_flow_close(f, &cbs, &r->o);
        const char *d = dissect_flow_dark_reason(f);
        snprintf(r->darkbuf, sizeof r->darkbuf, "%s", d ? d : "");
        r->dark = r->darkbuf;
    }
    dissect_flow_free(f);
    keylog_free(r->env.keys);
    return f ? rc : -1;
}

/* The comparison: URI as the client was told, bodies as tshark decrypted them. 0 when
 * all agree; prints what differs. */
static int replay_check(const char *dir)
{
    struct replay r;
    int bad = 0;
    if (replay_dir(dir, 1, NULL, &r) < 0) {
        printf("%s: cannot replay\n", dir);
        return 1;
    }
    char *req = oracle_body(dir, "req "), *resp = oracle_body(dir, "resp ");
    char want[512];
    snprintf(want, sizeof want, "http3.header|:path|/v1/track?imei=%s&app=demo\n", IMEI);
    bad |= !has(&r.o, want);
    bad |= !has(&r.o, "http3.uri|imei|" IMEI "\n");
    bad |= !req || !*req || !resp || !*resp;
    if (req && resp) {
        snprintf(want, sizeof want, "http3.body||%s\n", req);
        bad |= !has(&r.o, want) || strcmp(req, BODY) != 0;
        snprintf(want, sizeof want, "http3.body||%s\n", resp);
        bad |= !has(&r.o, want);
    }
    bad |= count(&r.o, "http3.body||") != 2;
    bad |= !has(&r.o, "name|tls.sni|ulogs.umeng.com\n");
    /* The server's certificate, in Handshake packets: its names only once decrypted
     * (tshark with the same keys shows subjectAltName ulogs.umeng.com). */
    bad |= !has(&r.o, "name|tls.cert|ulogs.umeng.com\n");
    bad |= r.env.stats.quic_auth_failed != 0 || r.env.stats.quic_key_updates < 2;
    bad |= r.env.stats.quic_flows_decrypted != 1 || r.dark[0];
    if (bad)
        printf("%s: differs from tshark/client:\n%s\nkey updates %lu, auth failed %lu\n", dir,
               r.o.s ? r.o.s : "(nothing)", (unsigned long)r.env.stats.quic_key_updates,
               (unsigned long)r.env.stats.quic_auth_failed);
    free(req);
    free(resp);
    free(r.o.s);
    return bad;
}

static void t_captures(void)
{
    static const char *suites[] = {"aes128", "aes256", "chacha", "v2draft"};
    for (size_t i = 0; i < 4; i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/tests/data/quic/%s", LW_SOURCE_DIR, suites[i]);
        CU_ASSERT_EQUAL(replay_check(dir), 0);
    }
}

/* Without a key log: the Initials still give SNI and ALPN; the flow is dark, no key. */
static void t_capture_nokey(void)
{
    struct replay r;
    CU_ASSERT_EQUAL_FATAL(replay_dir(LW_SOURCE_DIR "/tests/data/quic/aes128", 0, NULL, &r), 0);
    CU_ASSERT(has(&r.o, "name|tls.sni|ulogs.umeng.com\n"));
    CU_ASSERT(has(&r.o, "name|tls.alpn|h3\n"));
    CU_ASSERT_EQUAL(count(&r.o, "http3."), 0);
    CU_ASSERT_EQUAL(count(&r.o, "name|tls.cert|"), 0);
    CU_ASSERT_STRING_EQUAL(r.dark, "no_key");
    CU_ASSERT(r.env.stats.quic_packets >= 2); /* both Initials */
    CU_ASSERT(r.env.stats.quic_no_key > 0);
    free(r.o.s);
}

static size_t cut_half(uint8_t *p, size_t n, int i)
{
    (void)p, (void)i;
    return n / 2;
}

static size_t flip_tag(uint8_t *p, size_t n, int i)
{
    (void)i;
    p[n - 1] ^= 0x80;
    return n;
}

static size_t flip_random(uint8_t *p, size_t n, int i)
{
    p[(size_t)(i * 7919) % n] ^= (uint8_t)(1u << (i % 8));
    return n;
}

/* Every datagram truncated, or its last tag byte flipped: nothing is used. A random
 * bit flipped in each: no crash, and what still comes out is a subset of the clean run. */
static void t_capture_hostile(void)
{
    const char *dir = LW_SOURCE_DIR "/tests/data/quic/chacha";
    struct replay r, clean;
    CU_ASSERT_EQUAL_FATAL(replay_dir(dir, 1, cut_half, &r), 0);
    /* Only a whole first packet of a coalesced datagram survives the cut. */
    CU_ASSERT_EQUAL(count(&r.o, "http3."), 0);
    CU_ASSERT(r.env.stats.quic_malformed + r.env.stats.quic_auth_failed > 0);
    free(r.o.s);
    /* The last packet of each datagram (every 1-RTT one) fails its tag. */
    CU_ASSERT_EQUAL_FATAL(replay_dir(dir, 1, flip_tag, &r), 0);
    CU_ASSERT(r.env.stats.quic_auth_failed > 0);
    CU_ASSERT_EQUAL(r.env.stats.quic_flows_decrypted, 0);
    CU_ASSERT_EQUAL(count(&r.o, "http3."), 0);
    free(r.o.s);
    CU_ASSERT_EQUAL_FATAL(replay_dir(dir, 1, NULL, &clean), 0);
    CU_ASSERT_EQUAL_FATAL(replay_dir(dir, 1, flip_random, &r), 0);
    for (char *l = r.o.s, *e; l && *l; l = e + 1) {
        e = strchr(l, '\n');
        *e = 0;
        CU_ASSERT(strstr(clean.o.s, l) != NULL);
    }
    free(r.o.s);
    free(clean.o.s);
}

/* Why flows stay dark: no 1-RTT from the client after the certificate (pinning), an
 * ECH offer, keys written after the packets went by, a capture that starts in 1-RTT. */
static const char *dark(const dissect_flow_t *f)
{
    const char *r = dissect_flow_dark_reason(f);
    return r ? r : "(none)";
}

static void t_dark(void)
{
    struct dissect_env env = {0};
    struct out o = {0};
    struct syn s;
    dissect_flow_t *f;
    syn_open(&s, &env, &f, &o); /* handshake + server control stream, client silent */
    dissect_flow_close(f, &cbs, &o);
    CU_ASSERT_STRING_EQUAL(dark(f), "pinning");
    CU_ASSERT_EQUAL(env.stats.dark_pinning, 1);
    dissect_flow_free(f);
    keylog_free(env.keys);
    env.keys = NULL;
    syn_free(&s);

    syn_ech = 1;
    syn_init(&s, QUIC_V1, 5);
    f = dissect_flow_new(&env, DISSECT_L4_UDP, 50000, 4433);
    syn_handshake(&s, f, &o);
    dissect_flow_close(f, &cbs, &o);
    CU_ASSERT_STRING_EQUAL(dark(f), "ech");
    syn_ech = 0;
    dissect_flow_free(f);
    syn_free(&s);

    /* The key log is followed and gets the secrets only after the flow's packets. */
    syn_init(&s, QUIC_V1, 6);
    env.keys = keylog_new();
    f = dissect_flow_new(&env, DISSECT_L4_UDP, 50000, 4433);
    syn_handshake(&s, f, &o);
    uint8_t st[512], fr[600];
    size_t n = syn_request(st, "/late?imei=" IMEI, "x", 0), m = syn_frame(fr, 0, 0, st, n, 1);
    syn_packet(&s, 0, 2, fr, m);
    syn_send(&s, f, 0, &o);
    syn_keylog(&s, env.keys, 0);
    dissect_flow_close(f, &cbs, &o);
    CU_ASSERT_STRING_EQUAL(dark(f), "key_late");
    CU_ASSERT_EQUAL(count(&o, "http3."), 0);
    dissect_flow_free(f);
    keylog_free(env.keys);
    env.keys = NULL;

    /* Only 1-RTT packets, on port 443: recognised as QUIC that began before the capture. */
    f = dissect_flow_new(&env, DISSECT_L4_UDP, 50000, 443);
    syn_packet(&s, 0, 2, fr, m);
    syn_send(&s, f, 0, &o);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_QUIC);
    dissect_flow_close(f, &cbs, &o);
    CU_ASSERT_STRING_EQUAL(dark(f), "midstream");
    CU_ASSERT_EQUAL(env.stats.quic_midstream, 1);
    dissect_flow_free(f);
    syn_free(&s);
    CU_ASSERT_EQUAL(env.stats.dark_ech + env.stats.dark_key_late + env.stats.dark_midstream, 3);
    free(o.s);
}

/* A followed key log that gets the secrets only after the packets: Handshake and 1-RTT
 * packets wait and are decrypted when it grows. A second flow's key comes after the
 * 5 s wait: its packets are dropped, and the flow is dark with "key_late". */
static void t_wait_for_key(void)
{
    struct dissect_env env = {0};
    struct out o = {0};
    struct syn s;
    char err[256], text[1024];
    const char *path = tu_path("follow-keys.txt");
    CU_ASSERT_EQUAL_FATAL(tu_write(path, "", 0), 0);
    env.keys = keylog_new();
    CU_ASSERT_EQUAL_FATAL(keylog_add_file(env.keys, path, 1, err, sizeof err), 0);
    for (int late = 0; late < 2; late++) {
        syn_init(&s, QUIC_V1, 20u + (unsigned)late);
        free(o.s);
        memset(&o, 0, sizeof o);
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 50000, 4433);
        env.now_s = 100;
        syn_handshake(&s, f, &o);
        uint8_t st[512], fr[600];
        size_t n = syn_request(st, "/wait?imei=" IMEI, BODY, 0), m = syn_frame(fr, 0, 0, st, n, 1);
        syn_packet(&s, 0, 2, fr, m);
        syn_send(&s, f, 0, &o);
        CU_ASSERT_EQUAL(count(&o, "http3."), 0);
        uint8_t ping[8] = {0x01};
        if (late) {
            /* 6 s later, still no key: the next datagram finds the wait over. */
            env.now_s += 6;
            syn_packet(&s, 1, 0, ping, sizeof ping);
            syn_send(&s, f, 1, &o);
        }
        size_t tl = syn_keytext(&s, text, 0);
        FILE *fp = fopen(path, "a");
        CU_ASSERT_FATAL(fp != NULL);
        fwrite(text, 1, tl, fp);
        fclose(fp);
        keylog_poll(env.keys);
        /* The next datagram (a PING from the server) lets the waiting ones go first. */
        syn_packet(&s, 1, 0, ping, sizeof ping);
        syn_send(&s, f, 1, &o);
        dissect_flow_close(f, &cbs, &o);
        if (!late) {
            CU_ASSERT(has(&o, "http3.uri|imei|" IMEI "\n"));
            CU_ASSERT(has(&o, "http3.body||" "imei=" IMEI "&oaid=" OAID "\n"));
            CU_ASSERT_EQUAL(env.stats.quic_waited, 3); /* 2 Handshake, 1 1-RTT */
            CU_ASSERT_EQUAL(env.stats.quic_waiting_dropped, 0);
            CU_ASSERT_STRING_EQUAL(dark(f), "(none)");
        } else {
            CU_ASSERT_EQUAL(count(&o, "http3."), 0);
            CU_ASSERT_EQUAL(env.stats.quic_waiting_dropped, 3);
            CU_ASSERT_STRING_EQUAL(dark(f), "key_late");
        }
        CU_ASSERT_EQUAL(env.tls_wait_bytes, 0);
        dissect_flow_free(f);
        syn_free(&s);
    }
    keylog_free(env.keys);
    free(o.s);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--replay"))
        return replay_check(argv[2]);
    static const struct tu_case cases[] = {
        {"RFC 9001/9369 A.1 Initial keys", t_initial_keys},
        {"RFC 9001 A.2/A.3 header protection masks", t_hp_masks},
        {"RFC 9001 A.3 server Initial opens", t_server_initial_vector},
        {"RFC 9001 A.5 ChaCha20 short header, key update", t_chacha_vector},
        {"Retry and Version Negotiation recognised", t_retry_vn},
        {"synthetic v1 connection: SNI, QPACK dynamic table, URI, body", t_synthetic_v1},
        {"synthetic v2 connection", t_synthetic_v2},
        {"synthetic v2-draft connection", t_synthetic_v2draft},
        {"wrong 1-RTT keys: nothing emitted", t_wrong_keys},
        {"STREAM out of order, overlapping, retransmitted", t_stream_reorder},
        {"QPACK references past the tables", t_qpack_past_table},
        {"flood of Initials with random DCIDs", t_initial_flood},
        {"dark flows: pinning, ECH, key late, mid-connection", t_dark},
        {"followed key log: packets wait for their key", t_wait_for_key},
        {"real captures: URI as sent, bodies as tshark decrypts", t_captures},
        {"real capture without keys: SNI, dark no_key", t_capture_nokey},
        {"real capture truncated / corrupted", t_capture_hostile},
        {NULL, NULL},
    };
    return tu_run("quic", cases);
}
