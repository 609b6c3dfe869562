/* fuzz_reasm.c - TCP reassembly (capture/reasm.c): segments
 * [dir | snap<<1 | flush<<2][tcp flags][seq, 32 bits][length, 16 bits][bytes] of two
 * directions, in a small pool (so the buffering bounds are hit). snap: the segment
 * was cut by the snaplen (wire length + 100); flush: deliver what is buffered first.
 * Every delivered byte is read, and delivery must stay in bounds of what was sent. */
#include <string.h>

#include "capture/reasm.h"

static volatile uint8_t sink;

static void on_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    (void)ctx, (void)dir;
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= p[i];
    sink ^= x;
}

static void on_gap(void *ctx, int dir, uint64_t n)
{
    (void)ctx, (void)dir, (void)n;
}

static const struct reasm_ops ops = {on_data, on_gap};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reasm_pool_t *p = reasm_pool_new(8192, 4096);
    if (!p)
        return 0;
    struct reasm_dir d[2];
    memset(d, 0, sizeof d);
    while (size >= 8) {
        uint8_t fl = data[0], tcp = data[1];
        uint32_t seq = (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 |
                       (uint32_t)data[4] << 8 | data[5];
        size_t n = (size_t)data[6] << 8 | data[7];
        data += 8;
        size -= 8;
        if (n > size)
            n = size;
        int dir = fl & 1;
        if (fl & 4)
            reasm_flush(p, &d[dir], dir, &ops, NULL);
        reasm_segment(p, &d[dir], dir, seq, tcp, data, (uint32_t)n,
                      (uint32_t)n + (fl & 2 ? 100 : 0), &ops, NULL);
        data += n;
        size -= n;
    }
    for (int i = 0; i < 2; i++) {
        reasm_flush(p, &d[i], i, &ops, NULL);
        reasm_release(p, &d[i]);
    }
    if (reasm_pool_in_use(p) != 0)
        __builtin_trap(); /* every chunk went back to the pool */
    reasm_pool_free(p);
    return 0;
}
