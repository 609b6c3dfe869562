/* test_rules_matcher.c - forms and matcher against expected encodings computed
 * outside leakwatch (tests/data/rules/gen_vectors.sh: printf | openssl md5/sha1/
 * sha256, base64, basenc --base64url, xxd -p, python3 urllib/json), planted in one
 * piece, in two and three pieces split at every offset inside the value; negative
 * cases; generic detectors; decoded-buffer scans, one by one and batched; gaps; NUL
 * values; 5000 values. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/forms.h"
#include "rules/generic.h"
#include "rules/idtype.h"
#include "rules/matcher.h"
#include "rules/profile.h"
#include "common/lwerr.h"
#include "tests/testutil.h"

struct vec {
    const char *type, *form, *bytes;
};

/* Output of `bash tests/data/rules/gen_vectors.sh` for tests/data/rules/lab.yaml. */
static const struct vec vecs[] = {
    {"imei", "plain", "\x38\x36\x39\x30\x31\x32\x30\x34\x35\x36\x37\x38\x39\x31\x34"},
    {"imei", "base64", "\x4f\x44\x59\x35\x4d\x44\x45\x79\x4d\x44\x51\x31\x4e\x6a\x63\x34\x4f\x54\x45\x30\x4a\x6e\x52\x68\x61\x57\x77\x39\x4d\x51\x3d\x3d"},
    {"imei", "base64", "\x65\x44\x67\x32\x4f\x54\x41\x78\x4d\x6a\x41\x30\x4e\x54\x59\x33\x4f\x44\x6b\x78\x4e\x43\x5a\x30\x59\x57\x6c\x73\x50\x54\x45\x3d"},
    {"imei", "base64", "\x65\x48\x6b\x34\x4e\x6a\x6b\x77\x4d\x54\x49\x77\x4e\x44\x55\x32\x4e\x7a\x67\x35\x4d\x54\x51\x6d\x64\x47\x46\x70\x62\x44\x30\x78"},
    {"imei", "hex", "\x33\x38\x33\x36\x33\x39\x33\x30\x33\x31\x33\x32\x33\x30\x33\x34\x33\x35\x33\x36\x33\x37\x33\x38\x33\x39\x33\x31\x33\x34"},
    {"imei", "md5-hex", "\x66\x30\x31\x31\x61\x66\x35\x64\x38\x33\x63\x62\x35\x32\x39\x37\x36\x38\x34\x33\x31\x66\x61\x32\x61\x39\x64\x62\x65\x35\x62\x36"},
    {"imei", "md5-HEX", "\x46\x30\x31\x31\x41\x46\x35\x44\x38\x33\x43\x42\x35\x32\x39\x37\x36\x38\x34\x33\x31\x46\x41\x32\x41\x39\x44\x42\x45\x35\x42\x36"},
    {"imei", "md5-base64", "\x38\x42\x47\x76\x58\x59\x50\x4c\x55\x70\x64\x6f\x51\x78\x2b\x69\x71\x64\x76\x6c\x74\x67"},
    {"imei", "sha1-hex", "\x32\x39\x65\x63\x33\x33\x33\x62\x30\x34\x61\x38\x31\x63\x66\x65\x65\x62\x61\x38\x34\x34\x66\x34\x35\x62\x30\x38\x33\x31\x64\x36\x65\x61\x30\x38\x31\x65\x61\x32"},
    {"imei", "sha1-HEX", "\x32\x39\x45\x43\x33\x33\x33\x42\x30\x34\x41\x38\x31\x43\x46\x45\x45\x42\x41\x38\x34\x34\x46\x34\x35\x42\x30\x38\x33\x31\x44\x36\x45\x41\x30\x38\x31\x45\x41\x32"},
    {"imei", "sha1-base64", "\x4b\x65\x77\x7a\x4f\x77\x53\x6f\x48\x50\x37\x72\x71\x45\x54\x30\x57\x77\x67\x78\x31\x75\x6f\x49\x48\x71\x49"},
    {"imei", "sha256-hex", "\x31\x66\x34\x39\x39\x65\x34\x33\x39\x39\x66\x34\x36\x39\x35\x34\x30\x36\x65\x62\x65\x34\x34\x37\x30\x64\x64\x36\x37\x66\x35\x30\x32\x63\x34\x38\x37\x36\x34\x31\x33\x33\x64\x38\x61\x32\x37\x61\x63\x66\x64\x32\x61\x35\x65\x30\x33\x63\x61\x36\x35\x37\x64\x62"},
    {"imei", "sha256-HEX", "\x31\x46\x34\x39\x39\x45\x34\x33\x39\x39\x46\x34\x36\x39\x35\x34\x30\x36\x45\x42\x45\x34\x34\x37\x30\x44\x44\x36\x37\x46\x35\x30\x32\x43\x34\x38\x37\x36\x34\x31\x33\x33\x44\x38\x41\x32\x37\x41\x43\x46\x44\x32\x41\x35\x45\x30\x33\x43\x41\x36\x35\x37\x44\x42"},
    {"imei", "sha256-base64", "\x48\x30\x6d\x65\x51\x35\x6e\x30\x61\x56\x51\x47\x36\x2b\x52\x48\x44\x64\x5a\x2f\x55\x43\x78\x49\x64\x6b\x45\x7a\x32\x4b\x4a\x36\x7a\x39\x4b\x6c\x34\x44\x79\x6d\x56\x39\x73"},
    {"mac", "plain", "\x33\x63\x3a\x32\x38\x3a\x36\x64\x3a\x31\x31\x3a\x32\x32\x3a\x33\x33"},
    {"mac", "upper", "\x33\x43\x3a\x32\x38\x3a\x36\x44\x3a\x31\x31\x3a\x32\x32\x3a\x33\x33"},
    {"mac", "mac-dash", "\x33\x63\x2d\x32\x38\x2d\x36\x64\x2d\x31\x31\x2d\x32\x32\x2d\x33\x33"},
    {"mac", "mac-dash", "\x33\x43\x2d\x32\x38\x2d\x36\x44\x2d\x31\x31\x2d\x32\x32\x2d\x33\x33"},
    {"mac", "mac-dot", "\x33\x63\x32\x38\x2e\x36\x64\x31\x31\x2e\x32\x32\x33\x33"},
    {"mac", "mac-bare", "\x33\x63\x32\x38\x36\x64\x31\x31\x32\x32\x33\x33"},
    {"mac", "mac-bare", "\x33\x43\x32\x38\x36\x44\x31\x31\x32\x32\x33\x33"},
    {"mac", "url", "\x33\x63\x25\x33\x41\x32\x38\x25\x33\x41\x36\x64\x25\x33\x41\x31\x31\x25\x33\x41\x32\x32\x25\x33\x41\x33\x33"},
    {"mac", "md5-hex", "\x31\x31\x63\x66\x62\x33\x63\x66\x34\x66\x66\x33\x61\x30\x63\x66\x65\x33\x62\x63\x62\x65\x64\x65\x33\x34\x37\x31\x30\x30\x64\x33"},
    {"mac", "sha1-hex", "\x63\x65\x37\x37\x31\x35\x66\x61\x65\x61\x33\x39\x62\x65\x65\x63\x36\x37\x31\x33\x30\x63\x62\x61\x34\x35\x37\x36\x33\x36\x33\x31\x36\x63\x36\x31\x65\x31\x34\x30"},
    {"mac", "raw-mac", "\x3c\x28\x6d\x11\x22\x33"},
    {"oaid", "plain", "\x31\x66\x32\x65\x33\x64\x34\x63\x2d\x61\x61\x61\x61\x2d\x62\x62\x62\x62\x2d\x63\x63\x63\x63\x2d\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x61\x62"},
    {"oaid", "upper", "\x31\x46\x32\x45\x33\x44\x34\x43\x2d\x41\x41\x41\x41\x2d\x42\x42\x42\x42\x2d\x43\x43\x43\x43\x2d\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x41\x42"},
    {"oaid", "nodash", "\x31\x66\x32\x65\x33\x64\x34\x63\x61\x61\x61\x61\x62\x62\x62\x62\x63\x63\x63\x63\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x61\x62"},
    {"oaid", "md5-hex", "\x31\x31\x31\x33\x66\x39\x31\x61\x31\x34\x36\x31\x34\x39\x34\x34\x31\x36\x33\x37\x34\x34\x34\x66\x33\x34\x66\x36\x39\x35\x30\x39"},
    {"ssid", "base64url", "\x54\x32\x5a\x6d\x61\x57\x4e\x6c\x66\x6e\x35\x2d\x56\x32\x6c\x47\x61\x54\x38\x5f\x50\x79\x5a\x30\x59\x57\x6c\x73\x50\x54\x45\x3d"},
    {"ssid", "base64url", "\x65\x45\x39\x6d\x5a\x6d\x6c\x6a\x5a\x58\x35\x2d\x66\x6c\x64\x70\x52\x6d\x6b\x5f\x50\x7a\x38\x6d\x64\x47\x46\x70\x62\x44\x30\x78"},
    {"ssid", "base64url", "\x65\x48\x6c\x50\x5a\x6d\x5a\x70\x59\x32\x56\x2d\x66\x6e\x35\x58\x61\x55\x5a\x70\x50\x7a\x38\x5f\x4a\x6e\x52\x68\x61\x57\x77\x39\x4d\x51\x3d\x3d"},
    {"wifi_password", "plain", "\x63\x30\x72\x72\x65\x63\x74\x20\x22\x68\x6f\x72\x73\x65\x22\x20\x5c\x20\x28\x62\x2b\x29\x2a"},
    {"wifi_password", "json", "\x63\x30\x72\x72\x65\x63\x74\x20\x5c\x22\x68\x6f\x72\x73\x65\x5c\x22\x20\x5c\x5c\x20\x28\x62\x2b\x29\x2a"},
    {"wifi_password", "url", "\x63\x30\x72\x72\x65\x63\x74\x25\x32\x30\x25\x32\x32\x68\x6f\x72\x73\x65\x25\x32\x32\x25\x32\x30\x25\x35\x43\x25\x32\x30\x25\x32\x38\x62\x25\x32\x42\x25\x32\x39\x25\x32\x41"},
    {"wifi_password", "url", "\x63\x30\x72\x72\x65\x63\x74\x2b\x25\x32\x32\x68\x6f\x72\x73\x65\x25\x32\x32\x2b\x25\x35\x43\x2b\x25\x32\x38\x62\x25\x32\x42\x25\x32\x39\x25\x32\x41"},
    {"wifi_password", "url", "\x63\x30\x72\x72\x65\x63\x74\x25\x32\x30\x25\x32\x32\x68\x6f\x72\x73\x65\x25\x32\x32\x25\x32\x30\x25\x35\x43\x25\x32\x30\x28\x62\x25\x32\x42\x29\x2a"},
    {"wifi_password", "base64", "\x59\x7a\x42\x79\x63\x6d\x56\x6a\x64\x43\x41\x69\x61\x47\x39\x79\x63\x32\x55\x69\x49\x46\x77\x67\x4b\x47\x49\x72\x4b\x53\x6f\x6d\x64\x47\x46\x70\x62\x44\x30\x78"},
    {"wifi_password", "base64", "\x65\x47\x4d\x77\x63\x6e\x4a\x6c\x59\x33\x51\x67\x49\x6d\x68\x76\x63\x6e\x4e\x6c\x49\x69\x42\x63\x49\x43\x68\x69\x4b\x79\x6b\x71\x4a\x6e\x52\x68\x61\x57\x77\x39\x4d\x51\x3d\x3d"},
    {"wifi_password", "base64", "\x65\x48\x6c\x6a\x4d\x48\x4a\x79\x5a\x57\x4e\x30\x49\x43\x4a\x6f\x62\x33\x4a\x7a\x5a\x53\x49\x67\x58\x43\x41\x6f\x59\x69\x73\x70\x4b\x69\x5a\x30\x59\x57\x6c\x73\x50\x54\x45\x3d"},
    {"ssid", "plain", "\xe5\xae\x9e\xe9\xaa\x8c\xe5\xae\xa4\x2d\x35\x47"},
    {"ssid", "json", "\x5c\x75\x35\x62\x39\x65\x5c\x75\x39\x61\x38\x63\x5c\x75\x35\x62\x61\x34\x2d\x35\x47"},
    {"ssid", "url", "\x25\x45\x35\x25\x41\x45\x25\x39\x45\x25\x45\x39\x25\x41\x41\x25\x38\x43\x25\x45\x35\x25\x41\x45\x25\x41\x34\x2d\x35\x47"},
    {"ssid", "hex", "\x65\x35\x61\x65\x39\x65\x65\x39\x61\x61\x38\x63\x65\x35\x61\x65\x61\x34\x32\x64\x33\x35\x34\x37"},
    {"email", "plain", "\x41\x6c\x69\x63\x65\x2e\x4c\x61\x62\x40\x65\x78\x61\x6d\x70\x6c\x65\x2e\x63\x6f\x6d"},
    {"email", "lower", "\x61\x6c\x69\x63\x65\x2e\x6c\x61\x62\x40\x65\x78\x61\x6d\x70\x6c\x65\x2e\x63\x6f\x6d"},
    {"email", "md5-hex", "\x62\x65\x31\x34\x33\x33\x32\x62\x62\x35\x36\x32\x33\x62\x33\x66\x35\x37\x65\x38\x33\x34\x65\x38\x35\x37\x65\x33\x34\x64\x62\x34"},
    {"email", "sha256-base64", "\x4f\x36\x48\x42\x4b\x52\x36\x79\x52\x63\x61\x68\x2f\x54\x2f\x66\x67\x70\x58\x42\x6a\x4c\x54\x37\x5a\x4f\x34\x32\x70\x68\x56\x41\x76\x37\x79\x4d\x34\x69\x55\x51\x53\x59\x6f"},
    {"gps", "plain", "\x32\x32\x2e\x35\x34\x33\x31\x2c\x31\x31\x34\x2e\x30\x35\x37\x39"},
    {"gps", "lonlat", "\x31\x31\x34\x2e\x30\x35\x37\x39\x2c\x32\x32\x2e\x35\x34\x33\x31"},
    {"phone", "plain", "\x31\x33\x38\x31\x32\x33\x34\x35\x36\x37\x38"},
    {"phone", "md5-hex", "\x34\x63\x30\x31\x31\x35\x64\x33\x39\x64\x64\x65\x61\x31\x65\x62\x61\x35\x61\x37\x63\x64\x66\x38\x65\x64\x66\x63\x31\x38\x61\x39"},
    {"imsi", "plain", "\x34\x36\x30\x30\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x30"},
    {"iccid", "plain", "\x38\x39\x38\x36\x30\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x30\x31\x32\x33\x38"},
    {"iccid", "sha1-HEX", "\x33\x41\x34\x30\x39\x39\x43\x44\x36\x44\x34\x34\x43\x31\x42\x36\x43\x35\x42\x34\x33\x35\x36\x43\x36\x41\x30\x32\x36\x45\x31\x37\x30\x45\x43\x31\x42\x43\x38\x39"},
    {"idfa", "plain", "\x36\x44\x39\x32\x30\x37\x38\x41\x2d\x38\x32\x34\x36\x2d\x34\x42\x41\x34\x2d\x41\x45\x35\x42\x2d\x37\x36\x31\x30\x34\x38\x36\x31\x45\x37\x44\x43"},
    {"idfa", "lower", "\x36\x64\x39\x32\x30\x37\x38\x61\x2d\x38\x32\x34\x36\x2d\x34\x62\x61\x34\x2d\x61\x65\x35\x62\x2d\x37\x36\x31\x30\x34\x38\x36\x31\x65\x37\x64\x63"},
    {"serial", "plain", "\x52\x35\x38\x4d\x31\x32\x33\x41\x42\x43\x44"},
    {"serial", "lower", "\x72\x35\x38\x6d\x31\x32\x33\x61\x62\x63\x64"},
    {"android_id", "plain", "\x39\x37\x37\x34\x64\x35\x36\x64\x36\x38\x32\x65\x35\x34\x39\x63"},
    {"android_id", "upper", "\x39\x37\x37\x34\x44\x35\x36\x44\x36\x38\x32\x45\x35\x34\x39\x43"},
    {"android_id", "sha1-hex", "\x34\x31\x65\x32\x39\x35\x37\x35\x63\x37\x33\x36\x31\x62\x32\x39\x32\x34\x66\x37\x30\x31\x35\x30\x32\x63\x61\x36\x64\x39\x33\x32\x62\x34\x35\x62\x39\x65\x35\x31"},
    {"ip", "plain", "\x31\x30\x2e\x32\x30\x2e\x33\x30\x2e\x34\x30"},
};
#define NVECS (sizeof vecs / sizeof vecs[0])

