/* test_dissectors_dns.c - DNS over UDP and TCP into the dnsmap: CNAME chains, TTL
 * expiry, compression pointers (valid, looping), truncation at every length, and the
 * map's bounds. Messages are written byte by byte from RFC 1035's layout. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/dns.h"
#include "dissectors/dnsmap.h"
#include "common/lwerr.h"
#include "tests/test_dissectors_rec.h"
#include "tests/testutil.h"

/* A response for app.tracker.com (id 0x1234, QR=1 RD RA, NOERROR):
 *   app.tracker.com  CNAME edge.cdn.net        (owner = pointer to the question)
 *   edge.cdn.net     CNAME e1.cdn.net          (owner = pointer, target "e1" + ptr)
 *   e1.cdn.net       A     93.184.216.34  ttl 60
 *   e1.cdn.net       AAAA  2001:db8::34   ttl 30
 *   other.net        A     9.9.9.9        ttl 60   (not on the chain) */
static const uint8_t dns_resp[] = {
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
    /* 12: question */
    3, 'a', 'p', 'p', 7, 't', 'r', 'a', 'c', 'k', 'e', 'r', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,
    /* 33: CNAME, owner ptr 12, rdata "edge" "cdn" "net" */
    0xc0, 12, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 14,
    4, 'e', 'd', 'g', 'e', 3, 'c', 'd', 'n', 3, 'n', 'e', 't', 0,
    /* 59: CNAME, owner ptr 45 (edge.cdn.net), rdata "e1" + ptr 50 (cdn.net) */
    0xc0, 45, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 5,
    2, 'e', '1', 0xc0, 50,
    /* 76: A, owner ptr 71 (e1.cdn.net) */
    0xc0, 71, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 60, 0x00, 4, 93, 184, 216, 34,
    /* 92: AAAA */
    0xc0, 71, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 30, 0x00, 16,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x34,
    /* 120: A for an unrelated name */
    5, 'o', 't', 'h', 'e', 'r', 0xc0, 54, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 60,
    0x00, 4, 9, 9, 9, 9,
};

static const uint8_t dns_query[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    3, 'a', 'p', 'p', 7, 't', 'r', 'a', 'c', 'k', 'e', 'r', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,
};

static const uint8_t ip4[4] = {93, 184, 216, 34};
static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x34};
static const uint8_t ip_other[4] = {9, 9, 9, 9};

static void t_udp_cname_chain_ttl(void)
{
    dnsmap_t *m = dnsmap_new(1024);
    struct dissect_env env = {.dns = m, .now_s = 1000};
    struct rec r = {0};
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 40000, 53);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_DNS);
    dissect_flow_datagram(f, 0, dns_query, sizeof dns_query, &rec_cb, &r);
    dissect_flow_datagram(f, 1, dns_resp, sizeof dns_resp, &rec_cb, &r);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(rec_count(&r, "name:dns.query", "", "app.tracker.com"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "dns.query", "", "app.tracker.com"), 1);
    CU_ASSERT_EQUAL(env.stats.dns_msgs, 2);
    CU_ASSERT_EQUAL(env.stats.dns_malformed + env.stats.dns_ptr_loops, 0);
    CU_ASSERT_EQUAL(env.stats.dnsmap_puts, 3);
    char name[DNSMAP_NAME_MAX];
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip4, 1001, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "app.tracker.com");
    CU_ASSERT_EQUAL(dnsmap_get(m, 6, ip6, 1029, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "app.tracker.com");
    /* Not on the CNAME chain of the question: named after itself. */
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip_other, 1001, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "other.net");
    /* TTL expiry: AAAA (30 s) first, then A (60 s). */
    CU_ASSERT_EQUAL(dnsmap_get(m, 6, ip6, 1030, name, sizeof name), 0);
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip4, 1059, name, sizeof name), 1);
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip4, 1060, name, sizeof name), 0);
    CU_ASSERT_EQUAL(dnsmap_count(m, 1001), 3);
    CU_ASSERT_EQUAL(dnsmap_count(m, 1060), 0);
    /* A short buffer truncates. */
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip4, 1001, name, 4), 1);
    CU_ASSERT_STRING_EQUAL(name, "app");
    rec_clear(&r);
    dnsmap_free(m);
}

