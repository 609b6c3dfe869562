/* test_dissectors_textenc.c - the form splitter (dissectors/textenc.h) against a plain
 * reference written here from its contract: split at sep, trim, first '=', URL-decode,
 * and the value's byte classes. Random inputs over the bytes that matter. */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "dissectors/textenc.h"
#include "tests/testutil.h"

struct pair {
    char key[128];
    uint8_t val[128];
    size_t klen, vlen;
    unsigned vclass;
};

struct pairs {
    struct pair p[128];
    size_t n;
    int batches_over;   /* a batch larger than TEXTENC_KV_BATCH was handed over */
    size_t batches;
};

static size_t ref_decode(const uint8_t *s, size_t n, int plus, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = ascii_hexval(s[i + 1])) >= 0 &&
            (l = ascii_hexval(s[i + 2])) >= 0) {
            out[o++] = (uint8_t)(h << 4 | l);
            i += 2;
        } else {
            out[o++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    return o;
}

static unsigned ref_class(const uint8_t *s, size_t n)
{
    unsigned m = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        m |= c >= 'a' && c <= 'z'   ? TEXTENC_C_LOWER
             : c >= 'A' && c <= 'Z' ? TEXTENC_C_UPPER
             : c == '.'             ? TEXTENC_C_DOT
             : c >= '0' && c <= '9' ? 0u
                                    : TEXTENC_C_OTHER;
    }
    return m;
}

static void reference(const uint8_t *buf, size_t len, uint8_t sep, int trim, int plus,
                      struct pairs *out)
{
    out->n = 0;
    for (size_t s = 0; s <= len;) {
        const uint8_t *e = memchr(buf + s, sep, len - s);
        size_t end = e ? (size_t)(e - buf) : len, a = s, b = end;
        if (trim) {
            while (a < b && (buf[a] == ' ' || buf[a] == '\t'))
                a++;
            while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t'))
                b--;
        }
        if (a < b) {
            struct pair *p = &out->p[out->n++];
            const uint8_t *eq = memchr(buf + a, '=', b - a);
            size_t vs = eq ? (size_t)(eq - buf) + 1 : a, cs = eq ? vs : s;
            size_t kl = eq ? ref_decode(buf + a, (size_t)(eq - buf) - a, plus, (uint8_t *)p->key) : 0;
            p->key[kl] = 0;
            p->klen = strlen(p->key);   /* a key is a C string: "%00" ends it */
            p->vlen = ref_decode(buf + vs, b - vs, plus, p->val);
            /* classes of the value's bytes as sent, untrimmed, up to the separator */
            p->vclass = ref_class(buf + cs, end - cs);
        }
        s = end + 1;
    }
}

static void collect(void *arg, const struct dissect_kv *kv, size_t n)
{
    struct pairs *out = arg;
    out->batches++;
    out->batches_over |= n > TEXTENC_KV_BATCH;
    for (size_t i = 0; i < n && out->n < 128; i++) {
        struct pair *p = &out->p[out->n++];
        p->klen = kv[i].klen;
        memcpy(p->key, kv[i].key, kv[i].klen + 1);   /* with its NUL */
        p->vlen = kv[i].vlen;
        memcpy(p->val, kv[i].val, kv[i].vlen);
        p->vclass = kv[i].vclass;
    }
}

static void collect_one(void *arg, const char *key, const uint8_t *val, size_t len)
{
    struct pairs *out = arg;
    struct pair *p = &out->p[out->n++];
    p->klen = strlen(key);
    memcpy(p->key, key, p->klen + 1);
    p->vlen = len;
    memcpy(p->val, val, len);
}

