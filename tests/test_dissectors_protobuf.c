/* test_dissectors_protobuf.c - protobuf and gRPC framing (dissectors/protobuf.h),
 * multipart/form-data (dissectors/multipart.h), and both inside the decoding pipeline.
 * The protobuf vector was made with protoc --encode (Debian's protobuf-compiler 3.21):
 *   message Device { string imei = 1; string oaid = 2; bytes mac = 3; string model = 4;
 *                    string imsi = 5; string brand = 6; }
 *   imei: "869012045678914" mac: "\x3c\x28\x6d\x11\x22\x33" imsi: "460001234567890"
 *   brand: "google" */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "dissectors/multipart.h"
#include "dissectors/protobuf.h"

static const uint8_t device_pb[] = {
    0x0a, 0x0f, 0x38, 0x36, 0x39, 0x30, 0x31, 0x32, 0x30, 0x34, 0x35, 0x36, 0x37, 0x38,
    0x39, 0x31, 0x34, 0x1a, 0x06, 0x3c, 0x28, 0x6d, 0x11, 0x22, 0x33, 0x2a, 0x0f, 0x34,
    0x36, 0x30, 0x30, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x30,
    0x32, 0x06, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65};

struct fields {
    uint32_t num[16];
    size_t len[16], n;
};

static void on_pb(void *arg, uint32_t field, const uint8_t *val, size_t len)
{
    struct fields *f = arg;
    (void)val;
    if (f->n < 16) {
        f->num[f->n] = field;
        f->len[f->n++] = len;
    }
}

static void test_walk(void)
{
    struct fields f = {{0}, {0}, 0};
    CU_ASSERT_EQUAL(protobuf_walk(device_pb, sizeof device_pb, on_pb, &f), 4);
    CU_ASSERT_EQUAL(f.n, 4);
    CU_ASSERT(f.num[0] == 1 && f.len[0] == 15 && f.num[1] == 3 && f.len[1] == 6);
    CU_ASSERT(f.num[2] == 5 && f.len[2] == 15 && f.num[3] == 6 && f.len[3] == 6);
    /* every cut short of the end is not a message */
    for (size_t n = 1; n < sizeof device_pb; n++)
        if (n != 17 && n != 25 && n != 42)
            CU_ASSERT_EQUAL(protobuf_walk(device_pb, n, NULL, NULL), 0);
    /* field 0, a group, wire type 7, a varint of 11 bytes, a length past the end */
    static const uint8_t bad[][12] = {{0x02, 0x00}, {0x0b, 0x0c}, {0x0f},
                                      {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0x01},
                                      {0x0a, 0x05, 'a'}};
    static const size_t bl[] = {2, 2, 1, 12, 3};
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(protobuf_walk(bad[i], bl[i], NULL, NULL), 0);
    /* fixed64 and fixed32 fields */
    static const uint8_t fixed[] = {0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4};
    CU_ASSERT_EQUAL(protobuf_walk(fixed, sizeof fixed, NULL, NULL), 2);
}

static void on_msg(void *arg, int compressed, const uint8_t *msg, size_t len)
{
    size_t *n = arg;
    (void)msg;
    *n += len + (compressed ? 1000 : 0);
}

static void test_grpc(void)
{
    uint8_t b[128];
    size_t m = 0, got = 0;
    b[m++] = 0;
    b[m++] = 0, b[m++] = 0, b[m++] = 0, b[m++] = (uint8_t)sizeof device_pb;
    memcpy(b + m, device_pb, sizeof device_pb);
    m += sizeof device_pb;
    static const uint8_t trailer[] = {0x80, 0, 0, 0, 3, 'a', ':', 'b'};
    memcpy(b + m, trailer, sizeof trailer);
    m += sizeof trailer;
    CU_ASSERT_EQUAL(protobuf_grpc_frames(b, m, on_msg, &got), 2);
    CU_ASSERT_EQUAL(got, sizeof device_pb); /* the trailers frame is not a message */
    got = 0;
    CU_ASSERT_EQUAL(protobuf_grpc_frames(b, m - 1, on_msg, &got), 0);
    CU_ASSERT_EQUAL(got, 0);
    b[0] = 2; /* not a flag */
    CU_ASSERT_EQUAL(protobuf_grpc_frames(b, m, NULL, NULL), 0);
}

struct parts {
    char name[4][MULTIPART_NAME_MAX];
    char body[4][64];
    char ct[4][32];
    size_t n;
};

