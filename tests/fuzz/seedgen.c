/* seedgen.c - builds, from our own generators, the seed corpora of the fuzz targets
 * (tests/fuzz/fuzz_*.c) and the captures of the crash regression tests.
 *
 *   lw_seedgen corpus DIR           one DIR/<target>/ per fuzz target, a few seeds each
 *   lw_seedgen h2-tls OUT [stream0] a TLS 1.3 HTTP/2 session in a pcapng whose
 *                                   Decryption Secrets Block holds its keys; with
 *                                   "stream0" the client then sends HEADERS on stream 0
 *                                   with END_STREAM (issue 20 defect 1)
 *   lw_seedgen dns-chain OUT.bin    a 64 KiB DNS response whose questions all point
 *                                   into one long compression-pointer chain
 *   lw_seedgen flood-bodies N OUT   N TCP flows open at once, each a POST whose gzip
 *                                   body (329 bytes that inflate to 256 KiB of zeros)
 *                                   never ends (issue 20 defect 2)
 *   lw_seedgen tls-cert OUT 12|13 CERT.der [client-first]
 *                                   a TLS 1.2 (cleartext) or TLS 1.3 (sealed, key log
 *                                   FUZZ_KEYLOG) handshake without SNI whose server
 *                                   certificate is CERT.der, the client then sending an
 *                                   IMEI as application data; a second later a plain TCP
 *                                   flow to the same server sends it again (issue 17:
 *                                   attribution by certificate name only)
 *
 * Output is a pure function of the arguments: no clock, no randomness. TLS records are
 * sealed here with OpenSSL's HKDF and AES-GCM (RFC 8446 7.1, 5.2), not with the
 * product's tls_decrypt.c, so the product is checked against an independent
 * construction. The key log is fuzz_util.h's FUZZ_KEYLOG (client random 0x11..,
 * secrets 0x21.., 0x22.., 0x23.., 0x24..).
 *
 * Not a product tool: nothing outside tests/ uses it. */
#include <nghttp2/nghttp2.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "tests/gen/pcapw.h"
#include "tests/fuzz/fuzz_util.h"

#define T0 1767225600000000ull

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n)
            c *= 2;
        if (!(b->p = realloc(b->p, c))) {
            perror("seedgen");
            exit(1);
        }
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put8(struct buf *b, uint8_t v) { put(b, &v, 1); }
static void put16(struct buf *b, uint16_t v) { put8(b, (uint8_t)(v >> 8)); put8(b, (uint8_t)v); }

static void die(const char *what)
{
    fprintf(stderr, "seedgen: %s\n", what);
    exit(1);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", dir, name ? "/" : "", name ? name : "");
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "seedgen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* ---- fuzz input framing (fuzz_util.h): [flags][len16][bytes] ---- */

static void chunk(struct buf *b, uint8_t flags, const void *p, size_t n)
{
    while (n) { /* chunks hold at most 65535 bytes */
        size_t k = n < 65535 ? n : 65535;
        put8(b, flags);
        put16(b, (uint16_t)k);
        put(b, p, k);
        p = (const uint8_t *)p + k;
        n -= k;
    }
}

/* ---- TLS 1.3 records ---- */

static void expand(const uint8_t secret[32], const char *label, uint8_t *out, size_t n)
{
    uint8_t info[64];
    size_t ll = strlen(label), il = 0;
    info[il++] = (uint8_t)(n >> 8);
    info[il++] = (uint8_t)n;
    info[il++] = (uint8_t)(6 + ll);
    memcpy(info + il, "tls13 ", 6);
    il += 6;
    memcpy(info + il, label, ll);
    il += ll;
    info[il++] = 0;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)secret, 32),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, il),
        OSSL_PARAM_construct_end(),
    };
    if (!kc || EVP_KDF_derive(kc, out, n, p) != 1)
        die("HKDF failed");
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
}

/* Append the record carrying p[0..n) of inner type itype under the secret whose 32
 * bytes are all v, at sequence seq. */
static void seal(struct buf *o, uint8_t v, uint64_t seq, uint8_t itype, const void *p, size_t n)
{
    uint8_t secret[32], key[16], iv[12], rec[5 + 16384 + 17];
    memset(secret, v, sizeof secret);
    expand(secret, "key", key, 16);
    expand(secret, "iv", iv, 12);
    for (int i = 0; i < 8; i++)
        iv[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    if (n > 16384)
        die("record too long");
    size_t ctl = n + 1, rl = ctl + 16;
    rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(rl >> 8), rec[4] = (uint8_t)rl;
    uint8_t in[16385];
    memcpy(in, p, n);
    in[n] = itype;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l = 0;
    if (!c || EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, iv) != 1 ||
        EVP_EncryptUpdate(c, NULL, &l, rec, 5) != 1 ||
        EVP_EncryptUpdate(c, rec + 5, &l, in, (int)ctl) != 1 ||
        EVP_EncryptFinal_ex(c, rec + 5 + l, &l) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + ctl) != 1)
        die("AES-GCM failed");
    EVP_CIPHER_CTX_free(c);
    put(o, rec, 5 + rl);
}

