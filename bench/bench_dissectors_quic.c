/* bench_dissectors_quic.c - decrypted QUIC + HTTP/3 throughput through the dissectors,
 * next to decrypted TLS 1.3 over TCP measured in the same run (bench_dissectors_tlsdec
 * aes13, from the same folder), as a ratio.
 *
 * A QUIC v1 connection is built in memory with quic_crypto's seal: client Initial
 * (ClientHello whose random the key log names), server Initial (ServerHello,
 * TLS_AES_128_GCM_SHA256), then 1-RTT client packets of PKT bytes of frames carrying one
 * HTTP/3 POST on stream 0 whose DATA is opaque (the body decoder gathers it up to its
 * cap, as for HTTP/1 and HTTP/2). Keys come from the key log, as in real use. The
 * figure is Gbit/s of stream plaintext; each pass is one fresh flow.
 *
 * Usage: bench_dissectors_quic [MiB per pass, default 64] */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/benchutil.h"
#include "dissectors/dissect.h"
#include "dissectors/keylog.h"
#include "dissectors/quic_crypto.h"

#define PKT 1200 /* 1-RTT payload per packet: what a 1280-1500 byte path carries */

static const uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, ccid[8] = {9, 9, 9, 9, 9, 9, 9, 9},
                     scid[8] = {7, 7, 7, 7, 7, 7, 7, 7};

static void die(const char *m)
{
    fprintf(stderr, "bench_dissectors_quic: %s\n", m);
    exit(1);
}

/* One packet (space 0 Initial, 2 1-RTT) of plaintext p[0..n) into b as a length-prefixed
 * datagram: [u32 len][bytes]. */
static void seal(struct sbuf *b, struct quic_keys *k, int sp, int dir, uint64_t pn,
                 const uint8_t *p, size_t n)
{
    uint8_t o[PKT + 128];
    size_t h = 0;
    if (sp == 0) {
        o[h++] = 0xc3;
        o[h++] = 0, o[h++] = 0, o[h++] = 0, o[h++] = 1, o[h++] = 8;
        memcpy(o + h, dir ? ccid : dcid, 8), h += 8;
        o[h++] = 8;
        memcpy(o + h, dir ? scid : ccid, 8), h += 8;
        o[h++] = 0;
        size_t len = 4 + n + 16;
        o[h++] = (uint8_t)(0x40 | len >> 8), o[h++] = (uint8_t)len;
    } else {
        o[h++] = 0x43;
        memcpy(o + h, scid, 8), h += 8;
    }
    size_t pn_off = h;
    for (int i = 0; i < 4; i++)
        o[h++] = (uint8_t)(pn >> (24 - 8 * i));
    long c = quic_crypto_seal(k, pn, o, h, p, n, o + h);
    uint8_t mask[5];
    if (c < 0 || quic_crypto_mask(k, o + pn_off + 4, mask) < 0)
        die("seal");
    o[0] ^= mask[0] & ((o[0] & 0x80) ? 0x0f : 0x1f);
    for (int i = 0; i < 4; i++)
        o[pn_off + i] ^= mask[1 + i];
    uint32_t len = (uint32_t)(h + (size_t)c);
    put(b, &len, 4);
    put(b, o, len);
}

static size_t vput(uint8_t *o, uint64_t v)
{
    for (int i = 0; i < 4; i++)
        o[i] = (uint8_t)(v >> (24 - 8 * i));
    o[0] |= 0x80;
    return 4;
}

static uint64_t plain_fields;

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    (void)ctx, (void)where, (void)key, (void)v, (void)n;
    plain_fields++;
}

