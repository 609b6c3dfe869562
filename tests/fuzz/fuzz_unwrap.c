/* fuzz_unwrap.c - libFuzzer target for the decoding pipeline (dissectors/unwrap.h):
 * the input is one HTTP/1.1 request body (Content-Type from its first byte) and the
 * same bytes as a query value, so every layer (base64, inflate, zstd, JSON, forms,
 * escapes, protobuf, gRPC, multipart) sees arbitrary bytes under its bounds; a form's
 * plain pairs arrive through fields(). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dissectors/dissect.h"

static void fz_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    (void)ctx, (void)where, (void)key, (void)v, (void)n;
}

static void fz_enc(void *ctx, const char *where, const char *key, const char *enc,
                   const uint8_t *v, size_t n)
{
    (void)ctx, (void)where, (void)key, (void)enc, (void)v, (void)n;
}

/* A form's pairs in runs: every byte read (ASan checks the pointers), the key's length
 * as told. */
static volatile uint8_t fz_sink;
static void fz_fields(void *ctx, const char *where, const struct dissect_kv *kv, size_t n)
{
    (void)ctx, (void)where;
    for (size_t i = 0; i < n; i++) {
        if (strlen(kv[i].key) != kv[i].klen)
            __builtin_trap();
        for (uint32_t j = 0; j < kv[i].vlen; j++)
            fz_sink ^= kv[i].val[j];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"application/json", "application/x-www-form-urlencoded",
                                        "text/plain", "application/x-protobuf"};
    static const struct dissect_cb cb = {fz_field, NULL, NULL, fz_enc, fz_fields};
    struct dissect_env env;
    char head[160];
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    if (!f)
        return 0;
    int n = snprintf(head, sizeof head, "POST /f?v=%s HTTP/1.1\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n", "x", types[size ? data[0] & 3 : 0], size);
    dissect_flow_data(f, 0, (const uint8_t *)head, (size_t)n, &cb, NULL);
    dissect_flow_data(f, 0, data, size, &cb, NULL);
    dissect_flow_close(f, &cb, NULL);
    dissect_flow_free(f);
    return 0;
}
