/* bench_dissectors_tlsdec.c - TLS 1.2 and 1.3 decryption throughput through the dissectors,
 * against `openssl speed -evp CIPHER -bytes 16384` measured in the same run.
 *
 * A TLS client stream is built in memory: ClientHello, ServerHello (suite
 * ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 or ..._CHACHA20_POLY1305_SHA256), ChangeCipherSpec,
 * then full 16 KiB application data records carrying one long HTTP POST with an opaque
 * body (so the HTTP dissector skips it). The records are encrypted with OpenSSL's EVP
 * AEAD, keys from its TLS1-PRF and a fixed master secret that a key log line gives the
 * dissectors. The stream is fed in 1448-byte segments through dissect_flow_data(), one
 * flow per pass; the figure is Gbit/s of application plaintext.
 *
 * TLS 1.3 (aes13): ServerHello with supported_versions, the client's Finished under
 * its handshake secret, then application records under CLIENT_TRAFFIC_SECRET_0.
 *
 * Usage: bench_dissectors_tlsdec [MiB per pass, default 64] [aes|chacha|aes13] */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/benchutil.h"
#include "dissectors/dissect.h"
#include "dissectors/keylog.h"

#define SEG 1448
#define REC 16384

static void rec_hdr(struct sbuf *b, uint8_t type, size_t len)
{
    uint8_t h[5] = {type, 3, 3, (uint8_t)(len >> 8), (uint8_t)len};
    put(b, h, 5);
}

static void hello(struct sbuf *b, uint8_t mtype, const uint8_t rnd[32], uint16_t suite,
                  int tls13)
{
    uint8_t m[4 + 2 + 32 + 1 + 4 + 2 + 8];
    size_t n = 0;
    m[n++] = mtype;
    n += 3; /* length below */
    m[n++] = 3;
    m[n++] = 3;
    memcpy(m + n, rnd, 32);
    n += 32;
    m[n++] = 0; /* session id */
    if (mtype == 1) {
        m[n++] = 0;
        m[n++] = 2;
    }
    m[n++] = (uint8_t)(suite >> 8);
    m[n++] = (uint8_t)suite;
    if (mtype == 1)
        m[n++] = 1;
    m[n++] = 0; /* null compression */
    if (mtype == 2 && tls13) {
        static const uint8_t sv[] = {0, 6, 0, 43, 0, 2, 3, 4}; /* supported_versions */
        memcpy(m + n, sv, sizeof sv);
        n += sizeof sv;
    }
    m[1] = 0;
    m[2] = (uint8_t)((n - 4) >> 8);
    m[3] = (uint8_t)(n - 4);
    rec_hdr(b, 22, n);
    put(b, m, n);
}

static void die(const char *what)
{
    fprintf(stderr, "bench: %s failed\n", what);
    exit(1);
}

static uint64_t fields, plain_bytes;

static void on_field(void *ctx, const char *w, const char *k, const uint8_t *v, size_t n)
{
    (void)ctx, (void)w, (void)k, (void)v, (void)n;
    fields++;
}

static void on_plain(void *ctx, int dir, const uint8_t *p, size_t n)
{
    (void)ctx, (void)dir;
    if (p)
        plain_bytes += n;
}

/* Key and IV of a TLS 1.3 traffic secret (HKDF-Expand-Label through TLS13-KDF). */
static void tls13_keys(const uint8_t secret[32], uint8_t key[16], uint8_t iv[12])
{
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    const char *labels[2] = {"key", "iv"};
    uint8_t *outs[2] = {key, iv};
    size_t lens[2] = {16, 12};
    for (int i = 0; i < 2; i++) {
        OSSL_PARAM p[] = {
            OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, 32),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, "tls13 ", 6),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)labels[i],
                                              strlen(labels[i])),
            OSSL_PARAM_construct_end(),
        };
        EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS13-KDF", NULL);
        EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
        if (!kc || EVP_KDF_derive(kc, outs[i], lens[i], p) != 1)
            die("TLS13-KDF");
        EVP_KDF_CTX_free(kc);
        EVP_KDF_free(kdf);
    }
}

/* Append one protected record: TLS 1.3 (inner type after the data, AAD = header) or
 * TLS 1.2 (GCM explicit nonce = seq, or ChaCha20 IV XOR seq; AAD = seq||type||ver||len).
 * ec is keyed already. */