struct hitrec {
    int device;
    char type[24], form[24], source[12], key[40], evidence[160], where[24];
    double conf;
};

static struct hitrec hits[512];
static size_t nhits;

static void collect(void *ctx, const struct matcher_hit *h)
{
    (void)ctx;
    if (nhits >= sizeof hits / sizeof hits[0])
        return;
    struct hitrec *r = &hits[nhits++];
    r->device = h->device;
    snprintf(r->type, sizeof r->type, "%s", h->type);
    snprintf(r->form, sizeof r->form, "%s", h->form);
    snprintf(r->source, sizeof r->source, "%s", h->source);
    snprintf(r->key, sizeof r->key, "%s", h->key);
    snprintf(r->evidence, sizeof r->evidence, "%s", h->evidence);
    snprintf(r->where, sizeof r->where, "%s", h->where ? h->where : "");
    r->conf = h->confidence;
    CU_ASSERT(h->category != NULL && h->variant != NULL);
}

static const struct hitrec *find_hit(const char *type, const char *form, const char *source)
{
    for (size_t i = 0; i < nhits; i++)
        if (!strcmp(hits[i].type, type) && (!form || !strcmp(hits[i].form, form)) &&
            (!source || !strcmp(hits[i].source, source)))
            return &hits[i];
    return NULL;
}

