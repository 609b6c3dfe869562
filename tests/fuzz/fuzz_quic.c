/* fuzz_quic.c - QUIC packets and frames (dissectors/quic.c), HTTP/3 and QPACK
 * (dissectors/http3.c), the TLS handshake parser behind CRYPTO frames, through
 * dissect_flow on a UDP flow with a fixed key log.
 *
 * Input: records [flags][len16][bytes]. flags bit 0: direction; bit 1: raw (the bytes
 * are one datagram as they come); else bits 2-3 pick a packet number space (Initial,
 * Handshake, 1-RTT) and the bytes are a packet's plaintext frames, which the harness
 * seals with that space's keys (a fuzzer cannot forge AEAD tags: this is what lets it
 * reach the frame, stream and HTTP/3 parsers). A fixed handshake (ClientHello with the
 * key log's client random, ServerHello) runs first, so every space has keys.
 * Self-contained: only the product's headers. */
#include <stdint.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/keylog.h"
#include "dissectors/quic.h"
#include "dissectors/quic_crypto.h"

static const uint8_t fq_dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t fq_ccid[8] = {9, 9, 9, 9, 9, 9, 9, 9};
static const uint8_t fq_scid[8] = {7, 7, 7, 7, 7, 7, 7, 7};
static const char fq_cr_hex[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char fq_keylog[] =
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 1111111111111111111111111111111111111111111111111111111111111111 a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET 1111111111111111111111111111111111111111111111111111111111111111 a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\n"
    "CLIENT_TRAFFIC_SECRET_0 1111111111111111111111111111111111111111111111111111111111111111 a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2\n"
    "SERVER_TRAFFIC_SECRET_0 1111111111111111111111111111111111111111111111111111111111111111 a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3\n";

static volatile uint8_t fq_sink;

static void fq_touch(const uint8_t *v, size_t n)
{
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= v[i];
    fq_sink ^= x;
}

static void fq_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    (void)ctx;
    fq_touch((const uint8_t *)where, strlen(where));
    fq_touch((const uint8_t *)key, strlen(key));
    fq_touch(v, n);
}

static void fq_name(void *ctx, const char *kind, const char *name)
{
    (void)ctx;
    fq_touch((const uint8_t *)kind, strlen(kind));
    fq_touch((const uint8_t *)name, strlen(name));
}

static const struct dissect_cb fq_cb = {fq_field, fq_name, NULL, NULL, NULL};

struct fq {
    struct quic_keys k[3][2];
    uint64_t pn[3][2];
    uint8_t dg[QUIC_DGRAM_MAX + 64];
};

static void fq_keys(struct fq *s)
{
    uint8_t sec[32];
    for (int d = 0; d < 2; d++) {
        quic_crypto_initial(&s->k[0][d], QUIC_V1, fq_dcid, 8, d);
        memset(sec, 0xa0 + d, 32);
        quic_crypto_keys(&s->k[1][d], QUIC_V1, 0x1301, sec, 32);
        memset(sec, 0xa2 + d, 32);
        quic_crypto_keys(&s->k[2][d], QUIC_V1, 0x1301, sec, 32);
    }
}

/* Seal plaintext p[0..n) as one packet of space sp in direction dir; its length. */
static size_t fq_seal(struct fq *s, int dir, int sp, const uint8_t *p, size_t n)
{
    uint8_t *o = s->dg;
    size_t h = 0;
    uint64_t pn = s->pn[sp][dir]++;
    if (n < 4)
        return 0;
    if (sp < 2) {
        o[h++] = (uint8_t)(0xc3 | (sp ? 0x20 : 0));
        o[h++] = 0, o[h++] = 0, o[h++] = 0, o[h++] = 1;
        o[h++] = 8;
        memcpy(o + h, dir ? fq_ccid : fq_dcid, 8), h += 8;
        o[h++] = 8;
        memcpy(o + h, dir ? fq_scid : fq_ccid, 8), h += 8;
        if (!sp)
            o[h++] = 0;
        size_t len = 4 + n + 16;
        o[h++] = (uint8_t)(0x40 | (len >> 8 & 0x3f));
        o[h++] = (uint8_t)len;
    } else {
        o[h++] = 0x43;
        memcpy(o + h, dir ? fq_ccid : fq_scid, 8), h += 8;
    }
    size_t pn_off = h;
    for (int i = 0; i < 4; i++)
        o[h++] = (uint8_t)(pn >> (24 - 8 * i));
    long c = quic_crypto_seal(&s->k[sp][dir], pn, o, h, p, n, o + h);
    uint8_t mask[5];
    if (c < 0 || quic_crypto_mask(&s->k[sp][dir], o + pn_off + 4, mask) < 0)
        return 0;
    o[0] ^= mask[0] & ((o[0] & 0x80) ? 0x0f : 0x1f);
    for (int i = 0; i < 4; i++)
        o[pn_off + i] ^= mask[1 + i];
    return h + (size_t)c;
}

/* ClientHello (the key log's random) and ServerHello (TLS_AES_128_GCM_SHA256). */
static void fq_handshake(struct fq *s, dissect_flow_t *f)
{
    uint8_t ch[64] = {0x06, 0, 46, 1, 0, 0, 42, 3, 3};
    for (int i = 0; i < 32; i++)
        ch[9 + i] = 0x11;
    memcpy(ch + 41, "\x00\x00\x02\x13\x01\x01\x00", 7);
    size_t n = fq_seal(s, 0, 0, ch, 48 + 16);
    dissect_flow_datagram(f, 0, s->dg, n, &fq_cb, NULL);
    uint8_t sh[64] = {0x06, 0, 50, 2, 0, 0, 46, 3, 3};
    memset(sh + 9, 0x22, 32);
    memcpy(sh + 41, "\x00\x13\x01\x00\x00\x06\x00\x2b\x00\x02\x03\x04", 12);
    n = fq_seal(s, 1, 0, sh, 53);
    dissect_flow_datagram(f, 1, s->dg, n, &fq_cb, NULL);
    (void)fq_cr_hex;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fq s;
    struct dissect_env env = {0};
    memset(s.pn, 0, sizeof s.pn);
    if (!s.k[0][0].aead)
        fq_keys(&s);
    env.keys = keylog_new();
    if (!env.keys)
        return 0;
    keylog_add_text(env.keys, fq_keylog, sizeof fq_keylog - 1);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 50000, 443);
    if (!f) {
        keylog_free(env.keys);
        return 0;
    }
    fq_handshake(&s, f);
    while (size >= 3) {
        uint8_t flags = data[0];
        size_t n = (size_t)data[1] << 8 | data[2];
        data += 3, size -= 3;
        if (n > size)
            n = size;
        int dir = flags & 1, sp = (flags >> 2) & 3;
        if ((flags & 2) || sp > 2) {
            dissect_flow_datagram(f, dir, data, n, &fq_cb, NULL);
        } else {
            size_t m = fq_seal(&s, dir, sp, data, n);
            if (m)
                dissect_flow_datagram(f, dir, s.dg, m, &fq_cb, NULL);
        }
        data += n, size -= n;
    }
    dissect_flow_close(f, &fq_cb, NULL);
    dissect_flow_free(f);
    keylog_free(env.keys);
    return 0;
}
