/* textenc.c - in-place URL decoding, key=value splitting and a tolerant JSON walker for
 * the dissectors. See textenc.h. Nothing here allocates or keeps state between calls. */
#include "dissectors/textenc.h"

#include <string.h>

#include "common/ascii.h"

#define TEXTENC_JSON_DEPTH 32

int textenc_iprefix(const uint8_t *s, size_t n, const char *p)
{
    size_t pl = strlen(p);
    return pl <= n && ascii_ieq(s, p, pl);
}

int textenc_icontains(const uint8_t *s, size_t n, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0 || nl > n)
        return nl == 0;
    /* Candidates by their first byte (memchr when it has no case: " HTTP/" in a
     * request line as long as its URL), the rest compared only there. */
    int first = ascii_lower((unsigned char)needle[0]);
    const uint8_t *p = s, *last = s + (n - nl);
    while (p <= last) {
        if (first < 'a' || first > 'z') {
            p = memchr(p, first, (size_t)(last - p) + 1);
            if (!p)
                return 0;
        } else if (ascii_lower(*p) != first) {
            p++;
            continue;
        }
        if (ascii_ieq(p + 1, needle + 1, nl - 1))
            return 1;
        p++;
    }
    return 0;
}

/* Bytes URL decoding changes: '%' always (bit 1), '+' in forms (bit 2). */
static const uint8_t url_special[256] = {['%'] = 1 | 2, ['+'] = 2};

size_t textenc_url_decode(uint8_t *buf, size_t len, int plus)
{
    /* Up to the first escape the output is the input: no byte needs writing. */
    const uint8_t stop = plus ? 2 : 1;
    size_t i = 0;
    while (i < len && !(url_special[buf[i]] & stop))
        i++;
    size_t o = i;
    for (; i < len; i++) {
        uint8_t c = buf[i];
        if (c == '%' && i + 2 < len) {
            int h = ascii_hexval(buf[i + 1]), l = ascii_hexval(buf[i + 2]);
            if (h >= 0 && l >= 0) {
                buf[o++] = (uint8_t)(h << 4 | l);
                i += 2;
                continue;
            }
        }
        buf[o++] = (plus && c == '+') ? ' ' : c;
    }
    return o;
}

/* What the form splitter stops at: a separator it may be given (bit 1), '=' (bit 2),
 * and bytes URL decoding would change (url_special's bits, shifted); and, in the high
 * bits, the byte's class (TEXTENC_C_*). Letters, digits and '.' stop nothing and cost
 * one lookup. */
enum { KV_SEP = 1, KV_EQ = 2, KV_ESC_SHIFT = 2, KV_STOP = 15 };
#define O TEXTENC_C_OTHER
static const uint8_t kv_class[256] = {
    [0x00 ... 0x24] = O, ['%'] = (1 | 2) << KV_ESC_SHIFT | O, ['&'] = KV_SEP | O,
    [0x27 ... 0x2a] = O, ['+'] = 2 << KV_ESC_SHIFT | O,       [0x2c ... 0x2d] = O,
    ['.'] = TEXTENC_C_DOT, ['/'] = O,                          [':'] = O,
    [';'] = KV_SEP | O,  ['<'] = O,                            ['='] = KV_EQ | O,
    [0x3e ... 0x40] = O, ['A' ... 'Z'] = TEXTENC_C_UPPER,      [0x5b ... 0x60] = O,
    ['a' ... 'z'] = TEXTENC_C_LOWER,                           [0x7b ... 0xff] = O,
};
#undef O

/* One pass per item finds its '=', whether its key or value has an escape (most have
 * none: an SDK's tokens are plain, and those skip the decoder), and the classes of
 * its value's bytes. */
