/* test_dissectors_dark.c - why a TLS flow stayed dark (dissect_flow_dark_reason() and
 * the dark_* counters), from records built here: no key, an unsupported suite, a
 * capture that starts in application data, an Encrypted Client Hello offer, a client
 * that gives up right after the server's certificate (pinning), and a decrypted-or-
 * cleartext flow that is not dark. (QUIC's reasons: test_dissectors_quic.c.) */
#include <CUnit/CUnit.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/keylog.h"
#include "tests/testutil.h"

/* One TLS record of type t around payload p[0..n) (n < 65536). */
static size_t rec(uint8_t *o, uint8_t t, const uint8_t *p, size_t n)
{
    o[0] = t, o[1] = 3, o[2] = 3, o[3] = (uint8_t)(n >> 8), o[4] = (uint8_t)n;
    memcpy(o + 5, p, n);
    return n + 5;
}

/* A handshake message of type t with body b[0..n). */
static size_t hs(uint8_t *o, uint8_t t, const uint8_t *b, size_t n)
{
    o[0] = t, o[1] = 0, o[2] = (uint8_t)(n >> 8), o[3] = (uint8_t)n;
    if (n)
        memcpy(o + 4, b, n);
    return n + 4;
}

static size_t client_hello(uint8_t *o, int ech)
{
    uint8_t b[128];
    size_t n = 0;
    b[n++] = 3, b[n++] = 3;
    memset(b + n, 0x11, 32), n += 32;
    b[n++] = 0, b[n++] = 0, b[n++] = 2, b[n++] = 0x13, b[n++] = 0x01, b[n++] = 1, b[n++] = 0;
    if (ech) {
        b[n++] = 0, b[n++] = 5;
        b[n++] = 0xfe, b[n++] = 0x0d, b[n++] = 0, b[n++] = 1, b[n++] = 0;
    }
    uint8_t m[160];
    size_t ml = hs(m, 1, b, n);
    return rec(o, 22, m, ml);
}

static size_t server_hello(uint8_t *o, uint16_t suite, int tls13)
{
    uint8_t b[128];
    size_t n = 0;
    b[n++] = 3, b[n++] = 3;
    memset(b + n, 0x22, 32), n += 32;
    b[n++] = 0, b[n++] = (uint8_t)(suite >> 8), b[n++] = (uint8_t)suite, b[n++] = 0;
    if (tls13) {
        b[n++] = 0, b[n++] = 6, b[n++] = 0, b[n++] = 43, b[n++] = 0, b[n++] = 2;
        b[n++] = 3, b[n++] = 4;
    }
    uint8_t m[160];
    size_t ml = hs(m, 2, b, n);
    return rec(o, 22, m, ml);
}

/* Runs client bytes c and server bytes s (alternating: c1, s1, c2) through a TCP flow. */
static const char *run(struct dissect_env *env, const uint8_t *c1, size_t n1, const uint8_t *s1,
                       size_t n2, const uint8_t *c2, size_t n3)
{
    static char r[32];
    dissect_flow_t *f = dissect_flow_new(env, DISSECT_L4_TCP, 50000, 443);
    dissect_flow_data(f, 0, c1, n1, NULL, NULL);
    dissect_flow_data(f, 1, s1, n2, NULL, NULL);
    dissect_flow_data(f, 0, c2, n3, NULL, NULL);
    dissect_flow_close(f, NULL, NULL);
    const char *d = dissect_flow_dark_reason(f);
    strcpy(r, d ? d : "(none)");
    dissect_flow_free(f);
    return r;
}

static const uint8_t appdata[40] = {0x17, 3, 3, 0, 35};

static void t_no_key(void)
{
    struct dissect_env env = {0};
    env.keys = keylog_new();
    uint8_t c[256], s[256];
    size_t cn = client_hello(c, 0), sn = server_hello(s, 0x1301, 1);
    memcpy(s + sn, appdata, sizeof appdata);
    CU_ASSERT_STRING_EQUAL(run(&env, c, cn, s, sn + sizeof appdata, appdata, sizeof appdata),
                           "no_key");
    CU_ASSERT_EQUAL(env.stats.dark_no_key, 1);
    keylog_free(env.keys);
}

static void t_ech(void)
{
    struct dissect_env env = {0};
    uint8_t c[256], s[256];
    size_t cn = client_hello(c, 1), sn = server_hello(s, 0x1301, 1);
    CU_ASSERT_STRING_EQUAL(run(&env, c, cn, s, sn, appdata, sizeof appdata), "ech");
    CU_ASSERT_EQUAL(env.stats.dark_ech, 1);
}

static void t_unsupported(void)
{
    struct dissect_env env = {0};
    env.keys = keylog_new();
    uint8_t c[256], s[256];
    size_t cn = client_hello(c, 0), sn = server_hello(s, 0xc013, 0); /* CBC */
    CU_ASSERT_STRING_EQUAL(run(&env, c, cn, s, sn, appdata, sizeof appdata), "unsupported");
    CU_ASSERT_EQUAL(env.stats.dark_unsupported, 1);
    keylog_free(env.keys);
}

static void t_midstream(void)
{
    struct dissect_env env = {0};
    CU_ASSERT_STRING_EQUAL(run(&env, appdata, sizeof appdata, appdata, sizeof appdata, NULL, 0),
                           "midstream");
    CU_ASSERT_EQUAL(env.stats.dark_midstream, 1);
}

/* TLS 1.2: Certificate in the clear, then the client sends an alert, not its key
 * exchange: the usual sign of a pinning client. */
static void t_pinning(void)
{
    struct dissect_env env = {0};
    uint8_t c[256], s[512], m[64];
    size_t cn = client_hello(c, 0), sn = server_hello(s, 0xc02f, 0);
    static const uint8_t cert[6] = {0, 0, 0, 0, 0, 0};
    size_t ml = hs(m, 11, cert, 3); /* empty certificate_list */
    sn += rec(s + sn, 22, m, ml);
    ml = hs(m, 14, NULL, 0);
    sn += rec(s + sn, 22, m, ml);
    static const uint8_t alert[7] = {21, 3, 3, 0, 2, 2, 42};
    CU_ASSERT_STRING_EQUAL(run(&env, c, cn, s, sn, alert, sizeof alert), "pinning");
    CU_ASSERT_EQUAL(env.stats.dark_pinning, 1);
}

/* Cleartext HTTP and a flow that ended before the ServerHello are not "dark". */
static void t_not_dark(void)
{
    struct dissect_env env = {0};
    static const uint8_t get[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    CU_ASSERT_STRING_EQUAL(run(&env, get, sizeof get - 1, NULL, 0, NULL, 0), "(none)");
    uint8_t c[256];
    size_t cn = client_hello(c, 0);
    CU_ASSERT_STRING_EQUAL(run(&env, c, cn, NULL, 0, NULL, 0), "handshake_incomplete");
    CU_ASSERT_EQUAL(env.stats.dark_no_key + env.stats.dark_midstream, 0);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"no key", t_no_key},
        {"ECH offered", t_ech},
        {"unsupported suite", t_unsupported},
        {"capture began mid-connection", t_midstream},
        {"pinning: alert after the certificate", t_pinning},
        {"cleartext is not dark", t_not_dark},
        {NULL, NULL},
    };
    return tu_run("dark", cases);
}
