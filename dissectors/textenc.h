/* textenc.h - text helpers shared by the dissectors (internal to dissectors/): URL
 * decoding, key=value list splitting, a tolerant JSON value walker.
 *
 * All of them work in place on a caller's writable buffer, so decoding never
 * allocates; a decoded value is never longer than its encoded form. They do not
 * validate (a body cut at the decompression cap is still walked as far as it goes). */
#ifndef LW_DISSECTORS_TEXTENC_H
#define LW_DISSECTORS_TEXTENC_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/dissect.h"

/* Called with a NUL-terminated key (borrowed, may be "") and a value. */
typedef void (*textenc_kv_fn)(void *arg, const char *key, const uint8_t *val, size_t len);
/* Called with up to TEXTENC_KV_BATCH pairs at a time, in order (borrowed). */
typedef void (*textenc_kvs_fn)(void *arg, const struct dissect_kv *kv, size_t n);
#define TEXTENC_KV_BATCH 32

/* What a value's bytes are as sent, OR-ed together (struct dissect_kv's vclass):
 * digits have no bit; TEXTENC_C_OTHER is any byte but a letter, digit or '.', so a
 * value with an escape ('%', or '+' in a form) always has it. */
enum { TEXTENC_C_LOWER = 16, TEXTENC_C_UPPER = 32, TEXTENC_C_DOT = 64, TEXTENC_C_OTHER = 128 };

/* Percent-decode buf[0..len) in place ('+' becomes a space when plus is set);
 * returns the decoded length. Invalid escapes are kept as they are. */
size_t textenc_url_decode(uint8_t *buf, size_t len, int plus);

/* Split buf[0..len) at sep ('&' for queries and forms, ';' for cookies; no other),
 * each item at the first '=', trim spaces around cookie items when trim is set,
 * URL-decode key and value in place, and call fn for each (an item without '=' has
 * key ""). The key is NUL-terminated in place where its '=' was. */
void textenc_kv_split(uint8_t *buf, size_t len, uint8_t sep, int trim, int plus,
                      textenc_kv_fn fn, void *arg);
/* The same, the pairs handed over in batches with their lengths and value classes.
 * A batch's pairs are all split (and decoded) before fn sees them. */
void textenc_kv_split_batch(uint8_t *buf, size_t len, uint8_t sep, int trim, int plus,
                            textenc_kvs_fn fn, void *arg);

/* Walk JSON text in place: each string or scalar value is unescaped and passed to fn
 * with the nearest enclosing object key ("" at the top level or unknown). Tolerates
 * truncation and junk; stops after max_values values. */
void textenc_json_walk(uint8_t *buf, size_t len, size_t max_values, textenc_kv_fn fn,
                       void *arg);

/* Undo JSON string escapes (\" \\ \/ \n \uXXXX with surrogate pairs ...) in buf[0..len)
 * in place, for text that was JSON-escaped once more than its own syntax needs;
 * returns the new length. */
size_t textenc_json_unescape_buf(uint8_t *buf, size_t len);

/* ASCII case-insensitive: does s[0..n) start with the NUL-terminated prefix p? */
int textenc_iprefix(const uint8_t *s, size_t n, const char *p);
/* ASCII case-insensitive search for NUL-terminated needle in s[0..n). */
int textenc_icontains(const uint8_t *s, size_t n, const char *needle);

#endif
