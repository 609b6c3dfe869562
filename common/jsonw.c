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

/* The comma and "key": before a value. Reserves `more` bytes beyond them. */
static int begin(struct jsonw *w, const char *key, size_t more)
{
    size_t kl = key ? strlen(key) : 0;
    if (jsonw_reserve(w, 1 + (key ? kl + 3 : 0) + more) < 0)
        return -1;
    char *p = w->buf + w->len;
    if (w->need_comma)
        *p++ = ',';
    if (key) {
        *p++ = '"';
        memcpy(p, key, kl);
        p += kl;
        *p++ = '"';
        *p++ = ':';
    }
    w->len = (size_t)(p - w->buf);
    w->need_comma = 1;
    return 0;
}

static void put_literal(struct jsonw *w, const char *key, const char *lit, size_t n)
{
    if (begin(w, key, n) == 0) {
        memcpy(w->buf + w->len, lit, n);
        w->len += n;
    }
}

void jsonw_obj_open(struct jsonw *w, const char *key)
{
    put_literal(w, key, "{", 1);
    w->need_comma = 0;
}

void jsonw_arr_open(struct jsonw *w, const char *key)
{
    put_literal(w, key, "[", 1);
    w->need_comma = 0;
}

void jsonw_obj_close(struct jsonw *w)
{
    w->need_comma = 0;
    put_literal(w, NULL, "}", 1);
}

void jsonw_arr_close(struct jsonw *w)
{
    w->need_comma = 0;
    put_literal(w, NULL, "]", 1);
}

void jsonw_null(struct jsonw *w, const char *key)
{
    put_literal(w, key, "null", 4);
}

void jsonw_bool(struct jsonw *w, const char *key, int v)
{
    if (v)
        put_literal(w, key, "true", 4);
    else
        put_literal(w, key, "false", 5);
}

/* "%lld" without snprintf, which cost ~800 instructions a number (callgrind). */
void jsonw_int(struct jsonw *w, const char *key, int64_t v)
{
    char b[24];
    char *p = ascii_u64_back(b + sizeof b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--p = '-';
    put_literal(w, key, p, (size_t)(b + sizeof b - p));
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
    put_literal(w, key, b, (size_t)n);
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
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    uint64_t below = (x - ones * 0x20) & ~x;
    uint64_t zero = ((q - ones) & ~q) | ((b - ones) & ~b);
    return ((x | below | zero) & high) != 0;
}

int jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s) {
        jsonw_null(w, key);
        return 0;
    }
    if (w->failed)
        return 0;
    size_t mark = w->len;
    int comma = w->need_comma;
    /* Worst case: every byte a \u00XX escape, and the quotes. */
    if (begin(w, key, 6 * n + 2) < 0)
        return 0;
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

int jsonw_str(struct jsonw *w, const char *key, const char *s)
{
    return jsonw_strn(w, key, s, s ? strlen(s) : 0);
}
