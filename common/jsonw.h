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
 * element or the top level. */
void jsonw_obj_open(struct jsonw *w, const char *key);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w, const char *key);
void jsonw_arr_close(struct jsonw *w);
/* s NULL: null. Returns 0, or -1 when s is not valid UTF-8 (nothing written). */
int jsonw_str(struct jsonw *w, const char *key, const char *s);
int jsonw_strn(struct jsonw *w, const char *key, const char *s, size_t n);
void jsonw_int(struct jsonw *w, const char *key, int64_t v);
/* precision: significant digits, 1..17 (jansson's JSON_REAL_PRECISION). */
void jsonw_real(struct jsonw *w, const char *key, double v, int precision);
void jsonw_bool(struct jsonw *w, const char *key, int v);
void jsonw_null(struct jsonw *w, const char *key);

/* 1 when s[0..n) is UTF-8 as jansson accepts it. */
int jsonw_utf8_valid(const char *s, size_t n);

#endif
