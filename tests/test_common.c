/* The base layer (common/): the bounds-checked byte reader and its sticky error,
 * big-endian loads and stores, hex digits, ASCII case, and deadline arithmetic with
 * explicit times (nothing here sleeps). */
#include <string.h>

#include "common/ascii.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "tests/testutil.h"

static const uint8_t seq[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};

static void test_bytes_reads(void)
{
    struct bytes b = bytes_init(seq, sizeof seq);
    CU_ASSERT_EQUAL(bytes_u8(&b), 0x01);
    CU_ASSERT_EQUAL(bytes_u16be(&b), 0x0203);
    CU_ASSERT_EQUAL(bytes_u24be(&b), 0x040506);
    CU_ASSERT_EQUAL(bytes_left(&b), 4);
    CU_ASSERT_EQUAL(bytes_u32be(&b), 0x0708090au);
    CU_ASSERT_EQUAL(bytes_left(&b), 0);
    CU_ASSERT_FALSE(b.err);

    b = bytes_init(seq, sizeof seq);
    CU_ASSERT_EQUAL(bytes_u64be(&b), 0x0102030405060708ull);
    CU_ASSERT_EQUAL(bytes_skip(&b, 1), 0);
    const uint8_t *p = bytes_ptr(&b, 1);
    CU_ASSERT_PTR_EQUAL(p, seq + 9);
    CU_ASSERT_FALSE(b.err);
}

static void test_bytes_overrun_is_sticky(void)
{
    struct bytes b = bytes_init(seq, 3);
    CU_ASSERT_EQUAL(bytes_u16be(&b), 0x0102);
    CU_ASSERT_EQUAL(bytes_u16be(&b), 0); /* one byte left: overrun */
    CU_ASSERT_TRUE(b.err);
    CU_ASSERT_EQUAL(b.off, 2);          /* the failed read consumed nothing */
    CU_ASSERT_EQUAL(bytes_u8(&b), 0);   /* the byte is there, but the error sticks */
    CU_ASSERT_PTR_NULL(bytes_ptr(&b, 0));
    CU_ASSERT_EQUAL(bytes_skip(&b, 0), -1);
    CU_ASSERT_EQUAL(bytes_left(&b), 0);

    /* Lengths that would wrap an addition are still refused. */
    b = bytes_init(seq, sizeof seq);
    bytes_u8(&b);
    CU_ASSERT_EQUAL(bytes_skip(&b, (size_t)-1), -1);
    CU_ASSERT_TRUE(b.err);

    b = bytes_init(NULL, 0);
    CU_ASSERT_EQUAL(bytes_u32be(&b), 0);
    CU_ASSERT_TRUE(b.err);
}

static void test_bytes_sub(void)
{
    /* A 16-bit length, then that many bytes, then one more field. */
    static const uint8_t vec[] = {0x00, 0x03, 'a', 'b', 'c', 0x7f};
    struct bytes b = bytes_init(vec, sizeof vec);
    struct bytes s = bytes_sub(&b, bytes_u16be(&b));
    CU_ASSERT_FALSE(s.err);
    CU_ASSERT_EQUAL(bytes_left(&s), 3);
    CU_ASSERT_EQUAL(bytes_u8(&s), 'a');
    CU_ASSERT_EQUAL(bytes_u8(&b), 0x7f);
    CU_ASSERT_EQUAL(bytes_u32be(&s), 0); /* past the sub-cursor's end, not the parent's */
    CU_ASSERT_TRUE(s.err);
    CU_ASSERT_FALSE(b.err);

    b = bytes_init(vec, sizeof vec);
    s = bytes_sub(&b, 100);
    CU_ASSERT_TRUE(s.err);
    CU_ASSERT_TRUE(b.err);
    CU_ASSERT_EQUAL(bytes_left(&s), 0);
    CU_ASSERT_EQUAL(bytes_u8(&s), 0);
}

static void test_bytes_gather(void)
{
    /* A 5-byte header arriving as 2 + 4 bytes: the second feed keeps its tail. */
    uint8_t hdr[5];
    size_t have = 0;
    const uint8_t *src = seq;
    size_t len = 2;
    CU_ASSERT_FALSE(bytes_gather(hdr, &have, sizeof hdr, &src, &len));
    CU_ASSERT_EQUAL(have, 2);
    CU_ASSERT_EQUAL(len, 0);
    len = 4;
    CU_ASSERT_TRUE(bytes_gather(hdr, &have, sizeof hdr, &src, &len));
    CU_ASSERT_EQUAL(have, 5);
    CU_ASSERT_EQUAL(len, 1);
    CU_ASSERT_PTR_EQUAL(src, seq + 5);
    CU_ASSERT_EQUAL(memcmp(hdr, seq, 5), 0);
    /* Already complete: takes nothing. */
    CU_ASSERT_TRUE(bytes_gather(hdr, &have, sizeof hdr, &src, &len));
    CU_ASSERT_EQUAL(len, 1);
}

