/* common/jsonw.c against two independent oracles:
 *  - jansson itself: for random and hand-picked byte strings, integers and reals, the
 *    writer's text must equal json_dumpb() of the same object with the flags the sink
 *    used (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)), including the
 *    member jansson leaves out when a string is not valid UTF-8;
 *  - python3's json module: every written string decodes back to its bytes, and the
 *    strings refused are exactly those python's strict UTF-8 decoder refuses. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "tests/testutil.h"

#define FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* {"a":1,"s":<s>,"z":null} both ways; 1 when the texts are equal. */
static int same_as_jansson(const char *s, size_t n, int *refused)
{
    json_t *o = json_object();
    json_object_set_new(o, "a", json_integer(1));
    json_object_set_new(o, "s", json_stringn(s, n)); /* NULL: key not added */
    json_object_set_new(o, "z", json_null());
    char ref[8192];
    size_t rl = json_dumpb(o, ref, sizeof ref, FLAGS);
    json_decref(o);
    struct jsonw w = {0};
    jsonw_obj_open(&w, NULL);
    jsonw_int(&w, "a", 1);
    *refused = jsonw_strn(&w, "s", s, n) < 0;
    jsonw_null(&w, "z");
    jsonw_obj_close(&w);
    int ok = rl > 0 && rl == w.len && !memcmp(ref, w.buf, rl);
    if (!ok)
        fprintf(stderr, "jansson %.*s\njsonw   %.*s\n", (int)rl, ref, (int)w.len, w.buf);
    jsonw_free(&w);
    return ok;
}

static const char *const fixed[] = {
    "", "plain", "quote\" back\\ slash/", "\b\f\n\r\t", "\x01\x1f\x7f", "caf\xc3\xa9",
    "\xe2\x80\xa8 line sep", "\xf0\x9f\x98\x80 emoji", "\xc0\x80 overlong nul",
    "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 too big",
    "\xf5\x80\x80\x80", "\xff", "\x80 lone continuation", "trunc \xe2\x82", "\xf0\x9f\x98",
    "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xdf\xbf", "\xe0\xa0\x80",
};

static void test_fixed_strings(void)
{
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        int refused;
        CU_ASSERT(same_as_jansson(fixed[i], strlen(fixed[i]), &refused));
    }
    int refused;
    CU_ASSERT(same_as_jansson("a\0b", 3, &refused)); /* NUL inside: \u0000 */
    CU_ASSERT_FALSE(refused);
    CU_ASSERT(same_as_jansson("\xed\xa0\x80", 3, &refused));
    CU_ASSERT(refused);
}

/* Random strings biased towards the interesting bytes. */
static size_t random_string(char *b, size_t max)
{
    static const unsigned char pick[] = {0x00, 0x01, 0x08, 0x0a, 0x1f, 0x20, '"', '\\', '/',
                                         'a', 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed,
                                         0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f};
    size_t n = rnd() % max;
    for (size_t i = 0; i < n; i++)
        b[i] = (char)(rnd() % 3 ? pick[rnd() % sizeof pick] : rnd() & 0xff);
    return n;
}

