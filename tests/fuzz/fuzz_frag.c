/* fuzz_frag.c - IP fragment reassembly (capture/frag.c): each chunk is one raw IP
 * packet; fragments go to a small table (so eviction runs too), one millisecond
 * apart, with a chunk's gap flag jumping past the timeout. */
#include <stdlib.h>

#include "capture/frag.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    frag_table_t *t = frag_new(4, 1000000);
    uint8_t *out = malloc(65536 + 64);
    if (!t || !out)
        goto out;
    uint64_t ts = 1000000;
    struct fuzz_chunk c;
    while (fuzz_next(&data, &size, &c)) {
        ts += c.gap ? 5000000 : 1000;
        frag_expire(t, ts);
        struct decode_pkt p;
        struct decode_stats st = {0};
        if (decode_ip(c.p, (uint32_t)c.n, &p, &st) != DECODE_FRAG)
            continue;
        size_t n = frag_add(t, c.p, &p, ts, out);
        if (n) { /* a whole datagram: decode it as the reader does */
            struct decode_pkt q;
            decode_ip(out, (uint32_t)n, &q, &st);
        }
    }
out:
    frag_free(t);
    free(out);
    return 0;
}