static void on_part(void *arg, const char *name, const uint8_t *ct, size_t ctl,
                    const uint8_t *body, size_t len)
{
    struct parts *p = arg;
    if (p->n >= 4)
        return;
    snprintf(p->name[p->n], sizeof p->name[0], "%s", name);
    snprintf(p->body[p->n], sizeof p->body[0], "%.*s", (int)len, (const char *)body);
    snprintf(p->ct[p->n], sizeof p->ct[0], "%.*s", (int)ctl, ct ? (const char *)ct : "");
    p->n++;
}

static void test_multipart(void)
{
    /* RFC 7578 section 4.1's shape, as curl -F writes it */
    static const char mp[] =
        "--AaB03x\r\nContent-Disposition: form-data; name=\"field1\"\r\n\r\nJoe Blow\r\n"
        "--AaB03x\r\nContent-Disposition: form-data; name=\"pics\"; filename=\"file1.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\n...contents of file1.txt...\r\n--AaB03x--\r\n";
    struct parts p;
    memset(&p, 0, sizeof p);
    CU_ASSERT(multipart_sniff((const uint8_t *)mp, sizeof mp - 1));
    CU_ASSERT_EQUAL(multipart_split((const uint8_t *)mp, sizeof mp - 1, on_part, &p), 2);
    CU_ASSERT_STRING_EQUAL(p.name[0], "field1");
    CU_ASSERT_STRING_EQUAL(p.body[0], "Joe Blow");
    CU_ASSERT_STRING_EQUAL(p.name[1], "pics"); /* not the filename */
    CU_ASSERT_STRING_EQUAL(p.ct[1], "text/plain");
    CU_ASSERT_STRING_EQUAL(p.body[1], "...contents of file1.txt...");
    /* cut before the closing boundary: the last part runs to the end */
    memset(&p, 0, sizeof p);
    CU_ASSERT_EQUAL(multipart_split((const uint8_t *)mp, 80, on_part, &p), 2);
    CU_ASSERT(!multipart_sniff((const uint8_t *)"--not a boundary\r\n", 18));
    CU_ASSERT(!multipart_sniff((const uint8_t *)"--x\r\nHello", 10));
}

/* Through the pipeline: the IMSI ends where its field ends although a digit ('2', the
 * next field's tag) follows it. */
struct got {
    int imsi, mac, imei, whole;
};

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    struct got *g = ctx;
    (void)v;
    g->whole += !strcmp(where, "http.body") && !key[0] && n == sizeof device_pb;
}

static void on_enc(void *ctx, const char *where, const char *key, const char *enc,
                   const uint8_t *v, size_t n)
{
    struct got *g = ctx;
    (void)where;
    if (strcmp(enc, "protobuf"))
        return;
    g->imsi += !strcmp(key, "5") && n == 15 && !memcmp(v, "460001234567890", 15);
    g->mac += !strcmp(key, "3") && n == 6 && !memcmp(v, "\x3c\x28\x6d\x11\x22\x33", 6);
    g->imei += !strcmp(key, "1") && n == 15;
}

static void test_pipeline(void)
{
    static const struct dissect_cb cb = {on_field, NULL, NULL, on_enc, NULL};
    struct dissect_env env;
    struct got g = {0, 0, 0, 0};
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    char head[200];
    int n = snprintf(head, sizeof head, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: "
                     "application/x-protobuf\r\nContent-Length: %zu\r\n\r\n", sizeof device_pb);
    dissect_flow_data(f, 0, (const uint8_t *)head, (size_t)n, &cb, &g);
    dissect_flow_data(f, 0, device_pb, sizeof device_pb, &cb, &g);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(g.imsi, 1);
    CU_ASSERT_EQUAL(g.mac, 1);
    CU_ASSERT_EQUAL(g.imei, 1);
    CU_ASSERT_EQUAL(g.whole, 0); /* the message goes out as its fields */
    CU_ASSERT_EQUAL(env.stats.unwrap_layers, 1);
}

int main(void)
{
    CU_initialize_registry();
    CU_pSuite s = CU_add_suite("dissectors/protobuf", NULL, NULL);
    CU_add_test(s, "protobuf wire format on a protoc vector", test_walk);
    CU_add_test(s, "gRPC and gRPC-Web frames", test_grpc);
    CU_add_test(s, "multipart/form-data", test_multipart);
    CU_add_test(s, "protobuf fields through the pipeline (binary boundaries)", test_pipeline);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
