/* jsonw.h - a small JSON text writer that appends to a growable buffer the caller owns.
 *
 * It writes exactly what jansson's compact dump (JSON_COMPACT | JSON_PRESERVE_ORDER |
 * JSON_REAL_PRECISION(p)) writes for the same object, so events keep their bytes (and
 * their event_id, a hash of those bytes) now that the hot path no longer builds jansson
 * objects (issue 16):
 *  - strings: '"' and '\' escaped, \b \f \n \r \t, other bytes below 0x20 as \u00XX
 *    (upper-case hex), everything else (DEL, non-ASCII, U+2028) as is;
 *  - a string that is not valid UTF-8 (jansson's test: no overlong forms, surrogates,
 *    or code points past U+10FFFF) is not written at all, and neither is its key: that
 *    is what json_object_set_new(o, k, json_string(bad)) does, the key is never added;
 *  - integers as signed 64-bit ("%lld"); reals as "%.*g" with ".0" appended when the
 *    text has neither '.' nor 'e', the exponent without '+' or leading zeros; a NaN or
 *    infinity is not written (json_real() refuses them).
 * Commas are placed by the writer; keys are trusted (constant ASCII, not escaped).
 * Deliberately not done: pretty printing, parsing, checking that containers balance.
 *
 * Memory: the buffer grows with realloc. On failure `failed` is set and later calls do
 * nothing, so a caller checks once at the end. */
#ifndef LW_COMMON_JSONW_H
#define LW_COMMON_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jsonw {
    char *buf;       /* owned by the writer: jsonw_free() */
    size_t len, cap;
    int failed;      /* an allocation failed; the text is incomplete */
    int need_comma;  /* the next member or element follows another */
};

/* An empty writer; {0} is one too. */
void jsonw_init(struct jsonw *w);
/* Frees the buffer and leaves an empty writer; fine on an empty one. */
void jsonw_free(struct jsonw *w);
/* Empty the text but keep the buffer. */
void jsonw_reset(struct jsonw *w);
/* Make room for `more` bytes. 0, or -1 (and failed set). */
int jsonw_reserve(struct jsonw *w, size_t more);
/* Append bytes as they are (a newline between lines, an already written value). */
void jsonw_raw(struct jsonw *w, const char *s, size_t n);

/* In every call below, key is the member name inside an object, NULL for an array
 * element or the top level.
 *
 * The calls that place a key are inline: nearly every key is a string literal, and
 * inlined, its length and its copy are settled at compile time. A flow event is about
 * thirty members, and the comma, key and buffer check were half of each one's cost
 * (issue 16). */
void jsonw_obj_open(struct jsonw *w, const char *key);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w, const char *key);
void jsonw_arr_close(struct jsonw *w);
/* s NULL: null. Returns 0, or -1 when s is not valid UTF-8 (nothing written). */
static inline int jsonw_str(struct jsonw *w, const char *key, const char *s);
static inline int jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t n);
static inline void jsonw_int(struct jsonw *w, const char *key, int64_t v);
/* precision: significant digits, 1..17 (jansson's JSON_REAL_PRECISION). */
void jsonw_real(struct jsonw *w, const char *key, double v, int precision);
static inline void jsonw_bool(struct jsonw *w, const char *key, int v);
static inline void jsonw_null(struct jsonw *w, const char *key);

/* ---- the inline calls; names ending in '_' are their parts, not for callers ---- */

/* Inlined even where GCC would not: a key's length is only a constant where the call is. */
#define JSONW_INLINE static inline __attribute__((always_inline))

/* The comma and "key": before a value, with room for `more` bytes after them. Returns
 * where the value goes (w->len is already past the key), or NULL once failed. */
JSONW_INLINE char *jsonw_key_(struct jsonw *w, const char *key, size_t more)
{
    size_t kl = key ? strlen(key) : 0;
    size_t need = 1 + (key ? kl + 3 : 0) + more;
    if (w->failed || (w->cap - w->len < need && jsonw_reserve(w, need) < 0))
        return NULL;
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
    return p;
}

JSONW_INLINE void jsonw_literal_(struct jsonw *w, const char *key, const char *lit, size_t n)
{
    char *p = jsonw_key_(w, key, n);
    if (p) {
        memcpy(p, lit, n);
        w->len += n;
    }
}

/* The quoted, escaped string s[0..n) at the end of w, whose text before the key was
 * mark bytes long and needed a comma or not: on invalid UTF-8 that is restored. */
int jsonw_str_body_(struct jsonw *w, size_t mark, int comma, const char *s, size_t n);

JSONW_INLINE int jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t n)
{
    if (!s) {
        jsonw_null(w, key);
        return 0;
    }
    size_t mark = w->len;
    int comma = w->need_comma;
    /* Worst case: every byte a \u00XX escape, and the quotes. */
    if (!jsonw_key_(w, key, 6 * n + 2))
        return 0;
    return jsonw_str_body_(w, mark, comma, s, n);
}

JSONW_INLINE int jsonw_str(struct jsonw *w, const char *key, const char *s)
{
    return jsonw_strn(w, key, s, s ? strlen(s) : 0);
}

/* "%lld" without snprintf, which cost ~800 instructions a number (callgrind). */
JSONW_INLINE void jsonw_int(struct jsonw *w, const char *key, int64_t v)
{
    char *p = jsonw_key_(w, key, 20);
    if (!p)
        return;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = v < 0, digits = 1;
    for (uint64_t t = u; t >= 10; t /= 10)
        digits++;
    n += digits;
    if (v < 0)
        *p = '-';
    char *e = p + n;
    do {
        *--e = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    w->len += n;
}

JSONW_INLINE void jsonw_bool(struct jsonw *w, const char *key, int v)
{
    if (v)
        jsonw_literal_(w, key, "true", 4);
    else
        jsonw_literal_(w, key, "false", 5);
}

JSONW_INLINE void jsonw_null(struct jsonw *w, const char *key)
{
    jsonw_literal_(w, key, "null", 4);
}

/* 1 when s[0..n) is UTF-8 as jansson accepts it. */
int jsonw_utf8_valid(const char *s, size_t n);

#endif