static void seal(struct sbuf *out, EVP_CIPHER_CTX *ec, int tls13, int chacha,
                 const uint8_t *iv, uint64_t seq, uint8_t type, uint8_t *pt, size_t n)
{
    static uint8_t ct[REC + 8 + 16 + 1];
    uint8_t nonce[12], aad[13];
    size_t ex = !tls13 && !chacha ? 8 : 0, aadl;
    if (tls13)
        pt[n++] = type; /* pt has room: TLSInnerPlaintext */
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++) {
        uint8_t sb = (uint8_t)(seq >> (56 - 8 * i));
        if (ex)
            nonce[4 + i] = ct[i] = sb; /* explicit nonce = sequence number */
        else
            nonce[4 + i] ^= sb;
        aad[i] = sb;
    }
    if (tls13) {
        uint8_t h[5] = {23, 3, 3, (uint8_t)((n + 16) >> 8), (uint8_t)(n + 16)};
        memcpy(aad, h, 5);
        aadl = 5;
    } else {
        aad[8] = type;
        aad[9] = aad[10] = 3;
        aad[11] = (uint8_t)(n >> 8);
        aad[12] = (uint8_t)n;
        aadl = 13;
    }
    int l1, l2, t;
    if (EVP_EncryptInit_ex(ec, NULL, NULL, NULL, nonce) != 1 ||
        EVP_EncryptUpdate(ec, NULL, &t, aad, (int)aadl) != 1 ||
        EVP_EncryptUpdate(ec, ct + ex, &l1, pt, (int)n) != 1 ||
        EVP_EncryptFinal_ex(ec, ct + ex + l1, &l2) != 1 ||
        EVP_CIPHER_CTX_ctrl(ec, EVP_CTRL_AEAD_GET_TAG, 16, ct + ex + n) != 1)
        die("encrypt");
    rec_hdr(out, tls13 ? 23 : type, ex + n + 16);
    put(out, ct, ex + n + 16);
}

