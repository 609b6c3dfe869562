/* Text event.c writes by hand, against libc as the oracle: event_ip() of an IPv4
 * address is exactly what inet_ntop() writes (every value of each octet, and random
 * addresses), and a buffer too small for it is refused the way inet_ntop refuses. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/event.h"
#include "tests/testutil.h"

static size_t differs(const uint8_t ip[4], size_t len)
{
    char ours[64], libc[64];
    memset(ours, 'X', sizeof ours);
    const char *o = event_ip(4, ip, ours, len);
    const char *l = inet_ntop(AF_INET, ip, libc, (socklen_t)len);
    if (!strcmp(o, l ? l : "?"))
        return 0;
    fprintf(stderr, "%u.%u.%u.%u in %zu bytes: \"%s\", libc \"%s\"\n", ip[0], ip[1], ip[2],
            ip[3], len, o, l ? l : "?");
    return 1;
}

static void test_ipv4(void)
{
    size_t bad = 0, n = 0;
    for (unsigned pos = 0; pos < 4; pos++)
        for (unsigned v = 0; v < 256; v++) {
            uint8_t ip[4] = {1, 20, 255, 0};
            ip[pos] = (uint8_t)v;
            bad += differs(ip, 46);
            n++;
        }
    uint32_t x = 0x12345678u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        uint8_t ip[4];
        memcpy(ip, &x, 4);
        bad += differs(ip, 16);
        n++;
    }
    /* "255.255.255.255" needs 16 bytes with its NUL; shorter buffers give "?". */
    static const uint8_t wide[4] = {255, 255, 255, 255}, narrow[4] = {1, 2, 3, 4};
    for (size_t len = 2; len <= 16; len++) {
        bad += differs(wide, len);
        bad += differs(narrow, len);
        n += 2;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(n, 1024 + 200000 + 30);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"IPv4 addresses as inet_ntop writes them", test_ipv4},
        {NULL, NULL}};
    return tu_run("event_text", cases);
}