/* DNS over TCP: two length-prefixed messages, fed in every step size. */
static void t_tcp_framing(void)
{
    uint8_t s[4 + sizeof dns_query + sizeof dns_resp];
    s[0] = 0;
    s[1] = sizeof dns_query;
    memcpy(s + 2, dns_query, sizeof dns_query);
    size_t o = 2 + sizeof dns_query;
    s[o] = 0;
    s[o + 1] = sizeof dns_resp;
    memcpy(s + o + 2, dns_resp, sizeof dns_resp);
    for (size_t st = 0; st < REC_NSTEPS; st++) {
        dnsmap_t *m = dnsmap_new(64);
        struct dissect_env env = {.dns = m, .now_s = 5};
        struct rec r = {0};
        /* Both messages in one direction: framing is what is tested. */
        rec_feed(&r, &env, 40000, 53, s, sizeof s, NULL, 0, rec_steps[st]);
        CU_ASSERT_EQUAL(env.stats.dns_msgs, 2);
        CU_ASSERT_EQUAL(rec_count(&r, "name:dns.query", "", "app.tracker.com"), 1);
        char name[DNSMAP_NAME_MAX];
        CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip4, 6, name, sizeof name), 1);
        rec_clear(&r);
        dnsmap_free(m);
    }
}

/* Pointer loops: to itself, forward, and two pointers pointing at each other. */
static void t_pointer_loops(void)
{
    uint8_t self[] = {0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    uint8_t fwd[] = {0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1};
    /* An answer owner at 23 pointing to 25, which points back to 23. */
    uint8_t pair[] = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
                      1, 'a', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
                      0xc0, 25, 0xc0, 23, /* 23 -> 25 -> 23 ... */
                      0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4};
    uint8_t *msgs[] = {self, fwd, pair};
    size_t lens[] = {sizeof self, sizeof fwd, sizeof pair};
    dnsmap_t *m = dnsmap_new(64);
    struct dissect_env env = {.dns = m};
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 53, 40000);
    for (int i = 0; i < 3; i++)
        dissect_flow_datagram(f, 1, msgs[i], lens[i], &rec_cb, NULL);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(env.stats.dns_ptr_loops, 3);
    CU_ASSERT_EQUAL(dnsmap_count(m, 0), 0);
    dnsmap_free(m);
}

/* Issue 20 defect 3: a 64 KiB response whose ~5,000 questions each point to the end
 * of a ~16,000-pointer chain (backward pointers only, so no loop) walked ~10^8
 * pointers. Work is now counted (dns_steps: labels and pointers examined) and bounded
 * per message: the chain costs no more than twice an ordinary 64 KiB response
 * (~2,700 A records, every owner a pointer to the question), and both stay under the
 * per-message budget. The first question of a real response is still mapped. */
static size_t chain_msg(uint8_t *b, size_t total)
{
    size_t n = 0, prev = 12, chain = (total - 12) / 4;
    static const uint8_t hdr[12] = {0x12, 0x34, 0x81, 0x80};
    memcpy(b, hdr, 12);
    n = 12;
    b[n++] = 1, b[n++] = 'a', b[n++] = 0;
    for (size_t i = 0; i < chain; i++) {
        b[n] = (uint8_t)(0xc0 | prev >> 8), b[n + 1] = (uint8_t)prev;
        prev = n;
        n += 2;
    }
    unsigned qd = 0;
    while (n + 6 <= total && qd < 65535) {
        b[n++] = (uint8_t)(0xc0 | prev >> 8), b[n++] = (uint8_t)prev;
        b[n++] = 0, b[n++] = 1, b[n++] = 0, b[n++] = 1;
        qd++;
    }
    b[4] = (uint8_t)(qd >> 8), b[5] = (uint8_t)qd;
    return n;
}

static size_t many_answers_msg(uint8_t *b, size_t total)
{
    static const uint8_t q[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0,
                                3, 'a', 'p', 'p', 7, 't', 'r', 'a', 'c', 'k', 'e', 'r',
                                3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    memcpy(b, q, sizeof q);
    size_t n = sizeof q;
    unsigned an = 0;
    while (n + 16 <= total) {
        static const uint8_t a[16] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 0};
        memcpy(b + n, a, 16);
        b[n + 15] = (uint8_t)an;
        n += 16;
        an++;
    }
    b[6] = (uint8_t)(an >> 8), b[7] = (uint8_t)an;
    return n;
}

static void t_pointer_chain_work(void)
{
    static uint8_t msg[65535];
    struct dissect_env chain = {0}, plain = {0}, small = {0};
    dnsmap_t *m = dnsmap_new(64);
    chain.dns = plain.dns = small.dns = m;
    size_t n = chain_msg(msg, sizeof msg);
    CU_ASSERT(n > 65000 && msg[4] > 0x10); /* thousands of questions */
    dns_message(&chain, msg, n, &rec_cb, NULL);
    n = many_answers_msg(msg, sizeof msg);
    dns_message(&plain, msg, n, &rec_cb, NULL);
    dns_message(&small, dns_resp, sizeof dns_resp, &rec_cb, NULL);
    CU_ASSERT_EQUAL(chain.stats.dns_work_capped, 1);
    CU_ASSERT(chain.stats.dns_steps <= 2 * plain.stats.dns_steps);
    CU_ASSERT(chain.stats.dns_steps <= 1100);
    CU_ASSERT(plain.stats.dns_steps <= 1100);
    /* The ordinary message's first answers were kept: its name is mapped. */
    char name[DNSMAP_NAME_MAX];
    static const uint8_t ip[16] = {10, 0, 0, 5};
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip, 0, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "app.tracker.com");
    /* A small real response is far from the budget and not cut. */
    CU_ASSERT_EQUAL(small.stats.dns_work_capped, 0);
    CU_ASSERT(small.stats.dns_steps > 0 && small.stats.dns_steps < 64);
    dnsmap_free(m);
}