static void clear_rec(struct buf *o, uint8_t type, const void *p, size_t n)
{
    put8(o, type);
    put16(o, 0x0303);
    put16(o, (uint16_t)n);
    put(o, p, n);
}

/* ClientHello (random 0x11.., TLS_AES_128_GCM_SHA256, SNI, ALPN alpn or none,
 * supported_versions 1.3) and ServerHello (random 0x33.., 1.3). */
static void client_hello(struct buf *c, const char *sni, const char *alpn, int tls13)
{
    struct buf ext = {0}, ch = {0}, hs = {0};
    size_t sl = sni ? strlen(sni) : 0;
    if (sni) {
        put16(&ext, 0); /* server_name */
        put16(&ext, (uint16_t)(sl + 5));
        put16(&ext, (uint16_t)(sl + 3));
        put8(&ext, 0);
        put16(&ext, (uint16_t)sl);
        put(&ext, sni, sl);
    }
    if (alpn) {
        size_t al = strlen(alpn);
        put16(&ext, 16);
        put16(&ext, (uint16_t)(al + 3));
        put16(&ext, (uint16_t)(al + 1));
        put8(&ext, (uint8_t)al);
        put(&ext, alpn, al);
    }
    if (tls13) {
        put16(&ext, 43); /* supported_versions: TLS 1.3 */
        put16(&ext, 3);
        put8(&ext, 2);
        put16(&ext, 0x0304);
    }
    put16(&ch, 0x0303);
    for (int i = 0; i < 32; i++)
        put8(&ch, 0x11);
    put8(&ch, 0);       /* session id */
    put16(&ch, 2);
    put16(&ch, tls13 ? 0x1301 : 0xc02f); /* TLS_AES_128_GCM_SHA256 / ECDHE-RSA-AES128-GCM */
    put8(&ch, 1);
    put8(&ch, 0);
    put16(&ch, (uint16_t)ext.n);
    put(&ch, ext.p, ext.n);
    put8(&hs, 1);
    put8(&hs, 0);
    put16(&hs, (uint16_t)ch.n);
    put(&hs, ch.p, ch.n);
    clear_rec(c, 22, hs.p, hs.n);
    free(ext.p);
    free(ch.p);
    free(hs.p);
}

/* A Certificate message holding the one certificate der[0..n): TLS 1.3 adds a request
 * context before the list and an extensions block after each entry. */
static void certificate_msg(struct buf *o, const uint8_t *der, size_t n, int tls13)
{
    size_t entry = 3 + n + (tls13 ? 2 : 0), body = (tls13 ? 1 : 0) + 3 + entry;
    put8(o, 11);
    put8(o, (uint8_t)(body >> 16)), put16(o, (uint16_t)body);
    if (tls13)
        put8(o, 0);
    put8(o, (uint8_t)(entry >> 16)), put16(o, (uint16_t)entry);
    put8(o, (uint8_t)(n >> 16)), put16(o, (uint16_t)n);
    put(o, der, n);
    if (tls13)
        put16(o, 0);
}

/* ClientHello (random 0x11.., TLS_AES_128_GCM_SHA256, SNI when sni is not NULL, ALPN
 * alpn or none, supported_versions 1.3) and ServerHello (random 0x33.., 1.3), then the
 * server's EncryptedExtensions, Certificate (der[0..dern) when dern), Finished and the
 * client's Finished under the handshake keys. */
static void hellos_cert(struct buf *c, struct buf *s, const char *sni, const char *alpn,
                        const uint8_t *der, size_t dern)
{
    client_hello(c, sni, alpn, 1);
    clear_rec(c, 20, "\x01", 1);
    static const uint8_t sh[] = {
        2, 0, 0, 46, 3, 3,
        0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
        0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
        0x33, 0x33, 0x33, 0x33,
        0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4};
    clear_rec(s, 22, sh, sizeof sh);
    clear_rec(s, 20, "\x01", 1);
    /* EncryptedExtensions + Finished (server), Finished (client): handshake keys. */
    static const uint8_t ee[] = {8, 0, 0, 2, 0, 0}, sfin[36] = {20, 0, 0, 32};
    struct buf flight = {0};
    put(&flight, ee, sizeof ee);
    if (dern)
        certificate_msg(&flight, der, dern, 1);
    put(&flight, sfin, sizeof sfin);
    seal(s, 0x22, 0, 22, flight.p, flight.n);
    free(flight.p);
    static const uint8_t fin[36] = {20, 0, 0, 32};
    seal(c, 0x21, 0, 22, fin, sizeof fin);
}

static void hellos(struct buf *c, struct buf *s, const char *sni, const char *alpn)
{
    hellos_cert(c, s, sni, alpn, NULL, 0);
}

/* ---- HTTP/2 ---- */

static void h2frame(struct buf *b, uint8_t type, uint8_t flags, uint32_t sid, const void *p,
                    size_t n)
{
    uint8_t h[9] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, type, flags,
                    (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
    put(b, h, 9);
    put(b, p, n);
}

#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, 0}
#define IMEI "869012045678914"
#define OAID "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"

static size_t gzip_buf(const char *in, uint8_t *out, size_t cap, int wbits)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("zlib");
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)strlen(in);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