void textenc_kv_split_batch(uint8_t *buf, size_t len, uint8_t sep, int trim, int plus,
                            textenc_kvs_fn fn, void *arg)
{
    const uint8_t esc = (plus ? 2 : 1) << KV_ESC_SHIFT;
    struct dissect_kv kv[TEXTENC_KV_BATCH];
    size_t n = 0, i = 0;
    while (i < len) {
        size_t s = i, keq = len;
        int kesc = 0, vesc = 0;   /* an escape before (or without) '=', after it */
        unsigned m = 0;           /* classes of the bytes after '=' (all, without one) */
        unsigned kcls = 0;        /* and of those before it */
        for (; i < len; i++) {
            uint8_t k = kv_class[buf[i]];
            if (!(k & KV_STOP)) {
                m |= k;
                continue;
            }
            if ((k & KV_SEP) && buf[i] == sep)
                break;
            if ((k & KV_EQ) && keq == len) {
                keq = i;
                kcls = m;
                m = 0;
                continue;
            }
            m |= TEXTENC_C_OTHER;
            if (k & esc)
                *(keq == len ? &kesc : &vesc) = 1;
        }
        size_t e = i; /* item is buf[s..e) */
        i++;          /* past the separator */
        if (trim) {
            while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
                s++;
            while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t'))
                e--;
        }
        if (s == e)
            continue;
        struct dissect_kv *x = &kv[n];
        if (keq == len) {
            x->key = "";
            x->klen = 0;
            x->val = buf + s;
            x->vlen = (uint32_t)(kesc ? textenc_url_decode(buf + s, e - s, plus) : e - s);
        } else {
            size_t kl = kesc ? textenc_url_decode(buf + s, keq - s, plus) : keq - s;
            /* The decoded key ends at or before '=', so terminating it there is safe. A
             * key is a C string to everything after this: one with a NUL byte (sent, or
             * "%00") ends there. */
            buf[s + kl] = 0;
            x->key = (const char *)buf + s;
            x->klen = (uint32_t)(kesc || (kcls & TEXTENC_C_OTHER) ? strlen(x->key) : kl);
            x->val = buf + keq + 1;
            x->vlen = (uint32_t)(vesc ? textenc_url_decode(buf + keq + 1, e - keq - 1, plus)
                                      : e - keq - 1);
        }
        x->vclass = (uint8_t)m;
        if (++n == TEXTENC_KV_BATCH) {
            fn(arg, kv, n);
            n = 0;
        }
    }
    if (n)
        fn(arg, kv, n);
}

struct kv_each {
    textenc_kv_fn fn;
    void *arg;
};

static void kv_each(void *arg, const struct dissect_kv *kv, size_t n)
{
    const struct kv_each *e = arg;
    for (size_t i = 0; i < n; i++)
        e->fn(e->arg, kv[i].key, kv[i].val, kv[i].vlen);
}

void textenc_kv_split(uint8_t *buf, size_t len, uint8_t sep, int trim, int plus,
                      textenc_kv_fn fn, void *arg)
{
    struct kv_each e = {fn, arg};
    textenc_kv_split_batch(buf, len, sep, trim, plus, kv_each, &e);
}

/* Append code point cp as UTF-8 at buf[*o]; the caller guarantees room (a \uXXXX
 * escape is 6 bytes and its UTF-8 at most 3, a surrogate pair 12 and 4). */
static void textenc_put_utf8(uint8_t *buf, size_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        buf[(*o)++] = (uint8_t)cp;
    } else if (cp < 0x800) {
        buf[(*o)++] = (uint8_t)(0xc0 | cp >> 6);
        buf[(*o)++] = (uint8_t)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        buf[(*o)++] = (uint8_t)(0xe0 | cp >> 12);
        buf[(*o)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*o)++] = (uint8_t)(0x80 | (cp & 0x3f));
    } else {
        buf[(*o)++] = (uint8_t)(0xf0 | cp >> 18);
        buf[(*o)++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        buf[(*o)++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*o)++] = (uint8_t)(0x80 | (cp & 0x3f));
    }
}