static void hexline(char *line, size_t cap, const char *label, const uint8_t *cr,
                    const uint8_t *sec, size_t sl)
{
    int o = snprintf(line, cap, "%s ", label);
    for (int i = 0; i < 32; i++)
        o += snprintf(line + o, cap - (size_t)o, "%02x", cr[i]);
    o += snprintf(line + o, cap - (size_t)o, " ");
    for (size_t i = 0; i < sl; i++)
        o += snprintf(line + o, cap - (size_t)o, "%02x", sec[i]);
    snprintf(line + o, cap - (size_t)o, "\n");
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    const char *mode = argc > 2 ? argv[2] : "aes";
    int chacha = !strcmp(mode, "chacha"), tls13 = !strcmp(mode, "aes13");
    uint16_t suite = tls13 ? 0x1301 : chacha ? 0xCCA9 : 0xC02B;
    size_t ivlen = chacha ? 12 : 4, keylen = chacha ? 32 : 16;
    uint8_t cr[32], sr[32], master[48], kb[2 * 32 + 2 * 12], chs[32], cts[32];
    for (int i = 0; i < 32; i++) {
        cr[i] = (uint8_t)(i * 7 + 1);
        sr[i] = (uint8_t)(i * 13 + 5);
        chs[i] = (uint8_t)(i * 5 + 3);
        cts[i] = (uint8_t)(i * 11 + 9);
    }
    for (int i = 0; i < 48; i++)
        master[i] = (uint8_t)(i * 3 + 11);
    const EVP_CIPHER *cip = chacha ? EVP_chacha20_poly1305() : EVP_aes_128_gcm();
    EVP_CIPHER_CTX *ec = EVP_CIPHER_CTX_new();
    uint8_t *pt = malloc(REC + 1);
    if (!pt || !ec)
        die("allocation");

    /* Handshake records, and for TLS 1.3 the client's Finished under its handshake
     * keys; then the application keys, as the dissectors will derive them. */
    struct sbuf c2s = {0}, s2c = {0};
    hello(&c2s, 1, cr, suite, tls13);
    hello(&s2c, 2, sr, suite, tls13);
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    put(&c2s, ccs, sizeof ccs);
    put(&s2c, ccs, sizeof ccs);
    size_t hs_end = c2s.n;
    uint8_t key13[16], iv13[12], app_iv[12];
    const uint8_t *key;
    if (tls13) {
        tls13_keys(chs, key13, iv13);
        if (EVP_EncryptInit_ex(ec, cip, NULL, key13, NULL) != 1)
            die("cipher init");
        uint8_t fin[4 + 32 + 1] = {20, 0, 0, 32};
        memset(fin + 4, 0xab, 32);
        seal(&c2s, ec, 1, 0, iv13, 0, 22, fin, 36);
        tls13_keys(cts, key13, app_iv);
        key = key13;
    } else {
        uint8_t seed[13 + 64];
        memcpy(seed, "key expansion", 13);
        memcpy(seed + 13, sr, 32);
        memcpy(seed + 45, cr, 32);
        OSSL_PARAM prm[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master, 48),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
            OSSL_PARAM_construct_end(),
        };
        EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
        EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
        if (!kc || EVP_KDF_derive(kc, kb, 2 * (keylen + ivlen), prm) != 1)
            die("TLS1-PRF");
        EVP_KDF_CTX_free(kc);
        EVP_KDF_free(kdf);
        key = kb;
        memset(app_iv, 0, sizeof app_iv);
        memcpy(app_iv, kb + 2 * keylen, ivlen);
    }
    if (EVP_EncryptInit_ex(ec, cip, NULL, key, NULL) != 1)
        die("cipher init");

    size_t nrec = mib * 1024 * 1024 / REC;
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "POST /upload?imei=869012045678914 HTTP/1.1\r\nHost: ulogs.umeng.com\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
                      nrec * REC);
    for (uint64_t seq = 0; seq <= nrec; seq++) {
        size_t n = REC;
        if (seq == 0) {
            memcpy(pt, head, (size_t)hl);
            n = (size_t)hl;
        } else {
            memset(pt, 'x', REC);
        }
        seal(&c2s, ec, tls13, chacha, app_iv, seq, 23, pt, n);
    }
    EVP_CIPHER_CTX_free(ec);
    free(pt);

    keylog_t *kl = keylog_new();
    char line[512];
    int nsec = 0;
    if (!kl)
        die("key log");
    if (tls13) {
        hexline(line, sizeof line, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", cr, chs, 32);
        nsec += keylog_add_text(kl, line, strlen(line));
        hexline(line, sizeof line, "CLIENT_TRAFFIC_SECRET_0", cr, cts, 32);
        nsec += keylog_add_text(kl, line, strlen(line));
    } else {
        hexline(line, sizeof line, "CLIENT_RANDOM", cr, master, 48);
        nsec += keylog_add_text(kl, line, strlen(line));
    }
    if (nsec != (tls13 ? 2 : 1))
        die("key log");

    struct dissect_cb cb = {on_field, NULL, on_plain, NULL, NULL};
    struct dissect_env env = {0};
    env.keys = kl;
    int passes = 5;
    double best = 1e9;
    for (int p = 0; p < passes; p++) {
        plain_bytes = 0;
        double t0 = bench_now();
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 443);
        dissect_flow_data(f, 0, c2s.p, hs_end, &cb, NULL);
        dissect_flow_data(f, 1, s2c.p, s2c.n, &cb, NULL);
        for (size_t off = hs_end; off < c2s.n; off += SEG)
            dissect_flow_data(f, 0, c2s.p + off, c2s.n - off < SEG ? c2s.n - off : SEG, &cb,
                              NULL);
        dissect_flow_close(f, &cb, NULL);
        dissect_flow_free(f);
        double dt = bench_now() - t0;
        if (dt < best)
            best = dt;
    }
    if (plain_bytes < nrec * REC || env.stats.tls_auth_failed) {
        fprintf(stderr, "plain %llu, records %llu, failed %llu, malformed %llu\n",
                (unsigned long long)plain_bytes,
                (unsigned long long)env.stats.tls_decrypted_records,
                (unsigned long long)env.stats.tls_auth_failed,
                (unsigned long long)env.stats.tls_malformed);
        die("decryption check");
    }
    double gbps = (double)plain_bytes * 8 / best / 1e9;
    const char *cname = chacha ? "chacha20-poly1305" : "aes-128-gcm";
    printf("%s %s: %zu MiB of application data, %llu records, best of %d: "
           "%.3f s = %.2f Gbit/s (%llu fields)\n",
           tls13 ? "tls1.3" : "tls1.2", cname, mib,
           (unsigned long long)env.stats.tls_decrypted_records / (unsigned long long)passes,
           passes, best, gbps, (unsigned long long)fields / (unsigned long long)passes);

    /* The same cipher's raw speed in this run, for comparison. */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "openssl speed -evp %s -bytes 16384 -seconds 2 2>/dev/null", cname);
    FILE *sp = popen(cmd, "r");
    char buf[512];
    double kbs = 0;
    while (sp && fgets(buf, sizeof buf, sp)) {
        char *k = strrchr(buf, ' ');
        if (strcasestr(buf, cname) && k && strchr(buf, 'k'))
            kbs = atof(k + 1); /* the 16384-byte column, in 1000s of bytes per second */
    }
    if (sp)
        pclose(sp);
    if (kbs > 0)
        printf("openssl speed -evp (16 KiB blocks, same run): %.2f Gbit/s; dissectors reach "
               "%.0f%% of it\n",
               kbs * 1000 * 8 / 1e9, 100 * gbps / (kbs * 1000 * 8 / 1e9));
    else
        printf("openssl speed: no figure\n");
    keylog_free(kl);
    free(c2s.p);
    free(s2c.p);
    return 0;
}
