/* bench_dissectors_dns.c - the work of dns_message() (dissectors/dns.c) on the reader
 * thread, per message: a 64 KiB response whose questions all point into one long
 * compression-pointer chain (issue 20 defect 3), next to an ordinary 64 KiB response
 * (thousands of A records) and an ordinary small response (question, CNAME, A, AAAA).
 * Prints ns per message and the labels and pointers examined (dns_steps).
 *
 *   bench_dissectors_dns [MESSAGES]      (default 2000 of each) */
#include "bench/benchutil.h"
#include "dissectors/dns.h"

static void name(struct sbuf *b, const char *n)
{
    while (*n) {
        const char *dot = strchr(n, '.');
        size_t l = dot ? (size_t)(dot - n) : strlen(n);
        uint8_t c = (uint8_t)l;
        put(b, &c, 1);
        put(b, n, l);
        n += l + (dot != NULL);
    }
    put(b, "", 1);
}

static void chain(struct sbuf *b)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x81, 0x80};
    put(b, hdr, 12);
    put(b, "\1a\0", 3);
    size_t prev = 12;
    for (size_t i = 0; i < (65533 - 12) / 4; i++) {
        uint8_t p[2] = {(uint8_t)(0xc0 | prev >> 8), (uint8_t)prev};
        prev = b->n;
        put(b, p, 2);
    }
    unsigned qd = 0;
    while (b->n + 6 <= 65533) {
        uint8_t q[6] = {(uint8_t)(0xc0 | prev >> 8), (uint8_t)prev, 0, 1, 0, 1};
        put(b, q, 6);
        qd++;
    }
    b->p[4] = (uint8_t)(qd >> 8), b->p[5] = (uint8_t)qd;
}

static void many(struct sbuf *b)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x81, 0x80, 0, 1};
    put(b, hdr, 12);
    name(b, "app.tracker.com");
    put(b, "\0\1\0\1", 4);
    unsigned an = 0;
    while (b->n + 16 <= 65533) {
        uint8_t a[16] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, (uint8_t)(an >> 8),
                         (uint8_t)an};
        put(b, a, 16);
        an++;
    }
    b->p[6] = (uint8_t)(an >> 8), b->p[7] = (uint8_t)an;
}

static void small(struct sbuf *b)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3};
    put(b, hdr, 12);
    name(b, "app.tracker.com");
    put(b, "\0\1\0\1", 4);
    static const uint8_t cn[] = {0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 44, 0, 6,
                                 3, 'c', 'd', 'n', 0xc0, 16};
    put(b, cn, sizeof cn);
    static const uint8_t a[] = {0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1};
    put(b, a, sizeof a);
    static const uint8_t aaaa[] = {0xc0, 45, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16,
                                   0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    put(b, aaaa, sizeof aaaa);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000;
    struct sbuf m[3] = {{0}, {0}, {0}};
    chain(&m[0]);
    many(&m[1]);
    small(&m[2]);
    static const char *const what[3] = {"64 KiB pointer chain", "64 KiB ordinary (A records)",
                                        "small ordinary response"};
    dnsmap_t *map = dnsmap_new(4096);
    for (int k = 0; k < 3; k++) {
        struct dissect_env env = {.dns = map, .now_s = 1};
        dns_message(&env, m[k].p, m[k].n, NULL, NULL); /* warm up */
        env.stats.dns_steps = 0;
        double t0 = bench_now();
        for (long i = 0; i < n; i++)
            dns_message(&env, m[k].p, m[k].n, NULL, NULL);
        double dt = bench_now() - t0;
        printf("%-28s %6zu bytes  %10.0f ns/msg  %8.0f steps/msg  capped %llu\n", what[k],
               m[k].n, dt * 1e9 / (double)n, (double)env.stats.dns_steps / (double)n,
               (unsigned long long)env.stats.dns_work_capped);
        free(m[k].p);
    }
    dnsmap_free(map);
    return 0;
}
