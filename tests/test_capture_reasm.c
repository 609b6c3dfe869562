/* TCP reassembly: every byte once, in order, or declared as a gap. */
#include <stdlib.h>
#include <string.h>

#include "capture/reasm.h"
#include "tests/testutil.h"

#define SYN 0x02
#define FIN 0x01

/* What the consumer saw: bytes, with each gap written as '#' * length so the
 * position of a gap is checked too. */
struct sink {
    uint8_t out[1 << 20];
    size_t len;
    uint64_t gap_events, gap_bytes;
};

static void on_data(void *ctx, int dir, const uint8_t *d, size_t n)
{
    struct sink *s = ctx;
    (void)dir;
    CU_ASSERT_FATAL(s->len + n <= sizeof s->out);
    memcpy(s->out + s->len, d, n);
    s->len += n;
}

static void on_gap(void *ctx, int dir, uint64_t n)
{
    struct sink *s = ctx;
    (void)dir;
    s->gap_events++;
    s->gap_bytes += n;
    CU_ASSERT_FATAL(s->len + n <= sizeof s->out);
    memset(s->out + s->len, '#', n);
    s->len += n;
}

static const struct reasm_ops ops = {on_data, on_gap};

static struct sink *sink_new(void) { return calloc(1, sizeof(struct sink)); }

static const char *text =
    "GET /collect?imei=869012045678912&oaid=1f2e3d4c-aaaa-bbbb-cccc-0123456789ab HTTP/1.1\r\n"
    "Host: ulogs.umeng.com\r\n\r\n";

/* Feed text[a..b) as one segment of a stream whose first data byte has seq isn+1. */
static void seg(reasm_pool_t *p, struct reasm_dir *d, uint32_t isn, size_t a, size_t b,
                struct sink *s)
{
    reasm_segment(p, d, 0, isn + 1 + (uint32_t)a, 0x10, (const uint8_t *)text + a,
                  (uint32_t)(b - a), (uint32_t)(b - a), &ops, s);
}

