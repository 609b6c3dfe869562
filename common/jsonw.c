/* jsonw.c - see jsonw.h. */
#include "common/jsonw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"

void jsonw_init(struct jsonw *w)
{
    *w = (struct jsonw){0};
}

void jsonw_free(struct jsonw *w)
{
    free(w->buf);
    jsonw_init(w);
}

void jsonw_reset(struct jsonw *w)
{
    w->len = 0;
    w->failed = 0;
    w->need_comma = 0;
}

int jsonw_reserve(struct jsonw *w, size_t more)
{
    if (w->failed)
        return -1;
    if (w->cap - w->len >= more)
        return 0;
    size_t nc = w->cap ? w->cap : 4096;
    while (nc - w->len < more)
        nc *= 2;
    char *nb = realloc(w->buf, nc);
    if (!nb) {
        w->failed = 1;
        return -1;
    }
    w->buf = nb;
    w->cap = nc;
    return 0;
}

void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
    if (jsonw_reserve(w, n) < 0)
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void jsonw_obj_open(struct jsonw *w, const char *key)
{
    jsonw_literal_(w, key, "{", 1);
    w->need_comma = 0;
}

void jsonw_arr_open(struct jsonw *w, const char *key)
{
    jsonw_literal_(w, key, "[", 1);
    w->need_comma = 0;
}

void jsonw_obj_close(struct jsonw *w)
{
    w->need_comma = 0;
    jsonw_literal_(w, NULL, "}", 1);
}

void jsonw_arr_close(struct jsonw *w)
{
    w->need_comma = 0;
    jsonw_literal_(w, NULL, "]", 1);
}

void jsonw_real(struct jsonw *w, const char *key, double v, int precision)
{
    char b[64];
    if (!isfinite(v))
        return;
    int n = snprintf(b, sizeof b, "%.*g", precision, v);
    if (n < 0 || (size_t)n >= sizeof b - 3)
        return;
    if (!memchr(b, '.', (size_t)n) && !memchr(b, 'e', (size_t)n)) {
        b[n++] = '.';
        b[n++] = '0';
        b[n] = 0;
    }
    /* e+06 -> e6, e-07 -> e-7, as jansson. */
    char *e = memchr(b, 'e', (size_t)n);
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(b + n + 1 - end));
            n -= (int)(end - start);
        }
    }
    jsonw_literal_(w, key, b, (size_t)n);
}

/* Bytes in a sequence led by u, 0 for a byte that cannot lead one (jansson's
 * utf8_check_first). */
static size_t utf8_lead(unsigned char u)
{
    if (u < 0x80)
        return 1;
    if (u < 0xC2)
        return 0; /* continuation byte, or an overlong 2-byte lead */
    if (u < 0xE0)
        return 2;
    if (u < 0xF0)
        return 3;
    if (u < 0xF5)
        return 4;
    return 0;
}

/* Length of the valid sequence at s (at most n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t k = utf8_lead(s[0]);
    if (k <= 1 || k > n)
        return k > n ? 0 : k;
    uint32_t v = s[0] & (k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (k == 3 && v < 0x800) ||
        (k == 4 && v < 0x10000))
        return 0;
    return k;
}

int jsonw_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(u + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* Whether any of the 8 bytes in x needs more than a copy: a control byte, '"', '\\'
 * or a byte of a UTF-8 sequence (SWAR tests, exact as a yes or no). */
static int needs_escape8(uint64_t x)
{
    return ((x & ASCII_SWAR_HIGH) | ascii_swar_below(x, 0x20) | ascii_swar_has(x, '"') |
            ascii_swar_has(x, '\\')) != 0;
}

int jsonw_str_body_(struct jsonw *w, size_t mark, int comma, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    char *p = w->buf + w->len;
    *p++ = '"';
    for (size_t i = 0; i < n;) {
        /* Most strings are plain text: eight bytes are checked and copied at once. */
        if (n - i >= 8) {
            uint64_t x;
            memcpy(&x, u + i, 8);
            if (!needs_escape8(x)) {
                memcpy(p, &x, 8);
                p += 8;
                i += 8;
                continue;
            }
        }
        unsigned char c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *p++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_seq(u + i, n - i);
            if (!k) {
                w->len = mark;
                w->need_comma = comma;
                return -1;
            }
            memcpy(p, u + i, k);
            p += k;
            i += k;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            memcpy(p, "u00", 3);
            p[3] = hex[c >> 4];
            p[4] = hex[c & 15];
            p += 5;
        }
        i++;
    }
    *p++ = '"';
    w->len = (size_t)(p - w->buf);
    return 0;
}
