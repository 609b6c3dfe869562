/* test_dissectors_transport.c - WebSocket after an Upgrade (dissectors/websocket.h),
 * MQTT (dissectors/mqtt.h) and cleartext HTTP/2 through the dispatcher. Frames and
 * packets are written here from RFC 6455 / RFC 7692 and the MQTT 3.1.1 and 5.0
 * specifications; the deflate vector is zlib's raw deflate with a sync flush, as
 * RFC 7692 section 7.2.1 describes (python3: zlib.compressobj(9, 8, -15)). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"

struct got {
    char where[24], key[64], val[256];
};

struct rec {
    struct got it[64];
    size_t n;
};

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    struct rec *r = ctx;
    if (r->n == 64)
        return;
    struct got *g = &r->it[r->n++];
    snprintf(g->where, sizeof g->where, "%s", where);
    snprintf(g->key, sizeof g->key, "%s", key);
    snprintf(g->val, sizeof g->val, "%.*s", (int)(n < 255 ? n : 255), (const char *)v);
}

static const struct dissect_cb cb = {on_field, NULL, NULL, NULL, NULL};

static int has(const struct rec *r, const char *where, const char *key, const char *val)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->it[i].where, where) && (!key || !strcmp(r->it[i].key, key)) &&
            !strcmp(r->it[i].val, val))
            return 1;
    return 0;
}

/* Feed client (dir 0) and server bytes; each feed cut every `step` bytes. */
static void feed(dissect_flow_t *f, int dir, const void *p, size_t n, size_t step, struct rec *r)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i += step)
        dissect_flow_data(f, dir, b + i, n - i < step ? n - i : step, &cb, r);
}

static size_t ws_frame(uint8_t *o, int b0, const char *payload, size_t n)
{
    static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    size_t k = 0;
    o[k++] = (uint8_t)b0;
    o[k++] = (uint8_t)(0x80 | n); /* n < 126 here */
    memcpy(o + k, mask, 4);
    k += 4;
    for (size_t i = 0; i < n; i++)
        o[k++] = (uint8_t)payload[i] ^ mask[i & 3];
    return k;
}

