/* fuzz_http1.c - the HTTP/1 stream parser (dissectors/http1.c) with its body
 * decoding: chunks of either direction, gaps of the chunk's length, then close. */
#include "dissectors/http1.h"
#include "tests/fuzz/fuzz_cb.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dissect_stats st = {0};
    struct http1 *h = http1_new(&st);
    if (!h)
        return 0;
    struct fuzz_chunk c;
    while (fuzz_next(&data, &size, &c)) {
        if (c.gap)
            http1_gap(h, c.dir, c.n + 1);
        else
            http1_data(h, c.dir, c.p, c.n, &fuzz_cb, NULL);
    }
    http1_close(h, &fuzz_cb, NULL);
    http1_free(h);
    return 0;
}
