/* fuzz_decode.c - the packet decoder (capture/decode.c): a link-type selector, then
 * one frame. Every offset it reports is checked against the frame and read. */
#include <stddef.h>

#include "capture/decode.h"

static const int links[] = {DECODE_LINK_ETHERNET, DECODE_LINK_RAW, DECODE_LINK_SLL,
                            DECODE_LINK_SLL2, DECODE_LINK_IPV4, DECODE_LINK_IPV6,
                            DECODE_LINK_DLT_RAW, 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size || size > 0xffff)
        return 0;
    int link = links[data[0] % 8];
    struct decode_pkt p;
    struct decode_stats st = {0};
    enum decode_result r = decode_frame(link, data + 1, (uint32_t)(size - 1), &p, &st);
    if (r == DECODE_OK || r == DECODE_FRAG) {
        size_t l3 = p.l3_off, end = l3 + p.l3_len;
        if (end > size - 1 || (p.payload_len && l3 + p.payload_off + p.payload_len > end))
            __builtin_trap(); /* a range outside the frame */
        volatile uint8_t x = 0;
        for (size_t i = 0; i < p.payload_len; i++)
            x ^= data[1 + l3 + p.payload_off + i];
        (void)x;
    }
    return 0;
}