/* Every truncation of a valid response: no crash, counted, never a wrong mapping. */
static void t_truncated(void)
{
    for (size_t n = 0; n < sizeof dns_resp; n++) {
        dnsmap_t *m = dnsmap_new(64);
        struct dissect_env env = {.dns = m, .now_s = 1};
        uint8_t *cut = malloc(n ? n : 1); /* exact size: ASan sees any overread */
        memcpy(cut, dns_resp, n);
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 53, 1);
        dissect_flow_datagram(f, 1, cut, n, &rec_cb, NULL);
        dissect_flow_free(f);
        free(cut);
        CU_ASSERT_EQUAL(env.stats.dns_malformed, 1);
        char name[DNSMAP_NAME_MAX] = "";
        if (dnsmap_get(m, 4, ip4, 2, name, sizeof name) == 1)
            CU_ASSERT_STRING_EQUAL(name, "app.tracker.com");
        dnsmap_free(m);
    }
}

/* The map keeps at most its capacity; the newest entries win over expired ones. */
static void t_dnsmap_bounds(void)
{
    dnsmap_t *m = dnsmap_new(100); /* rounded to 128 */
    uint8_t ip[4] = {10, 0, 0, 0};
    char name[DNSMAP_NAME_MAX];
    for (int i = 0; i < 5000; i++) {
        ip[2] = (uint8_t)(i >> 8);
        ip[3] = (uint8_t)i;
        snprintf(name, sizeof name, "h%d.example", i);
        CU_ASSERT_EQUAL(dnsmap_put(m, 4, ip, name, 100, 0), 0);
    }
    CU_ASSERT(dnsmap_count(m, 0) <= 128);
    CU_ASSERT(dnsmap_count(m, 0) >= 64);
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip, 1, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "h4999.example");
    /* Re-putting an address replaces its name, it does not duplicate it. */
    size_t before = dnsmap_count(m, 0);
    CU_ASSERT_EQUAL(dnsmap_put(m, 4, ip, "renamed.example", 100, 0), 0);
    CU_ASSERT_EQUAL(dnsmap_count(m, 0), before);
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip, 1, name, sizeof name), 1);
    CU_ASSERT_STRING_EQUAL(name, "renamed.example");
    CU_ASSERT_EQUAL(dnsmap_put(m, 5, ip, "x", 1, 0), LW_ERR_INVAL);
    CU_ASSERT_EQUAL(dnsmap_get(m, 4, ip, 1, name, 0), LW_ERR_INVAL);
    dnsmap_free(m);
    dnsmap_free(NULL);
}

struct rd_arg {
    dnsmap_t *m;
    int bad;
};

static void *reader(void *p)
{
    struct rd_arg *a = p;
    uint8_t ip[4] = {10, 1, 0, 0};
    char name[DNSMAP_NAME_MAX];
    for (int i = 0; i < 200000; i++) {
        ip[3] = (uint8_t)(i & 63);
        if (dnsmap_get(a->m, 4, ip, 0, name, sizeof name) == 1 &&
            strncmp(name, "n", 1) != 0)
            a->bad = 1;
    }
    return NULL;
}

/* Readers and a writer at once: names read are always whole ones. */
static void t_dnsmap_threads(void)
{
    dnsmap_t *m = dnsmap_new(256);
    struct rd_arg a[3] = {{m, 0}, {m, 0}, {m, 0}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, reader, &a[i]);
    uint8_t ip[4] = {10, 1, 0, 0};
    char name[64];
    for (int i = 0; i < 50000; i++) {
        ip[3] = (uint8_t)(i & 63);
        snprintf(name, sizeof name, "n%d.example", i);
        dnsmap_put(m, 4, ip, name, 10, 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(a[i].bad, 0);
    }
    dnsmap_free(m);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"udp: CNAME chain fills dnsmap, TTL expiry", t_udp_cname_chain_ttl},
        {"tcp: length-prefixed messages, every split", t_tcp_framing},
        {"bad: compression pointer loops", t_pointer_loops},
        {"bad: a 64 KiB pointer chain costs bounded work", t_pointer_chain_work},
        {"bad: every truncation", t_truncated},
        {"dnsmap: bounded, replace", t_dnsmap_bounds},
        {"dnsmap: concurrent readers and writer", t_dnsmap_threads},
        {NULL, NULL},
    };
    return tu_run("dissectors_dns", cases);
}
