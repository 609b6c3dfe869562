/* test_dissectors_fuzz.c - seeded random mutations of valid HTTP, TLS and DNS
 * streams, fed at random split points with random gaps. Run under ASan/UBSan this
 * checks memory safety; the assertions check the output contract: only the documented
 * where/kind strings, values within the body cap, names NUL-free and bounded. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dissectors/dissect.h"
#include "tests/testutil.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

struct check {
    size_t fields, names, bad;
};

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v,
                     size_t len)
{
    struct check *c = ctx;
    static const char *const ok[] = {"http.uri", "http.header", "http.cookie",
                                     "http.body", "dns.query", NULL};
    int found = 0;
    for (int i = 0; ok[i]; i++)
        found |= strcmp(where, ok[i]) == 0;
    if (!found || !key || len > DISSECT_BODY_MAX || (len && !v))
        c->bad++;
    volatile uint8_t sink = 0; /* touch every byte so ASan checks the range */
    for (size_t i = 0; i < len; i++)
        sink ^= v[i];
    (void)sink;
    c->fields++;
}

static void on_name(void *ctx, const char *kind, const char *name)
{
    struct check *c = ctx;
    static const char *const ok[] = {"http.host", "tls.sni", "tls.alpn", "tls.cert",
                                     "dns.query", NULL};
    int found = 0;
    for (int i = 0; ok[i]; i++)
        found |= strcmp(kind, ok[i]) == 0;
    if (!found || strlen(name) >= DNSMAP_NAME_MAX || !name[0])
        c->bad++;
    c->names++;
}

static const struct dissect_cb cb = {on_field, on_name};

struct seed {
    uint8_t *p;
    size_t n;
    uint16_t port;
    int udp, dir;
};

static void add_seed(struct seed *s, size_t *ns, const void *p, size_t n, uint16_t port,
                     int udp, int dir)
{
    s[*ns].p = malloc(n);
    memcpy(s[*ns].p, p, n);
    s[*ns].n = n;
    s[*ns].port = port;
    s[*ns].udp = udp;
    s[*ns].dir = dir;
    (*ns)++;
}

static void t_mutations(void)
{
    struct seed seeds[8];
    size_t ns = 0;
    const char *req =
        "GET /a?imei=%38%36&x=+%zz HTTP/1.1\r\nHost: [::1]:80\r\nCookie: a=b; c\r\n\r\n"
        "POST /j HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
        "{\"a\":[\"\\ud83d\\ude00\",{\"b\":\"\\u00\"}],\"c\":-1e5}"
        "POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\na=b&c\r\n3;x\r\n=%4\r\n0\r\n\r\n";
    add_seed(seeds, &ns, req, strlen(req), 80, 0, 0);
    uint8_t gz[512];
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    const char *js = "{\"oaid\":\"1f2e3d4c-aaaa-bbbb-cccc-0123456789ab\",\"n\":[1,2,3]}";
    z.next_in = (Bytef *)(uintptr_t)js;
    z.avail_in = (uInt)strlen(js);
    z.next_out = gz;
    z.avail_out = sizeof gz;
    deflate(&z, Z_FINISH);
    size_t gzl = z.total_out;
    deflateEnd(&z);
    char resp[1024];
    int rl = snprintf(resp, sizeof resp,
                      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
                      gzl);
    memcpy(resp + rl, gz, gzl);
    memcpy(resp + rl + gzl, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n", 46);
    add_seed(seeds, &ns, resp, (size_t)rl + gzl + 46, 80, 0, 1);
    char path[1024];
    size_t n;
    snprintf(path, sizeof path, "%s/tests/data/dissectors/clienthello.bin", LW_SOURCE_DIR);
    uint8_t *b = (uint8_t *)tu_slurp(path, &n);
    CU_ASSERT_FATAL(b != NULL);
    add_seed(seeds, &ns, b, n, 443, 0, 0);
    free(b);
    snprintf(path, sizeof path, "%s/tests/data/dissectors/tls12_server_flight.bin",
             LW_SOURCE_DIR);
    b = (uint8_t *)tu_slurp(path, &n);
    CU_ASSERT_FATAL(b != NULL);
    add_seed(seeds, &ns, b, n, 443, 0, 1);
    free(b);
    static const uint8_t dns[] = {
        0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        3, 'a', 'p', 'p', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
        0xc0, 12, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 5,
        2, 'e', '1', 0xc0, 16,
        0xc0, 37, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 60, 0x00, 4, 1, 2, 3, 4,
    };
    add_seed(seeds, &ns, dns, sizeof dns, 53, 1, 1);

    dnsmap_t *m = dnsmap_new(64);
    struct dissect_env env = {.dns = m};
    struct check c = {0};
    uint8_t *buf = malloc(4096);
    for (int iter = 0; iter < 20000; iter++) {
        const struct seed *s = &seeds[(size_t)iter % ns];
        size_t len = s->n;
        memcpy(buf, s->p, len);
        int muts = iter < 500 ? 0 : 1 + (int)(rnd() % 8);
        for (int k = 0; k < muts; k++) {
            size_t at = rnd() % len;
            switch (rnd() % 4) {
            case 0: buf[at] = (uint8_t)rnd(); break;
            case 1: buf[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
            case 2: buf[at] = (uint8_t)"\r\n:;=&%\"\\{}0f\xff\xc0"[rnd() % 16]; break;
            default: len = at + 1; break; /* truncate */
            }
        }
        dissect_flow_t *f =
            dissect_flow_new(&env, s->udp ? DISSECT_L4_UDP : DISSECT_L4_TCP, 40000, s->port);
        if (s->udp) {
            uint8_t *exact = malloc(len);
            memcpy(exact, buf, len);
            dissect_flow_datagram(f, s->dir, exact, len, &cb, &c);
            free(exact);
        } else {
            for (size_t o = 0; o < len;) {
                size_t k = 1 + rnd() % (iter % 3 ? 64 : 4);
                if (k > len - o)
                    k = len - o;
                uint8_t *exact = malloc(k); /* exact-size piece: overreads trap */
                memcpy(exact, buf + o, k);
                dissect_flow_data(f, s->dir, exact, k, &cb, &c);
                free(exact);
                o += k;
                if (rnd() % 50 == 0)
                    dissect_flow_gap(f, s->dir, 1 + rnd() % 100);
            }
            dissect_flow_close(f, &cb, &c);
        }
        dissect_flow_free(f);
    }
    free(buf);
    for (size_t i = 0; i < ns; i++)
        free(seeds[i].p);
    CU_ASSERT_EQUAL(c.bad, 0);
    /* The unmutated rounds alone produce fields and names of every kind. */
    CU_ASSERT(c.fields > 500);
    CU_ASSERT(c.names > 500);
    CU_ASSERT(env.stats.http_msgs > 0 && env.stats.dns_msgs > 0);
    CU_ASSERT(env.stats.dns_malformed + env.stats.tls_malformed + env.stats.http_bad_start > 0);
    CU_ASSERT(dnsmap_count(m, 0) <= 64);
    dnsmap_free(m);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"seeded mutations with random splits and gaps", t_mutations},
        {NULL, NULL},
    };
    return tu_run("dissectors_fuzz", cases);
}