static int textenc_hex4(const uint8_t *p, size_t avail, uint32_t *out)
{
    if (avail < 4)
        return 0;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = ascii_hexval(p[k]);
        if (h < 0)
            return 0;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return 1;
}

/* Unescape the JSON string body buf[s..e) in place; returns the new length. */
static size_t textenc_json_unescape(uint8_t *buf, size_t s, size_t e)
{
    size_t o = s;
    for (size_t i = s; i < e; i++) {
        uint8_t c = buf[i];
        if (c != '\\' || i + 1 >= e) {
            buf[o++] = c;
            continue;
        }
        uint8_t n = buf[++i];
        switch (n) {
        case 'b': buf[o++] = '\b'; break;
        case 'f': buf[o++] = '\f'; break;
        case 'n': buf[o++] = '\n'; break;
        case 'r': buf[o++] = '\r'; break;
        case 't': buf[o++] = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (!textenc_hex4(buf + i + 1, e - i - 1, &cp)) {
                buf[o++] = '\\';
                buf[o++] = 'u';
                break;
            }
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < e && buf[i + 1] == '\\' &&
                buf[i + 2] == 'u' && textenc_hex4(buf + i + 3, e - i - 3, &lo) &&
                lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
            textenc_put_utf8(buf, &o, cp);
            break;
        }
        default: buf[o++] = n; break; /* \" \\ \/ and unknown escapes */
        }
    }
    return o - s;
}

size_t textenc_json_unescape_buf(uint8_t *buf, size_t len)
{
    return textenc_json_unescape(buf, 0, len);
}

/* Index of the quote closing the string that starts at s (len if unterminated): the
 * first '"' not escaped by an odd run of backslashes. */
static size_t textenc_json_string_end(const uint8_t *buf, size_t s, size_t len)
{
    size_t e = s;
    while (e < len) {
        const uint8_t *q = memchr(buf + e, '"', len - e);
        if (!q)
            return len;
        size_t qi = (size_t)(q - buf), bs = 0;
        while (qi - bs > s && buf[qi - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0)
            return qi;
        e = qi + 1;
    }
    return len;
}

void textenc_json_walk(uint8_t *buf, size_t len, size_t max_values, textenc_kv_fn fn,
                       void *arg)
{
    const char *stack[TEXTENC_JSON_DEPTH];
    size_t depth = 0, nvals = 0;
    const char *key = "";
    size_t i = 0;
    while (i < len && nvals < max_values) {
        uint8_t c = buf[i];
        if (c == '"') {
            size_t s = i + 1, e = textenc_json_string_end(buf, s, len);
            size_t next = e + 1;
            size_t j = next;
            while (j < len && (buf[j] == ' ' || buf[j] == '\t' || buf[j] == '\r' ||
                               buf[j] == '\n'))
                j++;
            size_t ul = memchr(buf + s, '\\', e - s) ? textenc_json_unescape(buf, s, e) : e - s;
            if (j < len && buf[j] == ':') {
                /* The unescaped key ends at or before the closing quote. */
                buf[s + ul] = 0;
                key = (const char *)buf + s;
            } else {
                fn(arg, key, buf + s, ul);
                nvals++;
            }
            i = next;
        } else if (c == '{' || c == '[') {
            if (depth < TEXTENC_JSON_DEPTH)
                stack[depth] = key;
            depth++;
            i++;
        } else if (c == '}' || c == ']') {
            if (depth > 0 && --depth < TEXTENC_JSON_DEPTH)
                key = stack[depth];
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t s = i;
            while (i < len && (buf[i] == '-' || buf[i] == '+' || buf[i] == '.' ||
                               buf[i] == 'e' || buf[i] == 'E' ||
                               (buf[i] >= '0' && buf[i] <= '9')))
                i++;
            fn(arg, key, buf + s, i - s);
            nvals++;
        } else {
            i++;
        }
    }
}