/* Builds the connection; returns the stream bytes it carries. */
static size_t build(struct sbuf *c, struct sbuf *s, size_t mib, keylog_t *kl)
{
    struct quic_keys ci = {0}, si = {0}, app = {0};
    uint8_t sec[32], cr[32];
    memset(sec, 0xa2, 32);
    memset(cr, 0x11, 32);
    if (quic_crypto_initial(&ci, QUIC_V1, dcid, 8, 0) < 0 ||
        quic_crypto_initial(&si, QUIC_V1, dcid, 8, 1) < 0 ||
        quic_crypto_keys(&app, QUIC_V1, 0x1301, sec, 32) < 0)
        die("keys");
    char line[256];
    int n = sprintf(line, "CLIENT_TRAFFIC_SECRET_0 ");
    for (int i = 0; i < 32; i++)
        n += sprintf(line + n, "11");
    n += sprintf(line + n, " ");
    for (int i = 0; i < 32; i++)
        n += sprintf(line + n, "a2");
    line[n++] = '\n';
    if (keylog_add_text(kl, line, (size_t)n) != 1)
        die("key log");
    uint8_t ch[64] = {0x06, 0, 46, 1, 0, 0, 42, 3, 3};
    memcpy(ch + 9, cr, 32);
    memcpy(ch + 41, "\x00\x00\x02\x13\x01\x01\x00", 7);
    seal(c, &ci, 0, 0, 0, ch, 64);
    uint8_t sh[64] = {0x06, 0, 50, 2, 0, 0, 46, 3, 3};
    memset(sh + 9, 0x22, 32);
    memcpy(sh + 41, "\x00\x13\x01\x00\x00\x06\x00\x2b\x00\x02\x03\x04", 12);
    seal(s, &si, 0, 1, 0, sh, 53);
    /* Stream 0: HEADERS (static :method POST, :path), DATA of the whole body. */
    size_t body = mib * 1024 * 1024;
    struct sbuf st = {0};
    static const uint8_t hdr[] = {0x01, 0x15, 0, 0, 0xd4, 0x51, 0x10, '/', 'u', 'p', 'l', 'o',
                                  'a', 'd', '?', 'i', 'm', 'e', 'i', '=', '8', '6', '9'};
    put(&st, hdr, sizeof hdr);
    uint8_t dh[5] = {0x00};
    vput(dh + 1, body);
    put(&st, dh, 5);
    uint8_t *x = malloc(body);
    if (!x)
        die("memory");
    memset(x, 'x', body);
    put(&st, x, body);
    free(x);
    uint8_t f[PKT];
    uint64_t pn = 0;
    for (size_t off = 0; off < st.n; pn++) {
        size_t room = PKT - 1 - 1 - 4 - 2, take = st.n - off < room ? st.n - off : room;
        size_t h = 0;
        f[h++] = (uint8_t)(0x0e | (off + take == st.n)); /* STREAM, OFF, LEN, FIN at end */
        f[h++] = 0;
        h += vput(f + h, off);
        f[h++] = (uint8_t)(0x40 | take >> 8), f[h++] = (uint8_t)take;
        memcpy(f + h, st.p + off, take);
        seal(c, &app, 2, 0, pn, f, h + take);
        off += take;
    }
    size_t total = st.n;
    free(st.p);
    quic_keys_clear(&ci);
    quic_keys_clear(&si);
    quic_keys_clear(&app);
    return total;
}

/* Datagrams [from, to) of b (to 0: all). */
static void feed(dissect_flow_t *f, int dir, const struct sbuf *b, size_t from, size_t to,
                 const struct dissect_cb *cb)
{
    size_t i = 0;
    for (size_t off = 0; off + 4 <= b->n && (!to || i < to); i++) {
        uint32_t len;
        memcpy(&len, b->p + off, 4);
        if (i >= from)
            dissect_flow_datagram(f, dir, b->p + off + 4, len, cb, NULL);
        off += 4 + len;
    }
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    if (!mib)
        mib = 64;
    keylog_t *kl = keylog_new();
    if (!kl)
        die("key log");
    struct sbuf c = {0}, s = {0};
    size_t bytes = build(&c, &s, mib, kl);
    struct dissect_cb cb = {on_field, NULL, NULL, NULL, NULL};
    struct dissect_env env = {0};
    env.keys = kl;
    int passes = 5;
    double best = 1e9;
    for (int p = 0; p < passes; p++) {
        double t0 = bench_now();
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 40000, 443);
        feed(f, 0, &c, 0, 1, &cb); /* client Initial, server Initial, client 1-RTT */
        feed(f, 1, &s, 0, 0, &cb);
        feed(f, 0, &c, 1, 0, &cb);
        dissect_flow_close(f, &cb, NULL);
        dissect_flow_free(f);
        double dt = bench_now() - t0;
        if (dt < best)
            best = dt;
    }
    if (env.stats.quic_auth_failed || env.stats.quic_flows_decrypted != (uint64_t)passes ||
        env.stats.h3_headers != (uint64_t)passes) {
        fprintf(stderr, "failed %llu, flows %llu, headers %llu, packets %llu\n",
                (unsigned long long)env.stats.quic_auth_failed,
                (unsigned long long)env.stats.quic_flows_decrypted,
                (unsigned long long)env.stats.h3_headers,
                (unsigned long long)env.stats.quic_packets);
        die("decryption check");
    }
    double gbps = (double)bytes * 8 / best / 1e9;
    printf("quic v1 aes-128-gcm: %zu MiB of stream data in %llu packets of %d bytes, best of "
           "%d: %.3f s = %.2f Gbit/s\n",
           mib, (unsigned long long)(env.stats.quic_packets / (uint64_t)passes), PKT, passes,
           best, gbps);
    /* Decrypted TLS 1.3 over TCP, same cipher, same run. */
    char cmd[4096], buf[512];
    snprintf(cmd, sizeof cmd, "'%s/bench_dissectors_tlsdec' %zu aes13", dirname(argv[0]), mib);
    FILE *sp = popen(cmd, "r");
    double tls = 0;
    while (sp && fgets(buf, sizeof buf, sp)) {
        char *g = strstr(buf, " Gbit/s");
        if (!strncmp(buf, "tls1.3", 6) && g) {
            while (g > buf && g[-1] != ' ')
                g--;
            tls = atof(g);
            fputs(buf, stdout);
        }
    }
    if (sp)
        pclose(sp);
    if (tls > 0)
        printf("ratio quic / tls1.3-over-tcp (same cipher, same run): %.2f\n", gbps / tls);
    else
        printf("bench_dissectors_tlsdec: no figure\n");
    keylog_free(kl);
    free(c.p);
    free(s.p);
    return 0;
}