static void test_load_store(void)
{
    uint8_t buf[8] = {0};
    CU_ASSERT_EQUAL(load_be16(seq), 0x0102);
    CU_ASSERT_EQUAL(load_be24(seq), 0x010203u);
    CU_ASSERT_EQUAL(load_be32(seq), 0x01020304u);
    CU_ASSERT_EQUAL(load_be64(seq), 0x0102030405060708ull);
    CU_ASSERT_EQUAL(load_le32(seq), 0x04030201u);
    static const uint8_t hi[] = {0xff, 0xfe, 0xfd, 0xfc};
    CU_ASSERT_EQUAL(load_be16(hi), 0xfffe); /* no sign extension */
    CU_ASSERT_EQUAL(load_be32(hi), 0xfffefdfcu);
    store_be16(buf, 0xabcd);
    store_be32(buf + 2, 0x01234567u);
    static const uint8_t want[] = {0xab, 0xcd, 0x01, 0x23, 0x45, 0x67};
    CU_ASSERT_EQUAL(memcmp(buf, want, sizeof want), 0);
    store_be64(buf, 0x0102030405060708ull);
    CU_ASSERT_EQUAL(memcmp(buf, seq, 8), 0);
}

static void test_hex(void)
{
    CU_ASSERT_EQUAL(ascii_hexval('0'), 0);
    CU_ASSERT_EQUAL(ascii_hexval('9'), 9);
    CU_ASSERT_EQUAL(ascii_hexval('a'), 10);
    CU_ASSERT_EQUAL(ascii_hexval('F'), 15);
    CU_ASSERT_EQUAL(ascii_hexval('g'), -1);
    CU_ASSERT_EQUAL(ascii_hexval('G'), -1);
    CU_ASSERT_EQUAL(ascii_hexval('/'), -1);
    CU_ASSERT_EQUAL(ascii_hexval(':'), -1);
    CU_ASSERT_EQUAL(ascii_hexval(0), -1);
    CU_ASSERT_EQUAL(ascii_hexval(0xc1), -1);
    uint8_t out[3];
    CU_ASSERT_EQUAL(ascii_unhex("00fFa5", 3, out), 0);
    CU_ASSERT_EQUAL(out[0], 0x00);
    CU_ASSERT_EQUAL(out[1], 0xff);
    CU_ASSERT_EQUAL(out[2], 0xa5);
    CU_ASSERT_EQUAL(ascii_unhex("0x", 1, out), -1);
}

static void test_lower(void)
{
    CU_ASSERT_EQUAL(ascii_lower('A'), 'a');
    CU_ASSERT_EQUAL(ascii_lower('Z'), 'z');
    CU_ASSERT_EQUAL(ascii_lower('a'), 'a');
    CU_ASSERT_EQUAL(ascii_lower('@'), '@'); /* 'A' - 1 */
    CU_ASSERT_EQUAL(ascii_lower('['), '['); /* 'Z' + 1 */
    CU_ASSERT_EQUAL(ascii_lower(0xc4), 0xc4); /* not ASCII: left alone */
    char buf[16] = "Api.EXAMPLE.com";
    ascii_lower_copy(buf, buf, strlen(buf)); /* in place */
    CU_ASSERT_STRING_EQUAL(buf, "api.example.com");
    char dst[4] = {0};
    ascii_lower_copy(dst, "X-Y", 3);
    CU_ASSERT_STRING_EQUAL(dst, "x-y");
    CU_ASSERT_TRUE(ascii_ieq("Content-Type", "content-TYPE", 12));
    CU_ASSERT_FALSE(ascii_ieq("Content-Type", "content-typf", 12));
    CU_ASSERT_FALSE(ascii_ieq("@", "`", 1)); /* differ by 0x20 but are not letters */
    CU_ASSERT_TRUE(ascii_ieq("", "x", 0));
}

static void test_deadline(void)
{
    struct timespec t0 = {100, 999000000L};
    struct timespec d = clock_add_ms(t0, 1500);
    CU_ASSERT_EQUAL(d.tv_sec, 102);
    CU_ASSERT_EQUAL(d.tv_nsec, 499000000L);
    d = clock_add_ms(t0, 1);
    CU_ASSERT_EQUAL(d.tv_sec, 101); /* carried into seconds */
    CU_ASSERT_EQUAL(d.tv_nsec, 0);
    d = clock_add_ms(t0, 0);
    CU_ASSERT_TRUE(clock_reached(t0, d)); /* a zero wait is already due */

    d = clock_add_ms(t0, 250);
    struct timespec before = {101, 248999999L}, at = {101, 249000000L}, after = {102, 0};
    CU_ASSERT_FALSE(clock_reached(before, d));
    CU_ASSERT_TRUE(clock_reached(at, d));
    CU_ASSERT_TRUE(clock_reached(after, d));
    struct timespec earlier_sec = {100, 999999999L};
    CU_ASSERT_FALSE(clock_reached(earlier_sec, d));

    CU_ASSERT_DOUBLE_EQUAL(clock_ms_between(t0, d), 250.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(clock_ms_between(d, t0), -250.0, 1e-6);

    /* The clock itself: a deadline in the past is due, one an hour away is not. */
    struct timespec now = clock_mono_now();
    CU_ASSERT_TRUE(clock_due(now));
    CU_ASSERT_FALSE(clock_due(clock_deadline_ms(3600 * 1000L)));
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"byte reader: integers, skip, borrowed slice", test_bytes_reads},
        {"byte reader: overrun is sticky", test_bytes_overrun_is_sticky},
        {"byte reader: length-prefixed sub-cursor", test_bytes_sub},
        {"gathering a header across feeds", test_bytes_gather},
        {"big-endian loads and stores", test_load_store},
        {"hex digits", test_hex},
        {"ASCII lower case", test_lower},
        {"deadlines from explicit times", test_deadline},
        {NULL, NULL},
    };
    return tu_run("common", cases);
}