static void test_in_order(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    reasm_segment(p, &d, 0, 1000, SYN, NULL, 0, 0, &ops, s);
    size_t n = strlen(text);
    seg(p, &d, 1000, 0, 10, s);
    seg(p, &d, 1000, 10, 50, s);
    seg(p, &d, 1000, 50, n, s);
    CU_ASSERT_EQUAL(s->len, n);
    CU_ASSERT(memcmp(s->out, text, n) == 0);
    CU_ASSERT_EQUAL(s->gap_events, 0);
    CU_ASSERT_EQUAL(reasm_pool_stats(p)->midstream, 0);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

static void test_reverse_order_and_retransmit(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    reasm_segment(p, &d, 0, 7, SYN, NULL, 0, 0, &ops, s);
    size_t n = strlen(text);
    /* Last, middle, middle again, first, first again. */
    seg(p, &d, 7, 60, n, s);
    seg(p, &d, 7, 20, 60, s);
    seg(p, &d, 7, 20, 60, s);
    CU_ASSERT_EQUAL(s->len, 0);
    seg(p, &d, 7, 0, 20, s);
    seg(p, &d, 7, 0, 20, s);
    CU_ASSERT_EQUAL(s->len, n);
    CU_ASSERT(memcmp(s->out, text, n) == 0);
    CU_ASSERT_EQUAL(reasm_pool_stats(p)->retransmitted, 1);
    CU_ASSERT(reasm_pool_stats(p)->out_of_order >= 2);
    CU_ASSERT_EQUAL(reasm_pool_in_use(p), 0);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

/* Overlap policy: the first copy of a byte wins, whether already delivered or only
 * buffered. */
static void test_overlap_first_wins(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    reasm_segment(p, &d, 0, 0, SYN, NULL, 0, 0, &ops, s);
    /* Buffered ahead: bytes 10..20 = "BBBBBBBBBB". */
    reasm_segment(p, &d, 0, 11, 0x10, (const uint8_t *)"BBBBBBBBBB", 10, 10, &ops, s);
    /* A segment 5..15 with different content overlaps the buffered part. */
    reasm_segment(p, &d, 0, 6, 0x10, (const uint8_t *)"cccccCCCCC", 10, 10, &ops, s);
    /* Then 0..8 with "aaaaaaaa": overlaps delivered-to-be bytes 5..8 of the c segment? no:
     * the c segment is buffered too; bytes 5..8 keep 'c'. */
    reasm_segment(p, &d, 0, 1, 0x10, (const uint8_t *)"aaaaaaaa", 8, 8, &ops, s);
    CU_ASSERT_EQUAL(s->len, 20);
    CU_ASSERT(memcmp(s->out, "aaaaacccccBBBBBBBBBB", 20) == 0);
    /* A late retransmission that rewrites delivered bytes changes nothing. */
    reasm_segment(p, &d, 0, 1, 0x10, (const uint8_t *)"zzzzzzzzzzzzzzzzzzzzXY", 22, 22, &ops, s);
    CU_ASSERT_EQUAL(s->len, 22);
    CU_ASSERT(memcmp(s->out, "aaaaacccccBBBBBBBBBBXY", 22) == 0);
    CU_ASSERT(reasm_pool_stats(p)->overlap_conflicts >= 1);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

static void test_wraparound(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    uint32_t isn = 0xffffffffu - 30; /* data crosses 2^32 at offset 30 */
    reasm_segment(p, &d, 0, isn, SYN, NULL, 0, 0, &ops, s);
    size_t n = strlen(text);
    seg(p, &d, isn, 40, n, s);  /* after the wrap, out of order */
    seg(p, &d, isn, 0, 25, s);
    seg(p, &d, isn, 25, 40, s); /* straddles the wrap */
    CU_ASSERT_EQUAL(s->len, n);
    CU_ASSERT(memcmp(s->out, text, n) == 0);
    CU_ASSERT_EQUAL(s->gap_events, 0);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

static void test_gap_then_flush(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    reasm_segment(p, &d, 0, 100, SYN, NULL, 0, 0, &ops, s);
    seg(p, &d, 100, 0, 10, s);
    seg(p, &d, 100, 30, 50, s); /* 10..30 lost */
    CU_ASSERT_EQUAL(s->len, 10);
    reasm_flush(p, &d, 0, &ops, s);
    CU_ASSERT_EQUAL(s->len, 50);
    CU_ASSERT_EQUAL(s->gap_events, 1);
    CU_ASSERT_EQUAL(s->gap_bytes, 20);
    CU_ASSERT(memcmp(s->out, text, 10) == 0);
    CU_ASSERT(memcmp(s->out + 10, "####################", 20) == 0);
    CU_ASSERT(memcmp(s->out + 30, text + 30, 20) == 0);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

static void test_midstream_pickup(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    /* No SYN: the first data segment starts the stream. */
    seg(p, &d, 5000, 20, 40, s);
    seg(p, &d, 5000, 40, 60, s);
    seg(p, &d, 5000, 0, 20, s); /* before the pickup point: old data, dropped */
    CU_ASSERT_EQUAL(s->len, 40);
    CU_ASSERT(memcmp(s->out, text + 20, 40) == 0);
    CU_ASSERT_EQUAL(reasm_pool_stats(p)->midstream, 1);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

/* The per-direction bound forces a gap instead of growing without end. */
static void test_memcap_forces_gap(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 4096);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    reasm_segment(p, &d, 0, 0, SYN, NULL, 0, 0, &ops, s);
    uint8_t block[1000];
    memset(block, 'x', sizeof block);
    /* Byte 0..1000 missing; then 10 blocks arrive, more than 4096 can wait. */
    for (int i = 1; i <= 10; i++)
        reasm_segment(p, &d, 0, 1 + 1000u * (uint32_t)i, 0x10, block, 1000, 1000, &ops, s);
    CU_ASSERT(reasm_pool_stats(p)->memcap >= 1);
    CU_ASSERT_EQUAL(s->gap_bytes, 1000);
    CU_ASSERT_EQUAL(s->len, 11000);
    CU_ASSERT_EQUAL(reasm_pool_in_use(p), 0);
    /* The missing block coming late is old news now. */
    reasm_segment(p, &d, 0, 1, 0x10, block, 1000, 1000, &ops, s);
    CU_ASSERT_EQUAL(s->len, 11000);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

static void test_fin_and_after(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    reasm_segment(p, &d, 0, 0, SYN, NULL, 0, 0, &ops, s);
    reasm_segment(p, &d, 0, 1, 0x10 | FIN, (const uint8_t *)"hello", 5, 5, &ops, s);
    CU_ASSERT(d.closed);
    reasm_segment(p, &d, 0, 7, 0x10, (const uint8_t *)"junk", 4, 4, &ops, s);
    CU_ASSERT_EQUAL(s->len, 5);
    CU_ASSERT_EQUAL(reasm_pool_stats(p)->after_fin, 1);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

/* A segment cut by the snaplen: the captured part, then a gap for the rest. */
static void test_snaplen_cut(void)
{
    reasm_pool_t *p = reasm_pool_new(1 << 20, 1 << 16);
    struct reasm_dir d = {0};
    struct sink *s = sink_new();
    reasm_segment(p, &d, 0, 0, SYN, NULL, 0, 0, &ops, s);
    reasm_segment(p, &d, 0, 1, 0x10, (const uint8_t *)"abcdef", 3, 6, &ops, s);
    reasm_segment(p, &d, 0, 7, 0x10, (const uint8_t *)"ghi", 3, 3, &ops, s);
    CU_ASSERT_EQUAL(s->len, 9);
    CU_ASSERT(memcmp(s->out, "abc###ghi", 9) == 0);
    reasm_release(p, &d);
    reasm_pool_free(p);
    free(s);
}

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng_state >> 33) % n);
}

/* Many random cuttings, permutations and duplicates of one stream: the output is
 * always exactly the stream. */
static void test_random_permutations(void)
{
    static uint8_t data[20000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    for (int round = 0; round < 200; round++) {
        rng_state = (uint64_t)round * 977 + 1;
        reasm_pool_t *p = reasm_pool_new(1 << 22, 1 << 20);
        struct reasm_dir d = {0};
        struct sink *s = sink_new();
        uint32_t isn = rnd(0xffffffffu);
        reasm_segment(p, &d, 0, isn, SYN, NULL, 0, 0, &ops, s);
        size_t cuts[64], nseg = 0, pos = 0;
        while (pos < sizeof data && nseg < 63) {
            cuts[nseg++] = pos;
            pos += 1 + rnd(1500);
        }
        cuts[nseg] = sizeof data;
        int order[128], n = 0;
        for (size_t i = 0; i < nseg; i++)
            order[n++] = (int)i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int)rnd((uint32_t)i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int dups = (int)rnd(10);
        for (int i = 0; i < dups; i++)
            order[n++] = (int)rnd((uint32_t)nseg);
        for (int i = 0; i < n; i++) {
            size_t a = cuts[order[i]], b = cuts[order[i] + 1];
            /* Retransmissions sometimes come repacketised: extend into the next one. */
            if (i >= (int)nseg && b < sizeof data)
                b += rnd((uint32_t)(sizeof data - b));
            reasm_segment(p, &d, 0, isn + 1 + (uint32_t)a, 0x10, data + a, (uint32_t)(b - a),
                          (uint32_t)(b - a), &ops, s);
        }
        CU_ASSERT_EQUAL(s->len, sizeof data);
        CU_ASSERT(memcmp(s->out, data, sizeof data) == 0);
        CU_ASSERT_EQUAL(s->gap_events, 0);
        CU_ASSERT_EQUAL(reasm_pool_in_use(p), 0);
        reasm_release(p, &d);
        reasm_pool_free(p);
        free(s);
    }
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"in order", test_in_order},
        {"reverse order and retransmissions", test_reverse_order_and_retransmit},
        {"overlap: first copy wins", test_overlap_first_wins},
        {"sequence wrap-around", test_wraparound},
        {"gap declared at flush", test_gap_then_flush},
        {"mid-stream pickup", test_midstream_pickup},
        {"buffer bound forces a gap", test_memcap_forces_gap},
        {"FIN and data after it", test_fin_and_after},
        {"segment cut by snaplen", test_snaplen_cut},
        {"random cuts, orders, duplicates", test_random_permutations},
        {NULL, NULL},
    };
    return tu_run("capture/reasm", cases);
}