static const char ws_req[] = "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n";
static const char ws_resp[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Extensions: "
                              "permessage-deflate\r\n\r\n";

static void test_websocket(void)
{
    for (size_t step = 1; step <= 4096; step *= 8) {
        struct rec r = {.n = 0};
        struct dissect_env env;
        memset(&env, 0, sizeof env);
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
        uint8_t fr[512];
        size_t n = 0;
        feed(f, 0, ws_req, sizeof ws_req - 1, step, &r);
        feed(f, 1, ws_resp, sizeof ws_resp - 1, step, &r);
        /* a text message in three fragments with a ping between them */
        n += ws_frame(fr + n, 0x01, "{\"imei\":", 8);
        n += ws_frame(fr + n, 0x89, "ping", 4);
        n += ws_frame(fr + n, 0x00, "\"8690120", 8);
        n += ws_frame(fr + n, 0x80, "45678914\"}", 10);
        /* permessage-deflate of {"a":"b"} (raw deflate, sync flush, 00 00 ff ff cut) */
        static const char defl[] = "\xaa\x56\x4a\x54\xb2\x52\x4a\x52\xaa\x05\x00";
        n += ws_frame(fr + n, 0xc1, defl, sizeof defl - 1);
        feed(f, 0, fr, n, step, &r);
        dissect_flow_close(f, &cb, &r);
        dissect_flow_free(f);
        CU_ASSERT(has(&r, "ws.message", "", "{\"imei\":\"869012045678914\"}"));
        CU_ASSERT(has(&r, "ws.message", "", "{\"a\":\"b\"}"));
        CU_ASSERT_EQUAL(env.stats.ws_messages, 2);
        CU_ASSERT_EQUAL(env.stats.ws_frames, 5);
        CU_ASSERT_EQUAL(env.stats.zlib_errors, 0);
    }
    /* RSV2 set: not a frame of any negotiated extension, the direction stops */
    struct rec r = {.n = 0};
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    uint8_t fr[64];
    feed(f, 0, ws_req, sizeof ws_req - 1, 4096, &r);
    feed(f, 1, ws_resp, sizeof ws_resp - 1, 4096, &r);
    size_t n = ws_frame(fr, 0xa1, "x", 1);
    feed(f, 0, fr, n, 4096, &r);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(env.stats.ws_malformed, 1);
}

/* MQTT 3.1.1 CONNECT with will, user name and password; a 5.0 PUBLISH with a property. */
static const uint8_t mqtt_connect[] = {
    0x10, 0x37, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xc6, 0x00, 0x3c,
    0x00, 0x05, 'd', 'e', 'v', '-', '1',
    0x00, 0x05, 'w', '/', 't', 'o', 'p',
    0x00, 0x04, 'b', 'y', 'e', '!',
    0x00, 0x0f, '8', '6', '9', '0', '1', '2', '0', '4', '5', '6', '7', '8', '9', '1', '4',
    0x00, 0x06, 's', 'e', 'c', 'r', 'e', 't'};
static const uint8_t mqtt5[] = {
    0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c, 0x00,
    0x00, 0x04, 'd', 'e', 'v', '2',
    /* PUBLISH QoS 1: topic "t/a", packet id 7, properties (payload format 1), payload */
    0x32, 0x0d, 0x00, 0x03, 't', '/', 'a', 0x00, 0x07, 0x02, 0x01, 0x01, 'h', 'i', '!'};

static void test_mqtt(void)
{
    for (size_t step = 1; step <= 64; step *= 4) {
        struct rec r = {.n = 0};
        struct dissect_env env;
        memset(&env, 0, sizeof env);
        /* not port 1883: recognised by its CONNECT */
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 8884);
        feed(f, 0, mqtt_connect, sizeof mqtt_connect, step, &r);
        dissect_flow_free(f);
        CU_ASSERT(has(&r, "mqtt.connect", "client_id", "dev-1"));
        CU_ASSERT(has(&r, "mqtt.connect", "will_topic", "w/top"));
        CU_ASSERT(has(&r, "mqtt.connect", "will_payload", "bye!"));
        CU_ASSERT(has(&r, "mqtt.connect", "username", "869012045678914"));
        CU_ASSERT(has(&r, "mqtt.connect", "password", "secret"));
        CU_ASSERT_EQUAL(env.stats.mqtt_malformed, 0);
        memset(&r, 0, sizeof r);
        f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 1883);
        feed(f, 0, mqtt5, sizeof mqtt5, step, &r);
        dissect_flow_free(f);
        CU_ASSERT(has(&r, "mqtt.connect", "client_id", "dev2"));
        CU_ASSERT(has(&r, "mqtt.publish", "topic", "t/a"));
        CU_ASSERT(has(&r, "mqtt.publish", "t/a", "hi!"));
        CU_ASSERT_EQUAL(env.stats.mqtt_malformed, 0);
    }
    /* every truncation of the CONNECT body: counted as malformed, never read past */
    for (size_t cut = 3; cut < sizeof mqtt_connect; cut++) {
        uint8_t b[sizeof mqtt_connect];
        memcpy(b, mqtt_connect, sizeof b);
        b[1] = (uint8_t)(cut - 2);
        struct rec r = {.n = 0};
        struct dissect_env env;
        memset(&env, 0, sizeof env);
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 1883);
        feed(f, 0, b, cut, 4096, &r);
        dissect_flow_free(f);
        CU_ASSERT_EQUAL(env.stats.mqtt_packets, 1);
    }
    /* a remaining length of 5 bytes is malformed */
    static const uint8_t bad[] = {0x30, 0xff, 0xff, 0xff, 0xff, 0x01};
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 1883);
    dissect_flow_data(f, 0, bad, sizeof bad, &cb, NULL);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(env.stats.mqtt_malformed, 1);
}

static void test_h2c(void)
{
    /* prior knowledge: preface, empty SETTINGS, HEADERS (HPACK literals) END_HEADERS */
    static const uint8_t h2[] = {
        'P', 'R', 'I', ' ', '*', ' ', 'H', 'T', 'T', 'P', '/', '2', '.', '0', '\r', '\n',
        '\r', '\n', 'S', 'M', '\r', '\n', '\r', '\n',
        0, 0, 0, 4, 0, 0, 0, 0, 0,
        0, 0, 19, 1, 5, 0, 0, 0, 1,
        0x82, 0x86, 0x00, 5, ':', 'p', 'a', 't', 'h', 9, '/', 'p', '?', 'i', 'd', '=', '4', '2',
        '1'};
    struct rec r = {.n = 0};
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 8080);
    feed(f, 0, h2, sizeof h2, 5, &r);
    dissect_flow_close(f, &cb, &r);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_H2C);
    dissect_flow_free(f);
    CU_ASSERT(has(&r, "http2.uri", "id", "421"));
    CU_ASSERT_EQUAL(env.stats.h2_malformed, 0);
}

int main(void)
{
    CU_initialize_registry();
    CU_pSuite s = CU_add_suite("dissectors/transport", NULL, NULL);
    CU_add_test(s, "WebSocket: unmasking, fragments, control frames, deflate", test_websocket);
    CU_add_test(s, "MQTT 3.1.1 and 5.0: CONNECT, PUBLISH, truncation", test_mqtt);
    CU_add_test(s, "cleartext HTTP/2 with prior knowledge", test_h2c);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