/* Client: preface, SETTINGS, a GET (stream 1, END_STREAM) carrying the IMEI, (with
 * stream0: HEADERS on stream 0 with END_STREAM), a POST (stream 3) with a gzip JSON
 * body over DATA. Server: SETTINGS, a response on stream 1. */
static void h2_streams(struct buf *c, struct buf *s, int stream0)
{
    nghttp2_hd_deflater *cd, *sd;
    if (nghttp2_hd_deflate_new(&cd, 4096) != 0 || nghttp2_hd_deflate_new(&sd, 4096) != 0)
        die("nghttp2");
    put(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    h2frame(c, 4, 0, 0, NULL, 0);
    h2frame(s, 4, 0, 0, NULL, 0);
    const nghttp2_nv get[] = {NV(":method", "GET"), NV(":scheme", "https"),
                              NV(":authority", "ulogs.umeng.com"),
                              NV(":path", "/v1/cfg?imei=" IMEI "&t=1"),
                              NV("cookie", "uid=abc; oaid=" OAID)};
    const nghttp2_nv post[] = {NV(":method", "POST"), NV(":path", "/log"),
                               NV("content-type", "application/json"),
                               NV("content-encoding", "gzip")};
    uint8_t hb[4096], gz[512];
    ssize_t hn = nghttp2_hd_deflate_hd(cd, hb, sizeof hb, get, 5);
    h2frame(c, 1, 0x5, 1, hb, (size_t)hn);
    if (stream0) { /* before any body: the slot it finds free has no decoder */
        hn = nghttp2_hd_deflate_hd(cd, hb, sizeof hb, get, 2);
        h2frame(c, 1, 0x5, 0, hb, (size_t)hn);
    }
    hn = nghttp2_hd_deflate_hd(cd, hb, sizeof hb, post, 4);
    h2frame(c, 1, 0x4, 3, hb, (size_t)hn);
    size_t gn = gzip_buf("{\"dev\":{\"imei\":\"" IMEI "\"}}", gz, sizeof gz, 31);
    h2frame(c, 0, 0, 3, gz, gn / 2);
    h2frame(c, 0, 1, 3, gz + gn / 2, gn - gn / 2);
    const nghttp2_nv resp[] = {NV(":status", "200"), NV("content-type", "text/plain")};
    hn = nghttp2_hd_deflate_hd(sd, hb, sizeof hb, resp, 2);
    h2frame(s, 1, 0x4, 1, hb, (size_t)hn);
    h2frame(s, 0, 1, 1, "ok", 2);
    nghttp2_hd_deflate_del(cd);
    nghttp2_hd_deflate_del(sd);
}

/* The TLS byte streams of one session carrying plain[] (client, server) as
 * application data, split into records of at most 1000 bytes. */
static void tls_session(struct buf *c, struct buf *s, const struct buf plain[2],
                        const char *alpn)
{
    hellos(c, s, "ulogs.umeng.com", alpn);
    for (int d = 0; d < 2; d++) {
        uint64_t seq = 0;
        for (size_t off = 0; off < plain[d].n; off += 1000) {
            size_t k = plain[d].n - off < 1000 ? plain[d].n - off : 1000;
            seal(d ? s : c, d ? 0x24 : 0x23, seq++, 23, plain[d].p + off, k);
        }
    }
}

/* ---- captures ---- */

/* Write the conversation (client bytes, server bytes, in one exchange each) as a
 * classic pcap at path, over TCP port 443 (or 80, 53) of an Ethernet link. */
static void conversation_pcap(const char *path, uint16_t port, const struct buf *c,
                              const struct buf *s)
{
    char err[256];
    pcapw_t *w = pcapw_open(path, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    if (!w)
        die(err);
    struct pcapw_ep cli, srv;
    pcapw_ep(&cli, "10.0.0.2", 40000, "02:00:0a:00:00:02");
    pcapw_ep(&srv, "198.18.0.10", port, NULL);
    pcapw_tcp_t *t = pcapw_tcp_new(w, &cli, &srv, 1000, 5000);
    uint64_t ts = T0;
    pcapw_tcp_handshake(t, ts);
    ts = pcapw_last_ts(w) + 1;
    if (c->n)
        pcapw_tcp_send(t, ts, 1, c->p, c->n, 1400);
    ts = pcapw_last_ts(w) + 1;
    if (s->n)
        pcapw_tcp_send(t, ts, 0, s->p, s->n, 1400);
    pcapw_tcp_close(t, pcapw_last_ts(w) + 1, 1);
    pcapw_tcp_free(t);
    if (pcapw_close(w) < 0)
        die("pcap write failed");
}

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32le(struct buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static void block(struct buf *o, uint32_t type, const struct buf *body)
{
    size_t pad = (4 - body->n % 4) % 4;
    uint32_t len = (uint32_t)(12 + body->n + pad);
    put32le(o, type);
    put32le(o, len);
    put(o, body->p, body->n);
    put(o, "\0\0\0", pad);
    put32le(o, len);
}

/* Rewrite the classic pcap bytes in[] as pcapng (SHB, IDB, then a DSB holding keys,
 * then one EPB per record) into o. */
static void pcap_to_pcapng(const struct buf *in, const char *keys, struct buf *o)
{
    if (in->n < 24 || rd32le(in->p) != 0xa1b2c3d4u)
        die("not a little-endian microsecond pcap");
    struct buf b = {0};
    put32le(&b, 0x1A2B3C4Du);
    put(&b, "\x01\x00\x00\x00", 4); /* version 1.0, little-endian */
    put32le(&b, 0xffffffffu);
    put32le(&b, 0xffffffffu); /* section length unknown */
    block(o, 0x0A0D0D0Au, &b);
    b.n = 0;
    put32le(&b, rd32le(in->p + 20) & 0xffff); /* link type, reserved */
    put32le(&b, rd32le(in->p + 16));          /* snaplen */
    block(o, 1, &b);
    if (keys) {
        b.n = 0;
        put32le(&b, 0x544c534bu); /* 'TLSK' */
        put32le(&b, (uint32_t)strlen(keys));
        put(&b, keys, strlen(keys));
        while (b.n % 4)
            put8(&b, 0);
        block(o, 0x0000000Au, &b);
    }
    for (size_t off = 24; off + 16 <= in->n;) {
        const uint8_t *r = in->p + off;
        uint32_t caplen = rd32le(r + 8), orig = rd32le(r + 12);
        if (off + 16 + caplen > in->n)
            die("truncated pcap");
        uint64_t us = (uint64_t)rd32le(r) * 1000000u + rd32le(r + 4);
        b.n = 0;
        put32le(&b, 0);
        put32le(&b, (uint32_t)(us >> 32));
        put32le(&b, (uint32_t)us);
        put32le(&b, caplen);
        put32le(&b, orig);
        put(&b, r + 16, caplen);
        while (b.n % 4)
            put8(&b, 0);
        block(o, 6, &b);
        off += 16 + caplen;
    }
    free(b.p);
}

static struct buf slurp(const char *path)
{
    struct buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot read back the capture");
    uint8_t tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        put(&b, tmp, k);
    fclose(f);
    return b;
}

static void h2_tls_capture(const char *out, int stream0)
{
    struct buf plain[2] = {{0}, {0}}, c = {0}, s = {0};
    h2_streams(&plain[0], &plain[1], stream0);
    tls_session(&c, &s, plain, "h2");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.pcap", out);
    conversation_pcap(tmp, 443, &c, &s);
    struct buf pc = slurp(tmp), ng = {0};
    remove(tmp);
    pcap_to_pcapng(&pc, FUZZ_KEYLOG, &ng);
    write_file(out, NULL, ng.p, ng.n);
    free(pc.p), free(ng.p), free(c.p), free(s.p), free(plain[0].p), free(plain[1].p);
}

/* ---- DNS ---- */

static void dns_name(struct buf *b, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        put8(b, (uint8_t)l);
        put(b, name, l);
        name += l + (dot != NULL);
    }
    put8(b, 0);
}

/* A response for qname: a CNAME to its cdn name, an A and an AAAA, names compressed. */
static void dns_response(struct buf *b, const char *qname)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0};
    put(b, hdr, 12);
    dns_name(b, qname);
    put16(b, 1), put16(b, 1);
    put16(b, 0xc00c), put16(b, 5), put16(b, 1), put16(b, 0), put16(b, 300);
    size_t rdl = b->n;
    put16(b, 0);
    size_t tgt = b->n;
    put8(b, 3), put(b, "cdn", 3), put16(b, 0xc00c);
    b->p[rdl] = 0, b->p[rdl + 1] = (uint8_t)(b->n - tgt);
    put16(b, (uint16_t)(0xc000 | tgt)), put16(b, 1), put16(b, 1), put16(b, 0), put16(b, 60);
    put16(b, 4), put(b, "\xc6\x12\x00\x0a", 4);
    put16(b, (uint16_t)(0xc000 | tgt)), put16(b, 28), put16(b, 1), put16(b, 0), put16(b, 60);
    put16(b, 16), put(b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
}

/* 64 KiB (less the UDP/TCP limit's slack): a label, then a chain of pointers each to
 * the one before, then as many questions as fit, each a pointer to the chain's end.
 * Unbounded, every question walks the whole chain. */
static void dns_chain(struct buf *b, size_t total)
{
    size_t chain = (total - 12) / 2 / 2; /* half the message is the chain */
    uint8_t hdr[12] = {0x12, 0x34, 0x81, 0x80};
    put(b, hdr, 12);
    put8(b, 1), put8(b, 'a'), put8(b, 0); /* "a" at 12 */
    size_t prev = 12;
    for (size_t i = 0; i < chain; i++) {
        size_t here = b->n;
        put16(b, (uint16_t)(0xc000 | prev));
        prev = here;
    }
    unsigned qd = 0;
    while (b->n + 6 <= total && qd < 65535) {
        put16(b, (uint16_t)(0xc000 | prev));
        put16(b, 1), put16(b, 1);
        qd++;
    }
    b->p[4] = (uint8_t)(qd >> 8), b->p[5] = (uint8_t)qd;
}

/* ---- the corpus ---- */

static void seed(const char *dir, const char *target, const char *name, const struct buf *b);

/* PCAPdroid (capture/pcapdroid.h): the frames of a flow with its trailer as chunks, and
 * a pcapng as PCAPdroid writes it (raw IP, a UID map custom block, a "u-<uid>" packet
 * comment) behind selector 1. */
static void pcapdroid_seeds(const char *dir, const char *tmp)
{
    char err[256];
    pcapw_t *w = pcapw_open(tmp, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    if (!w)
        die(err);
    pcapw_set_pcapdroid(w, 10123, "Shop");
    struct pcapw_ep a, d;
    pcapw_ep(&a, "10.215.173.1", 40000, NULL);
    pcapw_ep(&d, "198.51.100.7", 80, NULL);
    pcapw_tcp_t *t = pcapw_tcp_new(w, &a, &d, 1000, 5000);
    pcapw_tcp_handshake(t, T0);
    pcapw_tcp_send(t, pcapw_last_ts(w) + 1, 1, "GET /?imei=869012045678914 HTTP/1.1\r\n\r\n",
                   40, 0);
    pcapw_tcp_free(t);
    pcapw_close(w);
    struct buf pc = slurp(tmp), b = {0}, ng = {0}, blk = {0};
    put8(&b, 0);
    for (size_t off = 24; off + 16 <= pc.n; off += 16 + rd32le(pc.p + off + 8))
        chunk(&b, 0, pc.p + off + 16, rd32le(pc.p + off + 8));
    seed(dir, "pcapdroid", "trailers", &b);
    /* The pcapng: SHB, IDB (LINKTYPE_RAW), UID map, one EPB per frame. */
    put32le(&blk, 0x1A2B3C4Du);
    put(&blk, "\x01\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff", 12);
    block(&ng, 0x0A0D0D0Au, &blk);
    blk.n = 0;
    put32le(&blk, 101);
    put32le(&blk, 65535);
    block(&ng, 1, &blk);
    blk.n = 0;
    put32le(&blk, 62652);
    put(&blk, "\x01\x00\x01\x00", 4);          /* version 1, type 1 (UID map), pad */
    put32le(&blk, 10123);
    put(&blk, "\x10\x04" "com.example.shopShop", 22);
    block(&ng, 0x00000BADu, &blk);
    for (size_t off = 24; off + 16 <= pc.n; off += 16 + rd32le(pc.p + off + 8)) {
        uint32_t cl = rd32le(pc.p + off + 8) - 14 - 28; /* the IP packet and its padding */
        blk.n = 0;
        put32le(&blk, 0);
        put32le(&blk, 0);
        put32le(&blk, rd32le(pc.p + off));
        put32le(&blk, cl);
        put32le(&blk, cl);
        put(&blk, pc.p + off + 16 + 14, cl);
        while (blk.n % 4)
            put8(&blk, 0);
        put(&blk, "\x01\x00\x07\x00u-10123\x00\x00\x00\x00\x00", 16);
        block(&ng, 6, &blk);
    }
    b.n = 0;
    put8(&b, 1);
    put(&b, ng.p, ng.n);
    seed(dir, "pcapdroid", "pcapng", &b);
    free(pc.p), free(b.p), free(ng.p), free(blk.p);
    remove(tmp);
}

static void seed(const char *dir, const char *target, const char *name, const struct buf *b)
{
    char d[4096];
    snprintf(d, sizeof d, "%s/%s", dir, target);
    mkdir(d, 0755);
    write_file(d, name, b->p, b->n);
}

static void corpus(const char *dir)
{
    mkdir(dir, 0755);
    struct buf b = {0}, c = {0}, s = {0};

    /* HTTP/2 + HPACK: both directions of the cleartext streams, whole and in pieces. */
    struct buf plain[2] = {{0}, {0}};
    h2_streams(&plain[0], &plain[1], 0);
    chunk(&b, 0, plain[0].p, plain[0].n);
    chunk(&b, 1, plain[1].p, plain[1].n);
    seed(dir, "http2", "session", &b);
    b.n = 0;
    for (size_t off = 0; off < plain[0].n; off += 37)
        chunk(&b, 0, plain[0].p + off, plain[0].n - off < 37 ? plain[0].n - off : 37);
    seed(dir, "http2", "pieces", &b);

    /* TLS decryption with the fixed key log: the same streams sealed. */
    tls_session(&c, &s, plain, "h2");
    b.n = 0;
    chunk(&b, 0, c.p, 230); /* the ClientHello (and CCS) first: it opens the flow */
    chunk(&b, 1, s.p, s.n);
    chunk(&b, 0, c.p + 230, c.n - 230);
    seed(dir, "tls_decrypt", "h2", &b);
    seed(dir, "tls", "h2", &b);
    struct buf h1[2] = {{0}, {0}};
    static const char req[] = "POST /t?imei=" IMEI " HTTP/1.1\r\nHost: a.example\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\n"
                              "Content-Length: 12\r\n\r\noaid=1&b=2&x";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    put(&h1[0], req, sizeof req - 1);
    put(&h1[1], resp, sizeof resp - 1);
    c.n = s.n = 0;
    tls_session(&c, &s, h1, "http/1.1");
    b.n = 0;
    chunk(&b, 0, c.p, c.n);
    chunk(&b, 1, s.p, s.n);
    seed(dir, "tls_decrypt", "http1", &b);
    seed(dir, "tls", "http1", &b);

    /* HTTP/1: a GET with query and cookie, a chunked form POST, a gzip JSON reply. */
    uint8_t gz[512];
    size_t gn = gzip_buf("{\"oaid\":\"" OAID "\",\"n\":[1,2,3]}", gz, sizeof gz, 31);
    static const char r1[] =
        "GET /a?imei=" IMEI "&x=%41 HTTP/1.1\r\nHost: ulogs.umeng.com\r\nCookie: a=b; c=d\r\n\r\n"
        "POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\na=b&c\r\n3;x\r\n=%4\r\n0\r\n\r\n";
    char rh[256];
    int rl = snprintf(rh, sizeof rh,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Content-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", gn);
    b.n = 0;
    chunk(&b, 0, r1, sizeof r1 - 1);
    chunk(&b, 1, rh, (size_t)rl);
    chunk(&b, 1, gz, gn);
    seed(dir, "http1", "exchange", &b);

    /* HTTP body decoders: [encoding][content type] then the body in chunks. */
    b.n = 0;
    put8(&b, 1), put8(&b, 0); /* gzip, JSON */
    chunk(&b, 0, gz, gn);
    seed(dir, "http_body", "gzip-json", &b);
    b.n = 0;
    gn = gzip_buf("imei=" IMEI "&oaid=" OAID, gz, sizeof gz, 15);
    put8(&b, 2), put8(&b, 1); /* deflate, form */
    chunk(&b, 0, gz, gn / 2);
    chunk(&b, 0, gz + gn / 2, gn - gn / 2);
    seed(dir, "http_body", "deflate-form", &b);
    b.n = 0;
    put8(&b, 0), put8(&b, 0);
    static const char js[] = "{\"a\":[\"\\ud83d\\ude00\",{\"b\":\"x\"}],\"imei\":\"" IMEI "\"}";
    chunk(&b, 0, js, sizeof js - 1);
    seed(dir, "http_body", "json", &b);

    /* DNS: a query, a compressed response, a short pointer chain. */
    b.n = 0;
    static const uint8_t q[12] = {0xab, 0xcd, 1, 0, 0, 1};
    put(&b, q, 12);
    dns_name(&b, "ulogs.umeng.com");
    put16(&b, 1), put16(&b, 1);
    seed(dir, "dns", "query", &b);
    b.n = 0;
    dns_response(&b, "ulogs.umeng.com");
    seed(dir, "dns", "response", &b);
    b.n = 0;
    dns_chain(&b, 200);
    seed(dir, "dns", "chain", &b);

    /* Key logs: text, and a pcapng (selector byte 1) carrying it in a DSB. */
    b.n = 0;
    put8(&b, 0);
    put(&b, FUZZ_KEYLOG, strlen(FUZZ_KEYLOG));
    put(&b, "CLIENT_RANDOM 1111 22\n# comment\n", 32);
    seed(dir, "keylog", "text", &b);

    /* Captures: packet decoder, fragments, pipeline, pcapng secrets. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/.tmp.pcap", dir);
    c.n = s.n = 0;
    tls_session(&c, &s, plain, "h2");
    conversation_pcap(tmp, 443, &c, &s);
    struct buf pc = slurp(tmp), ng = {0};
    pcap_to_pcapng(&pc, FUZZ_KEYLOG, &ng);
    seed(dir, "pipeline", "h2-tls.pcapng", &ng);
    b.n = 0;
    put8(&b, 1);
    put(&b, ng.p, ng.n < 2048 ? ng.n : 2048); /* the DSB is near the start */
    seed(dir, "keylog", "pcapng", &b);
    free(pc.p);
    ng.n = 0;
    conversation_pcap(tmp, 80, &h1[0], &h1[1]);
    pc = slurp(tmp);
    seed(dir, "pipeline", "http1.pcap", &pc);
    seed(dir, "pcapfile", "http1.pcap", &pc);
    /* Decoder seeds: the first frames of that capture, each behind a link selector. */
    for (size_t off = 24, i = 0; off + 16 <= pc.n && i < 4; i++) {
        uint32_t cl = rd32le(pc.p + off + 8);
        b.n = 0;
        put8(&b, 0); /* Ethernet */
        put(&b, pc.p + off + 16, cl);
        char nm[32];
        snprintf(nm, sizeof nm, "frame%zu", i);
        seed(dir, "decode", nm, &b);
        off += 16 + cl;
    }
    free(pc.p);
    /* A fragmented UDP datagram (raw IPv4 link) and a VLAN-tagged DNS response. */
    char err[256];
    pcapw_t *w = pcapw_open(tmp, PCAPW_LINK_RAW, 0, err, sizeof err);
    if (!w)
        die(err);
    struct pcapw_ep a, d;
    pcapw_ep(&a, "10.0.0.2", 5353, NULL);
    pcapw_ep(&d, "10.0.0.1", 53, NULL);
    uint8_t big[1400];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)('a' + i % 26);
    static const int order[] = {2, 0, 1};
    pcapw_udp_fragmented(w, T0, &a, &d, big, sizeof big, 512, order, 3);
    pcapw_close(w);
    pc = slurp(tmp);
    b.n = 0;
    struct buf dec = {0};
    for (size_t off = 24; off + 16 <= pc.n;) {
        uint32_t cl = rd32le(pc.p + off + 8);
        chunk(&b, 0, pc.p + off + 16, cl);
        if (!dec.n) {
            put8(&dec, 1); /* raw IP */
            put(&dec, pc.p + off + 16, cl);
        }
        off += 16 + cl;
    }
    seed(dir, "frag", "udp3", &b);
    seed(dir, "decode", "rawfrag", &dec);
    free(pc.p);
    w = pcapw_open(tmp, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    if (!w)
        die(err);
    static const uint16_t vids[2] = {100, 200};
    pcapw_set_vlans(w, 2, vids);
    b.n = 0;
    dns_response(&b, "ulogs.umeng.com");
    pcapw_udp(w, T0, &d, &a, b.p, b.n);
    pcapw_close(w);
    pc = slurp(tmp);
    seed(dir, "pipeline", "dns-qinq.pcap", &pc);
    seed(dir, "pcapfile", "dns-qinq.pcap", &pc);
    b.n = 0;
    put8(&b, 0);
    put(&b, pc.p + 24 + 16, pc.n - 24 - 16);
    seed(dir, "decode", "qinq-dns", &b);
    free(pc.p);
    remove(tmp);

    /* TCP reassembly: [dir][flags][seq32][len16][bytes]; in order, reordered,
     * overlapping, a FIN. */
    struct { uint8_t dir, flags; uint32_t seq; const char *p; } segs[] = {
        {0, 0x02, 999, ""},        {1, 0x12, 4999, ""},     {0, 0x18, 1000, "GET / HT"},
        {0, 0x18, 1016, "Host: a\r\n"}, {0, 0x18, 1008, "TP/1.1\r\n"},
        {0, 0x18, 1004, "/ HTTP/1.1\r\nHo"}, {1, 0x18, 5000, "HTTP/1.1 200"},
        {0, 0x11, 1025, ""},       {1, 0x11, 5012, ""},
    };
    b.n = 0;
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
        size_t l = strlen(segs[i].p);
        put8(&b, segs[i].dir), put8(&b, segs[i].flags);
        put16(&b, (uint16_t)(segs[i].seq >> 16)), put16(&b, (uint16_t)segs[i].seq);
        put16(&b, (uint16_t)l);
        put(&b, segs[i].p, l);
    }
    seed(dir, "reasm", "http", &b);

    pcapdroid_seeds(dir, tmp);
    free(b.p), free(c.p), free(s.p), free(plain[0].p), free(plain[1].p);
    free(h1[0].p), free(h1[1].p), free(dec.p), free(ng.p);
}

/* ---- attribution by certificate name (issue 17) ---- */

static void tls_cert_capture(const char *out, int tls13, const char *derpath, int client_first)
{
    struct buf der = slurp(derpath), c = {0}, sv = {0};
    static const char imei[] = "imei=869012045678914&os=android\n";
    if (tls13) {
        hellos_cert(&c, &sv, NULL, NULL, der.p, der.n);
        seal(&c, 0x23, 0, 23, imei, sizeof imei - 1);
    } else {
        client_hello(&c, NULL, NULL, 0);
        struct buf hs = {0};
        static const uint8_t sh[] = {
            2, 0, 0, 40, 3, 3,
            0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
            0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
            0x33, 0x33, 0x33, 0x33,
            0, 0xc0, 0x2f, 0, 0, 0}; /* no session id, the suite, no compression, no extensions */
        put(&hs, sh, sizeof sh);
        certificate_msg(&hs, der.p, der.n, 0);
        put(&hs, "\x0e\x00\x00\x00", 4); /* ServerHelloDone */
        clear_rec(&sv, 22, hs.p, hs.n);
        free(hs.p);
    }
    char err[256];
    pcapw_t *w = pcapw_open(out, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    if (!w)
        die(err);
    struct pcapw_ep cli, srv, cli2, srv2;
    pcapw_ep(&cli, "10.0.0.2", 40000, "02:00:0a:00:00:02");
    pcapw_ep(&srv, "198.18.0.10", 443, NULL);
    pcapw_ep(&cli2, "10.0.0.2", 40001, "02:00:0a:00:00:02");
    pcapw_ep(&srv2, "198.18.0.10", 5222, NULL);
    /* As a client does: its first flight (ClientHello, and for 1.3 the compatibility
     * ChangeCipherSpec), the server's, then its protected records. */
    size_t first = 0;
    for (int r = 0; r < (tls13 ? 2 : 1) && first + 5 <= c.n; r++)
        first += 5 + ((size_t)c.p[first + 3] << 8 | c.p[first + 4]);
    /* client_first: all of the client's bytes before the server's, as a capture can
     * order them; its protected records then wait for the server's handshake. */
    if (client_first)
        first = c.n;
    pcapw_tcp_t *t = pcapw_tcp_new(w, &cli, &srv, 1000, 5000);
    pcapw_tcp_handshake(t, T0);
    pcapw_tcp_send(t, pcapw_last_ts(w) + 1, 1, c.p, first, 1400);
    pcapw_tcp_send(t, pcapw_last_ts(w) + 1, 0, sv.p, sv.n, 1400);
    if (c.n > first)
        pcapw_tcp_send(t, pcapw_last_ts(w) + 1, 1, c.p + first, c.n - first, 1400);
    pcapw_tcp_close(t, pcapw_last_ts(w) + 1, 1);
    pcapw_tcp_free(t);
    t = pcapw_tcp_new(w, &cli2, &srv2, 2000, 6000);
    pcapw_tcp_handshake(t, pcapw_last_ts(w) + 1000000);
    pcapw_tcp_send(t, pcapw_last_ts(w) + 1, 1, imei, sizeof imei - 1, 1400);
    pcapw_tcp_close(t, pcapw_last_ts(w) + 1, 1);
    pcapw_tcp_free(t);
    if (pcapw_close(w) < 0)
        die("pcap write failed");
    free(der.p), free(c.p), free(sv.p);
}

/* ---- flood ---- */

static void flood_bodies(const char *out, unsigned long n)
{
    /* 1 MiB of zeros, gzip: its first 329 bytes already inflate to well over the
     * 256 KiB body cap, and the stream never reaches its end. */
    size_t zl = 1u << 20;
    char *zeros = calloc(1, zl + 1);
    uint8_t gz[4096];
    z_stream z = {0};
    if (!zeros || deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("zlib");
    z.next_in = (Bytef *)zeros;
    z.avail_in = (uInt)zl;
    z.next_out = gz;
    z.avail_out = sizeof gz;
    deflate(&z, Z_FINISH);
    deflateEnd(&z);
    free(zeros);
    char hdr[256];
    int hl = snprintf(hdr, sizeof hdr,
                      "POST /upload HTTP/1.1\r\nHost: log.example-crash.com\r\n"
                      "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                      "Content-Length: 1000000\r\n\r\n");
    uint8_t msg[600];
    memcpy(msg, hdr, (size_t)hl);
    memcpy(msg + hl, gz, 329);
    char err[256];
    pcapw_t *w = pcapw_open(out, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    if (!w)
        die(err);
    uint64_t ts = T0;
    for (unsigned long i = 0; i < n; i++) {
        struct pcapw_ep cli, srv;
        char ip[32];
        snprintf(ip, sizeof ip, "10.%lu.%lu.%lu", 1 + i / 65536 % 200, i / 256 % 256, i % 256);
        pcapw_ep(&cli, ip, (uint16_t)(10000 + i % 50000), NULL);
        pcapw_ep(&srv, "198.18.0.10", 80, NULL);
        pcapw_tcp_t *t = pcapw_tcp_new(w, &cli, &srv, 1000, 5000);
        pcapw_tcp_handshake(t, ts);
        pcapw_tcp_send(t, pcapw_last_ts(w) + 1, 1, msg, (size_t)hl + 329, 1460);
        ts = pcapw_last_ts(w) + 1;
        pcapw_tcp_free(t); /* no FIN: the flow stays open to the end */
    }
    if (pcapw_close(w) < 0)
        die("pcap write failed");
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "flood-bodies")) {
        flood_bodies(argv[3], strtoul(argv[2], NULL, 10));
        return 0;
    }
    if (argc >= 3 && !strcmp(argv[1], "corpus")) {
        corpus(argv[2]);
        return 0;
    }
    if (argc >= 3 && !strcmp(argv[1], "h2-tls")) {
        h2_tls_capture(argv[2], argc > 3 && !strcmp(argv[3], "stream0"));
        return 0;
    }
    if (argc >= 3 && !strcmp(argv[1], "dns-chain")) {
        struct buf b = {0};
        dns_chain(&b, 65535 - 2);
        write_file(argv[2], NULL, b.p, b.n);
        free(b.p);
        return 0;
    }
    if (argc >= 5 && !strcmp(argv[1], "tls-cert")) {
        tls_cert_capture(argv[2], !strcmp(argv[3], "13"), argv[4],
                         argc >= 6 && !strcmp(argv[5], "client-first"));
        return 0;
    }
    fprintf(stderr, "usage: lw_seedgen corpus DIR | h2-tls OUT [stream0] | dns-chain OUT | "
                    "flood-bodies N OUT | tls-cert OUT 12|13 CERT.der [client-first]\n");
    return 1;
}