static void t_split_against_reference(void)
{
    static const char alphabet[] = "aZ9.&;=%+ \t-_/{2F3d0";
    uint64_t x = 0x9e3779b97f4a7c15ull;
    size_t pairs = 0, plain = 0;
    for (int round = 0; round < 200000; round++) {
        uint8_t in[120], a[120], b[120];
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = x % sizeof in;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[i] = (x & 63) == 1  ? 0
                    : (x & 15) == 0 ? (uint8_t)(0x80 + (x >> 8) % 128)
                                  : (uint8_t)alphabet[(x >> 8) % (sizeof alphabet - 1)];
        }
        uint8_t sep = round & 1 ? ';' : '&';
        int trim = (round >> 1) & 1, plus = (round >> 2) & 1;
        struct pairs want, got = {0}, one = {0};
        memcpy(a, in, len);
        memcpy(b, in, len);
        reference(in, len, sep, trim, plus, &want);
        textenc_kv_split_batch(a, len, sep, trim, plus, collect, &got);
        textenc_kv_split(b, len, sep, trim, plus, collect_one, &one);
        CU_ASSERT_FALSE(got.batches_over);
        CU_ASSERT_EQUAL_FATAL(got.n, want.n);
        CU_ASSERT_EQUAL_FATAL(one.n, want.n);
        for (size_t i = 0; i < want.n; i++) {
            const struct pair *w = &want.p[i], *g = &got.p[i], *o = &one.p[i];
            CU_ASSERT(g->klen == w->klen && !memcmp(g->key, w->key, w->klen + 1));
            CU_ASSERT(g->vlen == w->vlen && !memcmp(g->val, w->val, w->vlen));
            CU_ASSERT(o->klen == w->klen && !strcmp(o->key, w->key));
            CU_ASSERT(o->vlen == w->vlen && !memcmp(o->val, w->val, w->vlen));
            CU_ASSERT_EQUAL(g->vclass, w->vclass);
            plain += !(g->vclass & TEXTENC_C_OTHER);
        }
        pairs += want.n;
    }
    /* The inputs reached the cases: many pairs, plain values among them. */
    CU_ASSERT(pairs > 500000);
    CU_ASSERT(plain > 50000);
}

/* More pairs than one batch: handed over in order, none lost at a batch's edge. */
static void t_batches_in_order(void)
{
    char buf[4096];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%sk%d=v%d", i ? "&" : "", i, i);
    struct pairs got = {0};
    textenc_kv_split_batch((uint8_t *)buf, n, '&', 0, 1, collect, &got);
    CU_ASSERT_EQUAL_FATAL(got.n, 100);
    CU_ASSERT_EQUAL(got.batches, (100 + TEXTENC_KV_BATCH - 1) / TEXTENC_KV_BATCH);
    for (int i = 0; i < 100; i++) {
        char k[16], v[16];
        snprintf(k, sizeof k, "k%d", i);
        snprintf(v, sizeof v, "v%d", i);
        CU_ASSERT(!strcmp(got.p[i].key, k));
        CU_ASSERT(got.p[i].vlen == strlen(v) && !memcmp(got.p[i].val, v, strlen(v)));
        CU_ASSERT_EQUAL(got.p[i].vclass, TEXTENC_C_LOWER);
    }
}

/* The case-insensitive search against the plain one: every position compared whole.
 * Random haystacks over a few letters of both cases, spaces and '/', so that needles
 * (with and without a letter first, of every length up to the haystack's and past it)
 * are found, near-missed and missed at the very ends. */
static int ref_icontains(const uint8_t *s, size_t n, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; nl <= n && i + nl <= n; i++)
        if (ascii_ieq(s + i, needle, nl))
            return 1;
    return 0;
}

static void t_icontains_against_reference(void)
{
    static const char alphabet[] = "aAbBtTpP /h";
    static const char *needles[] = {"", "a", " ", "/", "ab", " http/", "HTTP/", "tp/",
                                    "bab", "aaaa", "p p", "chunked", "/ /"};
    srand(7);
    size_t bad = 0, found = 0;
    for (int round = 0; round < 100000; round++) {
        uint8_t h[24];
        size_t n = (size_t)rand() % sizeof h;
        for (size_t i = 0; i < n; i++)
            h[i] = (uint8_t)alphabet[rand() % (int)(sizeof alphabet - 1)];
        const char *nd = needles[(size_t)rand() % (sizeof needles / sizeof *needles)];
        int want = ref_icontains(h, n, nd);
        found += want;
        bad += textenc_icontains(h, n, nd) != want;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(found > 20000 && found < 80000); /* both answers were exercised */
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"form splitter against a reference, 200,000 random inputs", t_split_against_reference},
        {"more pairs than a batch, in order", t_batches_in_order},
        {"case-insensitive search against a reference", t_icontains_against_reference},
        {NULL, NULL},
    };
    return tu_run("dissectors/textenc", cases);
}