static void test_random_strings(void)
{
    char b[64];
    int bad = 0, refused_some = 0, accepted_some = 0;
    for (int i = 0; i < 200000; i++) {
        size_t n = random_string(b, sizeof b);
        int refused;
        if (!same_as_jansson(b, n, &refused) && ++bad > 5)
            break;
        refused_some += refused;
        accepted_some += !refused;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(refused_some > 1000);
    CU_ASSERT(accepted_some > 1000);
}

/* Plain runs, which the writer checks and copies eight bytes at a time: one byte of
 * every value at every place of a 24-byte plain string, and a two-byte UTF-8 sequence
 * at every place, straddling each eight-byte boundary once. */
static void test_plain_runs(void)
{
    char b[24];
    int bad = 0, refused, refused_some = 0;
    for (size_t at = 0; at < sizeof b; at++) {
        for (int v = 0; v < 256; v++) {
            memset(b, 'a' + (int)(at % 26), sizeof b);
            b[at] = (char)v;
            bad += !same_as_jansson(b, sizeof b, &refused);
            refused_some += refused;
        }
        if (at + 1 < sizeof b) {
            memset(b, 'x', sizeof b);
            b[at] = (char)0xc3;
            b[at + 1] = (char)0xa9;
            bad += !same_as_jansson(b, sizeof b, &refused);
            CU_ASSERT_FALSE(refused);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(refused_some > 0);
}

static void test_numbers(void)
{
    static const double reals[] = {0.9, 1, 0, -0.0, 0.5, 0.95, 1234567.5, 0.1234567, 1e-7,
                                   1.234e-5, 1e20, 1e300, -2.5e-300, 0.333333333, 99999.95,
                                   999999.5, 1e6, 123456, NAN, INFINITY};
    static const int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 1008407573160496};
    for (int k = 0; k < 20000 + (int)(sizeof reals / sizeof reals[0]); k++) {
        double d;
        if (k < (int)(sizeof reals / sizeof reals[0])) {
            d = reals[k];
        } else {
            uint64_t bits = ((uint64_t)rnd() << 32) | rnd();
            memcpy(&d, &bits, sizeof d);
            if (k % 2)
                d = (double)(rnd() % 100000) / (rnd() % 1000 + 1);
        }
        json_t *o = json_object();
        json_object_set_new(o, "r", json_real(d)); /* NaN, inf: refused, key absent */
        json_object_set_new(o, "i", json_integer(k < 6 ? ints[k] : (json_int_t)rnd() - 7));
        char ref[256];
        size_t rl = json_dumpb(o, ref, sizeof ref, FLAGS);
        struct jsonw w = {0};
        jsonw_obj_open(&w, NULL);
        jsonw_real(&w, "r", d, 6);
        jsonw_int(&w, "i", json_integer_value(json_object_get(o, "i")));
        jsonw_obj_close(&w);
        json_decref(o);
        CU_ASSERT(rl == w.len && !memcmp(ref, w.buf, rl));
        if (!(rl == w.len && !memcmp(ref, w.buf, rl)))
            fprintf(stderr, "jansson %.*s\njsonw   %.*s\n", (int)rl, ref, (int)w.len, w.buf);
        jsonw_free(&w);
    }
}

static void test_nesting(void)
{
    json_t *o = json_object(), *a = json_array(), *in = json_object();
    json_object_set_new(o, "t", json_true());
    json_array_append_new(a, json_integer(10));
    json_array_append_new(a, json_stringn("\xff", 1)); /* refused: element left out */
    json_array_append_new(a, json_string("x"));
    json_object_set_new(o, "a", a);
    json_object_set_new(o, "e", json_array());
    json_object_set_new(o, "o", in);
    json_object_set_new(in, "f", json_false());
    json_object_set_new(o, "end", json_string("y"));
    char ref[256];
    size_t rl = json_dumpb(o, ref, sizeof ref, FLAGS);
    json_decref(o);
    struct jsonw w = {0};
    jsonw_obj_open(&w, NULL);
    jsonw_bool(&w, "t", 1);
    jsonw_arr_open(&w, "a");
    jsonw_int(&w, NULL, 10);
    CU_ASSERT_EQUAL(jsonw_strn(&w, NULL, "\xff", 1), -1);
    jsonw_str(&w, NULL, "x");
    jsonw_arr_close(&w);
    jsonw_arr_open(&w, "e");
    jsonw_arr_close(&w);
    jsonw_obj_open(&w, "o");
    jsonw_bool(&w, "f", 0);
    jsonw_obj_close(&w);
    jsonw_str(&w, "end", "y");
    jsonw_obj_close(&w);
    CU_ASSERT_EQUAL(w.len, rl);
    CU_ASSERT(rl == w.len && !memcmp(ref, w.buf, rl));
    CU_ASSERT_FALSE(w.failed);
    jsonw_reset(&w);
    CU_ASSERT_EQUAL(w.len, 0);
    jsonw_free(&w);
}

/* python3 decodes what was written back to the original bytes, and refuses to decode
 * (as UTF-8) exactly the inputs the writer refused. */
static void test_python_roundtrip(void)
{
    FILE *f = fopen(tu_path("strings.jsonl"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char b[48];
    for (int i = 0; i < 20000; i++) {
        size_t n = i < (int)(sizeof fixed / sizeof fixed[0]) ? strlen(fixed[i])
                                                             : random_string(b, sizeof b);
        const char *s = i < (int)(sizeof fixed / sizeof fixed[0]) ? fixed[i] : b;
        struct jsonw w = {0};
        jsonw_obj_open(&w, NULL);
        jsonw_raw(&w, "\"hex\":\"", 7);
        for (size_t k = 0; k < n; k++) {
            char h[3];
            snprintf(h, sizeof h, "%02x", (unsigned char)s[k]);
            jsonw_raw(&w, h, 2);
        }
        jsonw_raw(&w, "\"", 1);
        w.need_comma = 1;
        jsonw_strn(&w, "s", s, n); /* refused: no "s" member */
        jsonw_obj_close(&w);
        fprintf(f, "%.*s\n", (int)w.len, w.buf);
        jsonw_free(&w);
    }
    fclose(f);
    char *out = NULL;
    int rc = tu_sh(&out, "python3 -c '\n"
                         "import json, sys\n"
                         "bad = 0\n"
                         "for l in open(sys.argv[1], encoding=\"utf-8\"):\n"
                         "    e = json.loads(l)\n"
                         "    raw = bytes.fromhex(e[\"hex\"])\n"
                         "    try:\n"
                         "        want = raw.decode(\"utf-8\")\n"
                         "    except UnicodeDecodeError:\n"
                         "        want = None\n"
                         "    if e.get(\"s\") != want: bad += 1\n"
                         "print(bad)' %s",
                   tu_path("strings.jsonl"));
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_STRING_EQUAL(out, "0\n");
    free(out);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"fixed strings as jansson", test_fixed_strings},
        {"plain runs with one byte of every value as jansson", test_plain_runs},
        {"random strings as jansson", test_random_strings},
        {"integers and reals as jansson", test_numbers},
        {"nesting and commas as jansson", test_nesting},
        {"python3 json round trip", test_python_roundtrip},
        {NULL, NULL},
    };
    return tu_run("jsonw", cases);
}
