/* nDPI modules handed to workers (classify.h): modules made on the prewarm thread are
 * taken by several threads at once, each waiting only for its own, one more than were
 * prewarmed is made afresh beside the prewarm thread, and a taken module classifies
 * while the next ones are still being made. Threads only record what they saw; the
 * assertions run on the main thread after the joins (CUnit is not thread-safe). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/classify.h"
#include "common/bytes.h"
#include "tests/testutil.h"

#define PREWARMED 3
#define TAKERS (PREWARMED + 1)

/* An IPv4/TCP packet from client 10.0.0.2:40000 to server 198.18.0.7:80 or back. */
static size_t tcp_packet(uint8_t *b, int to_server, uint8_t flags, uint32_t seq,
                         uint32_t ack, const char *payload)
{
    size_t n = payload ? strlen(payload) : 0;
    const uint8_t client[4] = {10, 0, 0, 2}, server[4] = {198, 18, 0, 7};
    memset(b, 0, 40);
    b[0] = 0x45;
    store_be16(b + 2, (uint16_t)(40 + n));
    b[8] = 64;
    b[9] = 6;
    memcpy(b + 12, to_server ? client : server, 4);
    memcpy(b + 16, to_server ? server : client, 4);
    store_be16(b + 20, to_server ? 40000 : 80);
    store_be16(b + 22, to_server ? 80 : 40000);
    store_be32(b + 24, seq);
    store_be32(b + 28, ack);
    b[32] = 5 << 4;
    b[33] = flags;
    store_be16(b + 34, 65535);
    if (n)
        memcpy(b + 40, payload, n);
    return 40 + n;
}

struct taker {
    pthread_t thread;
    classify_t *c;
    char proto[64];
    char host[64];
    int final;
};

static void *take_and_classify(void *arg)
{
    struct taker *t = arg;
    char err[256];
    if (!(t->c = classify_take(err, sizeof err)))
        return NULL;
    static const char get[] = "GET /v1/ping HTTP/1.1\r\nHost: example.org\r\n"
                              "User-Agent: okhttp/4.9\r\n\r\n";
    static const char ok[] = "HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n";
    uint8_t b[256];
    struct classify_flow cf;
    memset(&cf, 0, sizeof cf);
    uint64_t ts = 1000000;
    size_t n = tcp_packet(b, 1, 0x02, 100, 0, NULL);
    classify_packet(t->c, &cf, b, (uint32_t)n, ts++);
    n = tcp_packet(b, 0, 0x12, 500, 101, NULL);
    classify_packet(t->c, &cf, b, (uint32_t)n, ts++);
    n = tcp_packet(b, 1, 0x10, 101, 501, NULL);
    classify_packet(t->c, &cf, b, (uint32_t)n, ts++);
    n = tcp_packet(b, 1, 0x18, 101, 501, get);
    t->final = classify_packet(t->c, &cf, b, (uint32_t)n, ts++);
    n = tcp_packet(b, 0, 0x18, 501, 101 + (uint32_t)strlen(get), ok);
    t->final |= classify_packet(t->c, &cf, b, (uint32_t)n, ts++);
    classify_finish(t->c, &cf);
    classify_proto_name(t->c, &cf, t->proto, sizeof t->proto);
    snprintf(t->host, sizeof t->host, "%s", cf.host ? cf.host : "(none)");
    classify_release(t->c, &cf);
    return NULL;
}

static void test_takers_while_prewarming(void)
{
    classify_prewarm(PREWARMED);
    struct taker t[TAKERS];
    memset(t, 0, sizeof t);
    for (int i = 0; i < TAKERS; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i].thread, NULL, take_and_classify, &t[i]) == 0);
    for (int i = 0; i < TAKERS; i++)
        pthread_join(t[i].thread, NULL);
    for (int i = 0; i < TAKERS; i++) {
        CU_ASSERT_PTR_NOT_NULL(t[i].c);
        for (int j = 0; j < i; j++)
            CU_ASSERT_PTR_NOT_EQUAL(t[i].c, t[j].c);
        CU_ASSERT_STRING_EQUAL(t[i].proto, "HTTP");
        CU_ASSERT_STRING_EQUAL(t[i].host, "example.org");
        CU_ASSERT_EQUAL(t[i].final, 1);
        CU_ASSERT_EQUAL(classify_stats(t[i].c)->detected, 1);
    }
    for (int i = 0; i < TAKERS; i++)
        classify_free(t[i].c);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"modules taken by threads while the prewarm makes them", test_takers_while_prewarming},
        {NULL, NULL},
    };
    return tu_run("capture_classify", cases);
}
