/* base64.c - see base64.h. */
#include "common/base64.h"

int base64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

long base64_decode(const uint8_t *s, size_t n, uint8_t *out)
{
    uint32_t acc = 0;
    size_t bits = 0, k = 0, sig = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=')
            break;
        int v = base64_value(c);
        if (v < 0)
            return -1;
        sig++;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return sig % 4 == 1 ? -1 : (long)k;
}
