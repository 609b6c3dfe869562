/* fuzz_http_body.c - the HTTP body decoders alone (gzip/deflate inflation, form and
 * JSON splitting): [encoding][content type] selectors, then the body in chunks. The
 * same object decodes a second body afterwards, as HTTP/2 reuses it. */
#include "dissectors/http_body.h"
#include "tests/fuzz/fuzz_cb.h"
#include "tests/fuzz/fuzz_util.h"

static const char *const encs[] = {NULL, "gzip", "deflate", "identity", "x-gzip", "br"};
static const char *const cts[] = {"application/json", "application/x-www-form-urlencoded",
                                  "text/plain", NULL, "application/json; charset=utf-8"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *e = encs[data[0] % 6], *t = cts[data[1] % 5];
    data += 2;
    size -= 2;
    struct dissect_stats st = {0};
    struct http_body *b = http_body_new();
    if (!b)
        return 0;
    for (int round = 0; round < 2; round++) {
        http_body_start(b, (const uint8_t *)e, e ? strlen(e) : 0, (const uint8_t *)t,
                        t ? strlen(t) : 0, 1);
        const uint8_t *p = data;
        size_t n = size;
        struct fuzz_chunk c;
        while (fuzz_next(&p, &n, &c))
            http_body_data(b, &st, c.p, c.n);
        http_body_end(b, &st, "http2.body", &fuzz_cb, NULL);
    }
    http_body_free(b);
    return 0;
}