static size_t count_source(const char *source)
{
    size_t n = 0;
    for (size_t i = 0; i < nhits; i++)
        n += !strcmp(hits[i].source, source);
    return n;
}

static profile_t *lab;
static matcher_t *mt, *mt_low;   /* default threshold, and 0.3 (bare shapes on) */
static matcher_scratch_t *scr, *scr_low;

static void setup(void)
{
    char err[LW_ERRBUF];
    if (lab)
        return;
    int rc = profile_load(LW_SOURCE_DIR "/tests/data/rules/lab.yaml", &lab, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    rc = matcher_new(lab, NULL, &mt, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    struct matcher_opts lo = {.min_confidence = 0.3};
    CU_ASSERT_FATAL(matcher_new(lab, &lo, &mt_low, err, sizeof err) == 0);
    scr = matcher_scratch_new(mt);
    scr_low = matcher_scratch_new(mt_low);
    CU_ASSERT_FATAL(scr && scr_low);
}

/* Scan buf as a stream cut at the given offsets. */
static void scan_cuts(const matcher_t *m, matcher_scratch_t *s, const uint8_t *buf, size_t len,
                      const size_t *cuts, size_t ncuts)
{
    matcher_stream_t *st = matcher_stream_open(m, "tcp.payload");
    size_t at = 0;
    nhits = 0;
    CU_ASSERT_FATAL(st != NULL);
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        CU_ASSERT(matcher_stream_scan(st, s, buf + at, to - at, collect, NULL) == 0);
        at = to;
    }
    matcher_stream_close(st, s, collect, NULL);
}

static void scan_str(const matcher_t *m, matcher_scratch_t *s, const char *str)
{
    scan_cuts(m, s, (const uint8_t *)str, strlen(str), NULL, 0);
}

/* Build the flow bytes with the vector planted in the middle; *pre gets its offset. */
static size_t plant(const struct vec *v, uint8_t *out, size_t *pre)
{
    const char *head = "POST /log?q=1&v=", *tail = "&w=2 HTTP/1.1\r\nHost: ex.com\r\n\r\n";
    if (!strcmp(v->form, "raw-mac")) {
        head = "\x01\x02\x03";
        tail = "\x04\x05";
    }
    size_t n = strlen(head), vl = strlen(v->bytes);
    memcpy(out, head, n);
    *pre = n;
    memcpy(out + n, v->bytes, vl);
    memcpy(out + n + vl, tail, strlen(tail));
    return n + vl + strlen(tail);
}

static int check_vec(const struct vec *v, const char *how)
{
    const struct hitrec *h = find_hit(v->type, v->form, "profile");
    if (!h || h->device != 0) {
        fprintf(stderr, "\n  %s: no profile hit type=%s form=%s (%zu hits)\n", how, v->type,
                v->form, nhits);
        return 0;
    }
    return 1;
}

static void test_every_form_whole(void)
{
    uint8_t buf[1024];
    size_t pre;
    setup();
    for (size_t i = 0; i < NVECS; i++) {
        size_t len = plant(&vecs[i], buf, &pre);
        scan_cuts(mt, scr, buf, len, NULL, 0);
        CU_ASSERT(check_vec(&vecs[i], "whole"));
    }
}

static void test_every_form_split2(void)
{
    uint8_t buf[1024];
    size_t pre;
    setup();
    for (size_t i = 0; i < NVECS; i++) {
        size_t len = plant(&vecs[i], buf, &pre), vl = strlen(vecs[i].bytes), bad = 0;
        for (size_t c = pre; c <= pre + vl; c++) {
            scan_cuts(mt, scr, buf, len, &c, 1);
            bad += !check_vec(&vecs[i], "split2");
        }
        CU_ASSERT(bad == 0);
    }
}

static void test_every_form_split3(void)
{
    uint8_t buf[1024];
    size_t pre;
    setup();
    for (size_t i = 0; i < NVECS; i++) {
        size_t len = plant(&vecs[i], buf, &pre), vl = strlen(vecs[i].bytes), bad = 0;
        for (size_t a = pre; a <= pre + vl; a++)
            for (size_t b = a; b <= pre + vl; b++) {
                size_t cuts[2] = {a, b};
                scan_cuts(mt, scr, buf, len, cuts, 2);
                bad += !check_vec(&vecs[i], "split3");
            }
        CU_ASSERT(bad == 0);
    }
}

/* The generator itself emits each vector (or, for blobs, a fragment of it). */
struct fsearch {
    const struct vec *v;
    int found;
};

static int fs_cb(void *ctx, const struct forms_item *it)
{
    struct fsearch *f = ctx;
    if (!strcmp(it->name, f->v->form) &&
        memmem(f->v->bytes, strlen(f->v->bytes), it->bytes, it->len))
        f->found = 1;
    return 0;
}

static void test_forms_generator(void)
{
    setup();
    const struct profile_device *d = profile_device(lab, 0);
    for (size_t i = 0; i < NVECS; i++) {
        struct fsearch f = {&vecs[i], 0};
        for (size_t k = 0; k < d->n_idents; k++)
            if (!strcmp(d->idents[k].type, vecs[i].type))
                CU_ASSERT(forms_generate(idtype_find(d->idents[k].type), d->idents[k].value,
                                         d->idents[k].value_len, fs_cb, &f) == 0);
        if (!f.found)
            fprintf(stderr, "\n  generator lacks %s %s\n", vecs[i].type, vecs[i].form);
        CU_ASSERT(f.found);
    }
    /* printf %s 'any carnal pleas' | base64 ; RFC 4648 style vectors */
    char out[64];
    CU_ASSERT(forms_base64((const uint8_t *)"any carnal pleas", 16, out, 0, 1) == 24);
    CU_ASSERT_STRING_EQUAL(out, "YW55IGNhcm5hbCBwbGVhcw==");
    forms_base64((const uint8_t *)"\xfb\xff", 2, out, 1, 0);
    CU_ASSERT_STRING_EQUAL(out, "-_8");   /* printf '\xfb\xff' | basenc --base64url */
}

static void test_evidence_redaction(void)
{
    char err[LW_ERRBUF];
    setup();
    scan_str(mt, scr, "GET /?imei=869012045678914&x=1");
    const struct hitrec *h = find_hit("imei", "plain", "profile");
    CU_ASSERT_FATAL(h != NULL);
    CU_ASSERT_STRING_EQUAL(h->evidence, "8690********914");
    CU_ASSERT_STRING_EQUAL(h->key, "imei");
    CU_ASSERT_STRING_EQUAL(h->where, "tcp.payload");
    CU_ASSERT_DOUBLE_EQUAL(h->conf, 1.0, 1e-9);
    /* md5 form: evidence is what was sent, the digest, never the profile value in its
     * place (issue 13 item 8) */
    scan_str(mt, scr, "{\"did\":\"f011af5d83cb529768431fa2a9dbe5b6\"}");
    h = find_hit("imei", "md5-hex", "profile");
    CU_ASSERT_FATAL(h != NULL);
    CU_ASSERT_STRING_EQUAL(h->evidence, "f011****************5b6");
    CU_ASSERT_STRING_EQUAL(h->key, "did");
    matcher_t *raw;
    struct matcher_opts o = {.min_confidence = 0.5, .raw_evidence = 1};
    CU_ASSERT_FATAL(matcher_new(lab, &o, &raw, err, sizeof err) == 0);
    matcher_scratch_t *s = matcher_scratch_new(raw);
    scan_str(raw, s, "imei=869012045678914");
    h = find_hit("imei", "plain", "profile");
    CU_ASSERT(h && !strcmp(h->evidence, "869012045678914"));
    matcher_scratch_free(s);
    matcher_free(raw);
}

static void test_negative(void)
{
    setup();
    /* one digit changed (also fails Luhn, so no generic hit even behind imei=) */
    scan_str(mt, scr, "GET /?imei=869012045678924&a=1");
    CU_ASSERT(nhits == 0);
    /* failed Luhn behind a key */
    scan_str(mt, scr, "GET /?imei=123456789012345&a=1");
    CU_ASSERT(nhits == 0);
    /* a random 15-digit Luhn-valid number without key: below the default threshold */
    scan_str(mt, scr, "GET /?ts=352917041234567&a=1");
    CU_ASSERT(nhits == 0);
    scan_str(mt_low, scr_low, "GET /?ts=352917041234567&a=1");
    CU_ASSERT(count_source("profile") == 0);
    const struct hitrec *h = find_hit("imei", "plain", "generic");
    CU_ASSERT(h && h->conf > 0.39 && h->conf < 0.41);
    /* the profile IMEI inside a longer digit run, whole and split on both edges */
    const char *run = "x=18690120456789141&y";
    scan_str(mt, scr, run);
    CU_ASSERT(count_source("profile") == 0);
    for (size_t c = 1; c < strlen(run); c++) {
        scan_cuts(mt, scr, (const uint8_t *)run, strlen(run), &c, 1);
        CU_ASSERT(count_source("profile") == 0);
    }
    scan_str(mt, scr, "x=8690120456789141");
    CU_ASSERT(count_source("profile") == 0);
    scan_str(mt, scr, "x=1869012045678914");
    CU_ASSERT(count_source("profile") == 0);
    /* an unprofiled UUID with no key: nothing; with 0.3 only a bare generic guid */
    scan_str(mt, scr, "x=5e0c7c1a-8f0b-4c11-9a55-0a1b2c3d4e5f&y");
    CU_ASSERT(nhits == 0);
    scan_str(mt_low, scr_low, "x=5e0c7c1a-8f0b-4c11-9a55-0a1b2c3d4e5f&y");
    CU_ASSERT(count_source("profile") == 0);
    CU_ASSERT(find_hit("guid", "plain", "generic") != NULL);
    /* the profile OAID with its last hex digit extended is not the OAID */
    scan_str(mt, scr, "x=1f2e3d4c-aaaa-bbbb-cccc-0123456789abc");
    CU_ASSERT(count_source("profile") == 0);
    for (size_t i = 0; i < nhits; i++)
        fprintf(stderr, "\n  unexpected %s %s %s %s", hits[i].type, hits[i].form, hits[i].source, hits[i].key);
    /* a phone number is still found behind its country code (now as that variant of
     * its own, issue 13 item 7), never inside a longer number on its right */
    scan_str(mt, scr, "tel=%2B8613812345678&");
    CU_ASSERT(find_hit("phone", NULL, "profile") != NULL);
    scan_str(mt, scr, "tel=+8613812345678&");
    CU_ASSERT(find_hit("phone", "phone-e164", "profile") != NULL);
    CU_ASSERT(find_hit("phone", "plain", "profile") == NULL);
    scan_str(mt, scr, "n=138123456789&");
    CU_ASSERT(count_source("profile") == 0);
    /* the profile value at the very end of a stream is still found */
    scan_str(mt, scr, "x=869012045678914");
    CU_ASSERT(find_hit("imei", "plain", "profile") != NULL);
}

static void test_generic_keyed(void)
{
    setup();
    static const struct {
        const char *text, *type, *key;
    } ok[] = {
        {"GET /?imei=352917041234567&a=1", "imei", "imei"},
        {"{\"deviceId\": \"352917041234567\"}", "imei", "deviceId"},
        {"{\\\"oaid\\\":\\\"5e0c7c1a-8f0b-4c11-9a55-0a1b2c3d4e5f\\\"}", "oaid", "oaid"},
        {"{\"mac\":\"3c:28:6d:aa:bb:cc\"}", "mac", "mac"},
        {"<wifi_bssid>a0:b1:c2:d3:e4:00</wifi_bssid>", "bssid", "wifi_bssid"},
        {"imsi=460019876543210&", "imsi", "imsi"},
        {"iccid=89860312345678901235&", "iccid", "iccid"},
        {"mobile=13912345678&", "phone", "mobile"},
        {"phone=%2B8613912345678&", NULL, NULL},
        {"android_id=0123456789abcdef&", "android_id", "android_id"},
        {"ssid='Cafe Free'&", "ssid", "ssid"},
        {"{\"lat\":31.230400,\"lng\":121.473700}", "gps", NULL},
        {"GAID=38400000-8cf0-11bd-b23e-10b96e40000d", "gaid", "GAID"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        scan_str(mt, scr, ok[i].text);
        if (!ok[i].type) {
            CU_ASSERT(nhits == 0);
            continue;
        }
        const struct hitrec *h = find_hit(ok[i].type, "plain", "generic");
        if (!h)
            fprintf(stderr, "\n  no generic %s in %s\n", ok[i].type, ok[i].text);
        CU_ASSERT_FATAL(h != NULL);
        CU_ASSERT(h->device == -1 && h->conf >= 0.5);
        if (ok[i].key)
            CU_ASSERT_STRING_EQUAL(h->key, ok[i].key);
        /* the same in pieces at every offset */
        size_t len = strlen(ok[i].text), bad = 0;
        for (size_t c = 0; c <= len; c++) {
            scan_cuts(mt, scr, (const uint8_t *)ok[i].text, len, &c, 1);
            bad += find_hit(ok[i].type, "plain", "generic") == NULL;
        }
        CU_ASSERT(bad == 0);
    }
    static const char *no[] = {
        "mac=01:00:5e:00:00:fb&", "mac=00:00:00:00:00:00&", "mac=ff:ff:ff:ff:ff:ff&",
        "hmac=3c286daabbcc&", "idfa=00000000-0000-0000-0000-000000000000&",
        "imei=000000000000000&", "mobile=1&", "lat=22&lng=114&", "platform=android&",
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        scan_str(mt, scr, no[i]);
        if (nhits)
            fprintf(stderr, "\n  unexpected %s in %s\n", hits[0].type, no[i]);
        CU_ASSERT(nhits == 0);
    }
}

/* A profile value behind a lexicon key is one finding (profile), not two. */
static void test_profile_wins_over_generic(void)
{
    setup();
    const char *t = "GET /?imei=869012045678914&mac=3c:28:6d:11:22:33&x=1";
    size_t len = strlen(t), bad = 0;
    for (size_t c = 0; c <= len; c++) {
        scan_cuts(mt, scr, (const uint8_t *)t, len, &c, 1);
        bad += !(nhits == 2 && count_source("profile") == 2);
    }
    CU_ASSERT(bad == 0);
    nhits = 0;
    matcher_scan_buffer(mt, scr, (const uint8_t *)t, len, "http.uri", NULL, collect, NULL);
    CU_ASSERT(nhits == 2 && count_source("profile") == 2);
    nhits = 0;
    matcher_scan_buffer(mt, scr, (const uint8_t *)"869012045678914", 15, "http.query", "imei",
                        collect, NULL);
    CU_ASSERT(nhits == 1 && count_source("profile") == 1);
}

static void test_location_pairs(void)
{
    setup();
    /* the profile location 22.5431,114.0579 sent as separate keys, padded */
    const char *t = "{\"lng\":114.057900,\"acc\":20,\"lat\":22.543100}";
    size_t len = strlen(t), bad = 0;
    for (size_t c = 0; c <= len; c++) {
        scan_cuts(mt, scr, (const uint8_t *)t, len, &c, 1);
        const struct hitrec *h = find_hit("gps", "latlon-keys", "profile");
        bad += !(h && h->device == 0 && nhits == 1);
    }
    CU_ASSERT(bad == 0);
    /* 2 km away: a generic location, not the profile's */
    scan_str(mt, scr, "lat=22.5611&lng=114.0579&");
    CU_ASSERT(count_source("profile") == 0 && find_hit("gps", "plain", "generic") != NULL);
    /* lat and lon too far apart in the stream are no pair */
    char far[600];
    snprintf(far, sizeof far, "lat=22.5611&pad=%0400d&lng=114.0579&", 0);
    scan_str(mt, scr, far);
    CU_ASSERT(nhits == 0);
}

static void test_generic_bare(void)
{
    setup();
    static const struct {
        const char *text, *type;
    } ok[] = {
        {"x 352917041234567 y", "imei"},
        {"(89860312345678901235)", "iccid"},
        {"[3c:28:6d:aa:bb:cc]", "mac"},
        {"to 13912345678.", "phone"},
        {"id=5e0c7c1a-8f0b-4c11-9a55-0a1b2c3d4e5f;", "guid"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        scan_str(mt_low, scr_low, ok[i].text);
        const struct hitrec *h = find_hit(ok[i].type, "plain", "generic");
        CU_ASSERT(h && h->conf < 0.5 && h->device == -1);
        scan_str(mt, scr, ok[i].text);   /* default threshold: none */
        CU_ASSERT(nhits == 0);
    }
    static const char *no[] = {"x 3529170412345670 y", "x 352917041234568 y",
                               "[01:00:5e:aa:bb:cc]", "[3c:28:6d:aa:bb:cc:dd]",
                               "t=12912345678&", "5e0c7c1a-8f0b-4c11-9a55-0a1b2c3d4e5f0"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        scan_str(mt_low, scr_low, no[i]);
        if (nhits)
            fprintf(stderr, "\n  unexpected %s in %s\n", hits[0].type, no[i]);
        CU_ASSERT(nhits == 0);
    }
}

static void test_scan_buffer(void)
{
    setup();
    const char *v = "869012045678914";
    nhits = 0;
    CU_ASSERT(matcher_scan_buffer(mt, scr, (const uint8_t *)v, strlen(v), "http.query", "imei",
                                  collect, NULL) == 0);
    const struct hitrec *h = find_hit("imei", "plain", "profile");
    CU_ASSERT_FATAL(h != NULL);
    CU_ASSERT_STRING_EQUAL(h->where, "http.query");
    CU_ASSERT_STRING_EQUAL(h->key, "imei");
    nhits = 0;
    v = "352917041234567";
    matcher_scan_buffer(mt, scr, (const uint8_t *)v, strlen(v), "http.body", "IMEI", collect, NULL);
    h = find_hit("imei", "plain", "generic");
    CU_ASSERT(h && h->conf > 0.85 && !strcmp(h->where, "http.body"));
    /* raw-mac is a stream-only form */
    nhits = 0;
    matcher_scan_buffer(mt, scr, (const uint8_t *)"\x01\x3c\x28\x6d\x11\x22\x33\x02", 8, "x", NULL,
                        collect, NULL);
    CU_ASSERT(find_hit("mac", "raw-mac", NULL) == NULL);
    /* ... but a datagram is raw bytes */
    nhits = 0;
    CU_ASSERT(matcher_scan_datagram(mt, scr, (const uint8_t *)"\x01\x3c\x28\x6d\x11\x22\x33\x02",
                                    8, "udp.payload", collect, NULL) == 0);
    h = find_hit("mac", "raw-mac", "profile");
    CU_ASSERT(h && !strcmp(h->where, "udp.payload") && h->device == 0);
    /* a value at the very end of a buffer passes the edge check */
    nhits = 0;
    v = "a=9774d56d682e549c";
    matcher_scan_buffer(mt, scr, (const uint8_t *)v, strlen(v), "x", NULL, collect, NULL);
    CU_ASSERT(find_hit("android_id", "plain", "profile") != NULL);
}

static void test_gap(void)
{
    setup();
    const char *a = "imei=8690120456", *b = "78914&x=1";
    matcher_stream_t *st = matcher_stream_open(mt, "tcp.payload");
    nhits = 0;
    matcher_stream_scan(st, scr, (const uint8_t *)a, strlen(a), collect, NULL);
    CU_ASSERT(matcher_stream_gap(st, scr, collect, NULL) == 0);
    matcher_stream_scan(st, scr, (const uint8_t *)b, strlen(b), collect, NULL);
    matcher_stream_close(st, scr, collect, NULL);
    CU_ASSERT(nhits == 0);
    /* after a gap the stream still finds whole values, with growing offsets */
    st = matcher_stream_open(mt, "tcp.payload");
    nhits = 0;
    matcher_stream_scan(st, scr, (const uint8_t *)a, strlen(a), collect, NULL);
    matcher_stream_gap(st, scr, collect, NULL);
    matcher_stream_scan(st, scr, (const uint8_t *)"&imei=869012045678914&", 22, collect, NULL);
    matcher_stream_close(st, scr, collect, NULL);
    CU_ASSERT(find_hit("imei", "plain", "profile") != NULL);
    matcher_stream_close(NULL, scr, NULL, NULL);
    /* close with fn NULL discards quietly */
    st = matcher_stream_open(mt, "tcp.payload");
    matcher_stream_scan(st, scr, (const uint8_t *)"imei=869012045678914", 20, NULL, NULL);
    matcher_stream_close(st, scr, NULL, NULL);
}

static void test_nul_and_metachar_values(void)
{
    char err[LW_ERRBUF];
    profile_t *p;
    matcher_t *m;
    const char *y = "devices:\n  - id: d\n    identifiers:\n"
                    "      ssid: \"ab\\0cd.*[x]\"\n      wifi_password: \"(a|b)+\\\\1$\"\n";
    CU_ASSERT_FATAL(tu_write(tu_path("nul.yaml"), y, strlen(y)) == 0);
    CU_ASSERT_FATAL(profile_load(tu_path("nul.yaml"), &p, err, sizeof err) == 0);
    CU_ASSERT(profile_device(p, 0)->idents[0].value_len == 10);
    CU_ASSERT_FATAL(matcher_new(p, NULL, &m, err, sizeof err) == 0);
    matcher_scratch_t *s = matcher_scratch_new(m);
    static const uint8_t flow[] = "s=ab\0cd.*[x]&p=(a|b)+\\1$&";
    scan_cuts(m, s, flow, sizeof flow - 1, NULL, 0);
    CU_ASSERT(find_hit("ssid", "plain", "profile") != NULL);
    CU_ASSERT(find_hit("wifi_password", "plain", "profile") != NULL);
    const struct hitrec *h = find_hit("ssid", "plain", "profile");
    CU_ASSERT(h && !strcmp(h->evidence, "ab?c***[x]"));
    /* the metacharacters are literal: "abbb1" must not match (a|b)+\1$ */
    scan_str(m, s, "p=abbb1&");
    CU_ASSERT(nhits == 0);
    matcher_scratch_free(s);
    matcher_free(m);
    profile_free(p);
}

static void test_shared_value(void)
{
    char err[LW_ERRBUF];
    profile_t *p;
    matcher_t *m;
    const char *y = "devices:\n  - id: a\n    identifiers: {imei: \"869012045678914\"}\n"
                    "  - id: b\n    identifiers: {imei: \"869012045678914\"}\n";
    CU_ASSERT_FATAL(tu_write(tu_path("shared.yaml"), y, strlen(y)) == 0);
    CU_ASSERT_FATAL(profile_load(tu_path("shared.yaml"), &p, err, sizeof err) == 0);
    CU_ASSERT_FATAL(matcher_new(p, NULL, &m, err, sizeof err) == 0);
    matcher_scratch_t *s = matcher_scratch_new(m);
    scan_str(m, s, "imei=869012045678914&");
    int seen[2] = {0, 0};
    for (size_t i = 0; i < nhits; i++)
        if (!strcmp(hits[i].source, "profile") && hits[i].device >= 0 && hits[i].device < 2)
            seen[hits[i].device]++;
    CU_ASSERT(seen[0] == 1 && seen[1] == 1);
    matcher_scratch_free(s);
    matcher_free(m);
    profile_free(p);
}

static void luhn_complete(char *d15)
{
    for (int c = 0; c < 10; c++) {
        d15[14] = (char)('0' + c);
        if (idtype_luhn_ok(d15, 15))
            return;
    }
}

static void test_5000_values(void)
{
    char err[LW_ERRBUF], num[16];
    FILE *f = fopen(tu_path("big.yaml"), "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "devices:\n");
    for (int d = 0; d < 50; d++) {
        fprintf(f, "  - id: dev%d\n    identifiers:\n      imei:\n", d);
        for (int i = 0; i < 100; i++) {
            snprintf(num, sizeof num, "35%06d%06d0", d, i * 7 + 1);
            luhn_complete(num);
            fprintf(f, "        - \"%s\"\n", num);
        }
    }
    fclose(f);
    profile_t *p;
    matcher_t *m;
    int rc = profile_load(tu_path("big.yaml"), &p, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    CU_ASSERT(profile_ndevices(p) == 50 && profile_device(p, 49)->n_idents == 100);
    rc = matcher_new(p, NULL, &m, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    struct matcher_info info;
    matcher_info(m, &info);
    CU_ASSERT(info.patterns >= 5000);
    fprintf(stderr, "\n  5000 IMEIs: %zu patterns, compiled in %.2f s, stream db %zu B\n",
            info.patterns, info.compile_seconds, info.stream_db_bytes);
    matcher_scratch_t *s = matcher_scratch_new(m);
    char text[64];
    snprintf(text, sizeof text, "imei=%s&", profile_device(p, 31)->idents[77].value);
    scan_str(m, s, text);
    const struct hitrec *h = find_hit("imei", "plain", "profile");
    CU_ASSERT(h && h->device == 31);
    matcher_scratch_free(s);
    matcher_free(m);
    profile_free(p);
}

static void test_info_and_attribution(void)
{
    setup();
    struct matcher_info info;
    matcher_info(mt, &info);
    CU_ASSERT(info.patterns > 100 && info.stream_db_bytes > 0 && info.block_db_bytes > 0 &&
              info.stream_state_bytes > 0);
    /* second device's IMEI, and the same matcher with no profile at all */
    scan_str(mt, scr, "imei=356938035643809&");
    const struct hitrec *h = find_hit("imei", "plain", "profile");
    CU_ASSERT(h && h->device == 1);
    char err[LW_ERRBUF];
    matcher_t *g;
    CU_ASSERT_FATAL(matcher_new(NULL, NULL, &g, err, sizeof err) == 0);
    matcher_scratch_t *s = matcher_scratch_new(g);
    scan_str(g, s, "imei=356938035643809&");
    CU_ASSERT(count_source("profile") == 0 && find_hit("imei", "plain", "generic") != NULL);
    matcher_scratch_free(s);
    matcher_free(g);
    matcher_free(NULL);
    matcher_scratch_free(NULL);
}

struct thr {
    int found;
};

static void thr_hit(void *ctx, const struct matcher_hit *h)
{
    struct thr *t = ctx;
    if (!strcmp(h->source, "profile"))
        t->found++;
}

/* Workers share one matcher, each with its own scratch (cloned from the prototype). */
static void *thr_main(void *arg)
{
    struct thr *t = arg;
    matcher_scratch_t *s = matcher_scratch_new(mt);
    uint8_t buf[1024];
    size_t pre;
    for (int round = 0; s && round < 50; round++)
        for (size_t i = 0; i < NVECS; i++) {
            size_t len = plant(&vecs[i], buf, &pre), cut = pre + 3;
            matcher_stream_t *st = matcher_stream_open(mt, "tcp.payload");
            matcher_stream_scan(st, s, buf, cut, thr_hit, t);
            matcher_stream_scan(st, s, buf + cut, len - cut, thr_hit, t);
            matcher_stream_close(st, s, thr_hit, t);
        }
    matcher_scratch_free(s);
    return NULL;
}

static void test_threads(void)
{
    setup();
    pthread_t th[4];
    struct thr t[4];
    memset(t, 0, sizeof t);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_FATAL(pthread_create(&th[i], NULL, thr_main, &t[i]) == 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT(t[i].found >= 50 * (int)NVECS);
        CU_ASSERT(t[i].found == t[0].found);
    }
}

static void test_teardown(void)
{
    matcher_scratch_free(scr);
    matcher_scratch_free(scr_low);
    matcher_free(mt);
    matcher_free(mt_low);
    profile_free(lab);
    lab = NULL;
}

/* Every lexicon key of every keyed class is found, in any case; nothing else is. */
static void test_find_key(void)
{
    size_t nkeys = 0;
    for (size_t i = 0; generic_pattern(i) && generic_pattern(i)->keyed; i++) {
        const struct generic_pattern *gp = generic_pattern(i);
        for (const char *a = gp->alts; *a;) {
            size_t n = strcspn(a, "|");
            char up[64];
            CU_ASSERT_FATAL(n < sizeof up);
            for (size_t k = 0; k < n; k++)
                up[k] = (char)((a[k] >= 'a' && a[k] <= 'z') ? a[k] - 32 : a[k]);
            int ok = generic_find_key(a, n) == gp && generic_find_key(up, n) == gp;
            if (!ok)
                fprintf(stderr, "\n  key %.*s not found\n", (int)n, a);
            CU_ASSERT(ok);
            nkeys++;
            a += n + (a[n] == '|');
        }
    }
    CU_ASSERT(nkeys > 60);
    CU_ASSERT(generic_find_key("imeix", 5) == NULL);
    CU_ASSERT(generic_find_key("ime", 3) == NULL);
    CU_ASSERT(generic_find_key("imei=", 4) == generic_find_key("imei", 4)); /* len counts */
    CU_ASSERT(generic_find_key("", 0) == NULL);
    CU_ASSERT(generic_find_key(NULL, 4) == NULL);
    CU_ASSERT(generic_find_key("x-very-long-header-name-indeed", 30) == NULL);
}

/* Issue 13 item 6: an encoded match is reported only when the decoded run holds the
 * whole value. Vectors: printf %s 'imei=869012045678922' | base64, xxd -p. */
static void test_encoded_lookalikes(void)
{
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        /* the second IMEI (last digits differ): the fragment of bytes 1..12 matches */
        {"d=aW1laT04NjkwMTIwNDU2Nzg5MjI=&x=1", 0},
        {"d=aW1laT04NjkwMTIwNDU2Nzg5MTQ=&x=1", 1},   /* imei=869012045678914 */
        {"d=aW1laT04NjkwMTIwNDU2Nzg5MTQ", 1},        /* unpadded, ends the buffer */
        /* the other band's BSSID, a0:b1:c2:d3:e4:f6 */
        {"w=YnNzaWQ9YTA6YjE6YzI6ZDM6ZTQ6ZjY=", 0},
        /* hex of the IMEI, then of one more digit: a longer number */
        {"h=38363930313230343536373839313435", 0},
        {"h=383639303132303435363738393134&", 1},
    };
    setup();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = cases[i].text;
        size_t len = strlen(t);
        /* whole, and cut at every offset (the run's end may come in the next segment) */
        for (size_t c = 0; c <= len; c++) {
            size_t cut = c;
            scan_cuts(mt, scr, (const uint8_t *)t, len, c < len ? &cut : NULL, c < len);
            int got = 0;
            for (size_t k = 0; k < nhits; k++)
                got |= !strcmp(hits[k].source, "profile") &&
                       (!strcmp(hits[k].type, "imei") || !strcmp(hits[k].type, "bssid"));
            if (got != cases[i].want)
                fprintf(stderr, "\n  %s cut at %zu: %s\n", t, c, got ? "reported" : "missed");
            CU_ASSERT_EQUAL(got, cases[i].want);
        }
        nhits = 0;
        CU_ASSERT(matcher_scan_buffer(mt, scr, (const uint8_t *)t, len, "http.body", NULL,
                                      collect, NULL) == 0);
        int got = 0;
        for (size_t k = 0; k < nhits; k++)
            got |= !strcmp(hits[k].source, "profile");
        CU_ASSERT_EQUAL(got, cases[i].want);
    }
}

/* ---- batches: exactly the hits of one scan per buffer ---------------------------- */

/* One hit as a line: everything a caller can see of it, the note included. */
static void hit_line(char *out, size_t cap, const struct matcher_hit *h, const char *note)
{
    snprintf(out, cap, "%d %s %s %s %s %s %s %s %.3f %s %llu %s", h->device, h->type,
             h->category, h->form, h->variant, h->where, h->key, h->source, h->confidence,
             h->evidence, (unsigned long long)h->offset, note);
}

struct lines {
    char (*l)[320];
    size_t n, cap;
};

static void lines_add(struct lines *ls, const struct matcher_hit *h, const char *note)
{
    if (ls->n < ls->cap)
        hit_line(ls->l[ls->n++], sizeof ls->l[0], h, note);
}

struct one_ctx {
    struct lines *ls;
    const char *note;
};

static void collect_one(void *ctx, const struct matcher_hit *h)
{
    struct one_ctx *c = ctx;
    lines_add(c->ls, h, c->note);
}

static void collect_note(void *ctx, const struct matcher_hit *h, const char *note)
{
    lines_add(ctx, h, note);
}

/* Pieces a buffer is made of: vectors, keyed text, near misses (a digit after an IMEI),
 * bare shapes, a location pair, random letters and bytes. */
static size_t batch_piece(uint32_t *rng, char *out, size_t cap)
{
    static const char *text[] = {
        "imei=352917041234567", "{\"deviceId\": \"352917041234567\"}", "lat=22.5431&lng=114.0579",
        "{\"lng\":114.057900,\"lat\":22.543100}", "mac=3c:28:6d:aa:bb:cc", "8690120456789140",
        "x869012045678914", "13812345678", "38400000-8cf0-11bd-b23e-10b96e40000d",
        "a0:b1:c2:d3:e4:00", "0123456789abcdef", "&", "=", ":", "\"", " ", "\n", "\x00\x01",
        "\x3c\x28\x6d\x11\x22\x33",
    };
    size_t n = 0;
    *rng = *rng * 1103515245u + 12345u;
    uint32_t r = *rng >> 8;
    if (r % 3 == 0) {
        const struct vec *v = &vecs[(r / 3) % NVECS];
        n = strlen(v->bytes);
        if (v->bytes[0] == 0)
            n = 0;
        memcpy(out, v->bytes, n < cap ? n : cap);
    } else if (r % 3 == 1) {
        const char *t = text[(r / 3) % (sizeof text / sizeof text[0])];
        n = strlen(t);
        memcpy(out, t, n < cap ? n : cap);
    } else {
        n = 1 + (r / 3) % 12;
        for (size_t i = 0; i < n && i < cap; i++)
            out[i] = "abcdefghij0123456789XYZ-._"[(r >> (i % 16)) % 26];
    }
    return n < cap ? n : cap;
}

static void batch_same(const matcher_t *m, matcher_scratch_t *s, uint32_t seed, size_t *hits_seen,
                       size_t *bufs)
{
    static const char *keys[] = {"imei", "mac", "lat", "lng", "", "deviceId", "v", "x_y",
                                 "imsi", "mobile"};
    static const char *notes[] = {"", "", "base64", "base64,gzip,json", "form"};
    static char ref_l[400][320], got_l[400][320];
    struct lines ref = {ref_l, 0, 400}, got = {got_l, 0, 400};
    matcher_batch_t *b = matcher_batch_new();
    uint32_t rng = seed;
    size_t n = 1 + seed % 40;
    CU_ASSERT_FATAL(b != NULL);
    for (size_t i = 0; i < n; i++) {
        char buf[400];
        size_t len = 0;
        rng = rng * 1103515245u + 12345u;
        size_t pieces = (rng >> 8) % 5;
        for (size_t k = 0; k < pieces; k++)
            len += batch_piece(&rng, buf + len, sizeof buf - len);
        rng = rng * 1103515245u + 12345u;
        const char *key = (rng >> 9) % 7 == 0 ? NULL : keys[(rng >> 12) % 10];
        const char *note = notes[(rng >> 16) % 5];
        int binary = (rng >> 20) % 4 == 0;
        struct one_ctx c = {&ref, note};
        int rc = binary ? matcher_scan_binary(m, s, (const uint8_t *)buf, len, "http.body", key,
                                              collect_one, &c)
                        : matcher_scan_buffer(m, s, (const uint8_t *)buf, len, "http.body", key,
                                              collect_one, &c);
        CU_ASSERT(rc == 0);
        /* A keyed text buffer without a note goes in either way. */
        int pair = key && !note[0] && !binary && (rng >> 24) & 1;
        CU_ASSERT((pair ? matcher_batch_add_pair(b, (const uint8_t *)buf, len, "http.body", key,
                                                 strlen(key))
                        : matcher_batch_add(b, (const uint8_t *)buf, len, "http.body", key, note,
                                            binary)) == 0);
    }
    *bufs += n;
    CU_ASSERT(matcher_batch_scan(b, m, s, collect_note, &got) == 0);
    CU_ASSERT(matcher_batch_bytes(b) == 0);
    CU_ASSERT_EQUAL(got.n, ref.n);
    for (size_t i = 0; i < ref.n && i < got.n; i++)
        if (strcmp(ref.l[i], got.l[i])) {
            fprintf(stderr, "\n  seed %u hit %zu:\n   alone: %s\n   batch: %s\n", seed, i,
                    ref.l[i], got.l[i]);
            CU_FAIL("batch hit differs");
            break;
        }
    *hits_seen += ref.n;
    matcher_batch_free(b);
}

static void test_batch_same(void)
{
    setup();
    size_t hits_seen = 0, bufs = 0;
    for (uint32_t seed = 1; seed <= 3000; seed++) {
        batch_same(mt, scr, seed, &hits_seen, &bufs);
        batch_same(mt_low, scr_low, seed, &hits_seen, &bufs);
    }
    /* the comparison is worth something only if many buffers did have hits */
    CU_ASSERT(hits_seen > bufs / 4);
    fprintf(stderr, "\n  %zu buffers, %zu hits, the same batched and alone\n", bufs, hits_seen);

    /* A value cut across two buffers is in neither; nor is it in the batch. */
    static char l[8][320];
    struct lines got = {l, 0, 8};
    matcher_batch_t *b = matcher_batch_new();
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(matcher_batch_add(b, (const uint8_t *)"8690120", 7, "http.body", "a", NULL, 0) == 0);
    CU_ASSERT(matcher_batch_add(b, (const uint8_t *)"45678914", 8, "http.body", "b", NULL, 0) == 0);
    CU_ASSERT(matcher_batch_add(b, (const uint8_t *)"", 0, "http.body", "c", NULL, 0) == 0);
    CU_ASSERT(matcher_batch_scan(b, mt, scr, collect_note, &got) == 0);
    CU_ASSERT(got.n == 0);
    /* and the whole value, with its key and note, is found after them */
    CU_ASSERT(matcher_batch_add(b, (const uint8_t *)"x", 1, "http.body", "k", "json", 0) == 0);
    CU_ASSERT(matcher_batch_add(b, (const uint8_t *)"869012045678914", 15, "http.uri", "d",
                                "base64", 0) == 0);
    CU_ASSERT(matcher_batch_scan(b, mt, scr, collect_note, &got) == 0);
    CU_ASSERT_FATAL(got.n == 1);
    CU_ASSERT(strstr(got.l[0], " imei ") && strstr(got.l[0], " http.uri d profile ") &&
              strstr(got.l[0], " base64"));
    CU_ASSERT(matcher_batch_scan(b, mt, scr, collect_note, &got) == 0 && got.n == 1);
    matcher_batch_free(b);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"key lexicon lookup", test_find_key},
        {"forms generator emits the external vectors", test_forms_generator},
        {"every form, one piece", test_every_form_whole},
        {"every form, two pieces at every offset", test_every_form_split2},
        {"every form, three pieces at every offset pair", test_every_form_split3},
        {"evidence redaction and key", test_evidence_redaction},
        {"encoded look-alikes are not the value", test_encoded_lookalikes},
        {"negative cases", test_negative},
        {"generic keyed detectors", test_generic_keyed},
        {"decoded buffer scan", test_scan_buffer},
        {"a batch reports what each buffer alone does", test_batch_same},
        {"lat/lon pairs", test_location_pairs},
        {"bare shapes below the default threshold", test_generic_bare},
        {"profile hit replaces the keyed generic hit", test_profile_wins_over_generic},
        {"gap in a stream", test_gap},
        {"NUL and regex metacharacters in values", test_nul_and_metachar_values},
        {"a value shared by two devices", test_shared_value},
        {"5000 values compile", test_5000_values},
        {"info, second device, no profile", test_info_and_attribution},
        {"four workers share one matcher", test_threads},
        {"teardown", test_teardown},
        {NULL, NULL},
    };
    return tu_run("rules_matcher", cases);
}
