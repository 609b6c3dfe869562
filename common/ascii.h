/* ascii.h - locale-free ASCII helpers for protocol text: hex digits, case, and
 * unsigned decimal numbers written out.
 *
 * Protocol names and hex are ASCII whatever the process locale says, so these never
 * call <ctype.h> (whose answers change with setlocale and are undefined for negative
 * char values). Bytes outside A-Z are left as they are, including UTF-8.
 *
 * Deliberately not here: Unicode case folding, number parsing beyond one digit. */
#ifndef LW_COMMON_ASCII_H
#define LW_COMMON_ASCII_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
static inline int ascii_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode the 2*n hex digits at s into out[0..n); 0, or -1 at the first bad digit
 * (out is then partly written). */
static inline int ascii_unhex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int a = ascii_hexval((unsigned char)s[2 * i]);
        int b = ascii_hexval((unsigned char)s[2 * i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return 0;
}

static inline int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* dst[i] = lower-case of src[i] for n bytes; dst may equal src. No terminator added. */
static inline void ascii_lower_copy(char *dst, const void *src, size_t n)
{
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)ascii_lower(s[i]);
}

/* v in decimal, written backwards so that it ends just before end (room for 20 digits
 * is enough); returns where it starts. What snprintf("%llu") gives, at a fraction of
 * its cost on the paths that print a number per event or per command. */
static inline char *ascii_u64_back(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* Do a[0..n) and b[0..n) match, ignoring ASCII case? */
static inline int ascii_ieq(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(x[i]) != ascii_lower(y[i]))
            return 0;
    return 1;
}

/* Eight bytes at once (SWAR), for scans that skip plain text a word at a time: nonzero
 * when some byte of x is below n (n at most 0x80), or equal to c. Exact as a yes or no
 * for the word; which byte it was is not told. */
#define ASCII_SWAR_ONES 0x0101010101010101u
#define ASCII_SWAR_HIGH 0x8080808080808080u
static inline uint64_t ascii_swar_below(uint64_t x, uint8_t n)
{
    return (x - ASCII_SWAR_ONES * n) & ~x & ASCII_SWAR_HIGH;
}

static inline uint64_t ascii_swar_has(uint64_t x, uint8_t c)
{
    uint64_t d = x ^ (ASCII_SWAR_ONES * c);
    return (d - ASCII_SWAR_ONES) & ~d & ASCII_SWAR_HIGH;
}

#endif
