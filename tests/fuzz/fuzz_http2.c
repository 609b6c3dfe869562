/* fuzz_http2.c - HTTP/2 framing and HPACK (dissectors/http2.c): chunks of either
 * direction (fuzz_util.h), a gap flag stopping that direction, then close. */
#include "dissectors/http2.h"
#include "tests/fuzz/fuzz_cb.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dissect_stats st = {0};
    struct http2 *h = http2_new(&st);
    if (!h)
        return 0;
    struct fuzz_chunk c;
    while (fuzz_next(&data, &size, &c)) {
        if (c.gap)
            http2_gap(h, c.dir);
        http2_data(h, c.dir, c.p, c.n, &fuzz_cb, NULL);
    }
    http2_close(h, &fuzz_cb, NULL);
    http2_free(h);
    return 0;
}
