/* bench_rules_matcher.c - cost of identifier detection.
 *
 * Builds a lab profile of 5 devices with a value of every identifier type, prints
 * the pattern count, compile time and database sizes, then scans ~1 GB (default;
 * first argument = MB) of HTTP-like bytes that contain no identifier, in 1448-byte
 * segments over 64 KB flows, twice: through matcher_stream_scan() and through a
 * bare hs_scan_stream() of the same database with an empty callback. The ratio is
 * the matcher's overhead (target < 1.3). A second argument sets min_confidence
 * (0.4 or lower compiles the bare shape detectors too, see rules/generic.h). */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "rules/idtype.h"
#include "rules/matcher.h"
#include "rules/profile.h"
#include "common/lwerr.h"

#define SEG 1448
#define FLOW (64 * 1024)

static void luhn15(char *d)
{
    for (int c = 0; c < 10; c++) {
        d[14] = (char)('0' + c);
        if (idtype_luhn_ok(d, 15))
            return;
    }
}

static int write_profile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "devices:\n");
    for (int d = 0; d < 5; d++) {
        char imei[16];
        snprintf(imei, sizeof imei, "8690120456%04d0", d * 37 + 11);
        luhn15(imei);
        fprintf(f,
                "  - id: dev%d\n    mac: \"3c:28:6d:11:22:%02x\"\n    identifiers:\n"
                "      imei: \"%s\"\n      meid: \"A10000%08X\"\n"
                "      android_id: \"9774d56d682e54%02x\"\n"
                "      oaid: \"1f2e3d4c-aaaa-bbbb-cccc-0123456789%02x\"\n"
                "      gaid: \"38400000-8cf0-11bd-b23e-10b96e4000%02x\"\n"
                "      idfa: \"6D92078A-8246-4BA4-AE5B-76104861E7%02X\"\n"
                "      idfv: \"0C5B3D4E-1111-2222-3333-4444555566%02X\"\n"
                "      serial: \"R58M123AB%02d\"\n"
                "      openudid: \"0123456789abcdef0123456789abcdef012345%02x\"\n"
                "      guid: \"g-%08x-lab\"\n      uaid: \"UA%08d\"\n"
                "      mac: \"3c:28:6d:11:22:%02x\"\n      bssid: \"a0:b1:c2:d3:e4:%02x\"\n"
                "      ssid: \"LabNet-5G-%d\"\n      wifi_password: \"correct horse %d\"\n"
                "      ip: 10.20.30.%d\n      imsi: \"4600012345678%02d\"\n"
                "      iccid: \"898600123456789012%02d\"\n      phone: \"138123456%02d\"\n"
                "      email: user%d@example.com\n      cell: \"460-00-1234-%04d\"\n"
                "      location: {lat: 22.54%02d, lon: 114.05%02d}\n",
                d, d, imei, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d + 1, d, d, d, d, d,
                d, d);
    }
    return fclose(f);
}

static void fill_http(uint8_t *buf, size_t len)
{
    static const char *paths[] = {"/api/v1/items", "/static/app.js", "/feed/list", "/img/a.png",
                                  "/search", "/user/profile/view"};
    uint32_t r = 2463534242u;
    size_t k = 0;
    while (k < len) {
        char req[1024], tok[40];
        for (size_t i = 0; i < sizeof tok - 1; i++) {
            r ^= r << 13, r ^= r >> 17, r ^= r << 5;
            tok[i] = (char)("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[r % 52]);
        }
        tok[sizeof tok - 1] = 0;
        int n = snprintf(req, sizeof req,
                         "GET %s?page=%u&sort=desc&q=%.12s HTTP/1.1\r\nHost: www.example.com\r\n"
                         "User-Agent: Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36\r\n"
                         "Accept: text/html,application/json;q=0.9,*/*;q=0.8\r\n"
                         "Accept-Encoding: gzip, deflate\r\nCookie: sess=%s; theme=dark\r\n"
                         "Connection: keep-alive\r\n\r\n"
                         "{\"items\":[{\"name\":\"%.8s\",\"price\":%u,\"tags\":[\"new\",\"sale\"]}]}\r\n",
                         paths[r % 6], r % 100, tok, tok + 12, tok + 20, r % 1000);
        size_t c = (size_t)n < len - k ? (size_t)n : len - k;
        memcpy(buf + k, req, c);
        k += c;
    }
}

static size_t nhits;
static void on_hit(void *ctx, const struct matcher_hit *h)
{
    (void)ctx;
    if (nhits++ < 3)
        fprintf(stderr, "unexpected hit: %s %s %s\n", h->type, h->form, h->evidence);
}

static int bare_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                   void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    ++*(size_t *)ctx;
    return 0;
}

int main(int argc, char **argv)
{
    char err[LW_ERRBUF], dir[] = "/tmp/lwbenchXXXXXX", path[64];
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 1024, buflen = 64u << 20;
    profile_t *p = NULL;
    matcher_t *m = NULL;
    int rc = 1;
    struct matcher_opts opts = {.min_confidence = argc > 2 ? atof(argv[2]) : 0.5};
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/lab.yaml", dir);
    if (write_profile(path) != 0 || profile_load(path, &p, err, sizeof err) != 0 ||
        matcher_new(p, &opts, &m, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        goto out;
    }
    struct matcher_info info;
    matcher_info(m, &info);
    size_t nvals = 0;
    for (size_t i = 0; i < profile_ndevices(p); i++)
        nvals += profile_device(p, i)->n_idents;
    printf("profile: %zu devices, %zu values, %zu types; min_confidence %.2f\n",
           profile_ndevices(p), nvals, idtype_count(), opts.min_confidence);
    printf("patterns: %zu  compile: %.3f s  stream db: %zu B  block db: %zu B  "
           "stream state: %zu B\n",
           info.patterns, info.compile_seconds, info.stream_db_bytes, info.block_db_bytes,
           info.stream_state_bytes);

    uint8_t *buf = malloc(buflen);
    matcher_scratch_t *s = matcher_scratch_new(m);
    const hs_database_t *db = matcher_hs_database(m, 0);
    hs_scratch_t *hs = NULL;
    if (!buf || !s || hs_alloc_scratch(db, &hs) != HS_SUCCESS)
        goto out;
    fill_http(buf, buflen);
    size_t total = mb << 20, bare_hits = 0;
    double best_m = 1e9, best_b = 1e9;
    for (int round = 0; round < 3; round++) {
        /* alternate so neither side always runs on a warmer cache */
        double t0 = bench_now();
        for (size_t done = 0; done < total;) {
            size_t off = done % buflen / FLOW * FLOW;
            hs_stream_t *st;
            if (hs_open_stream(db, 0, &st) != HS_SUCCESS)
                goto out;
            for (size_t k = 0; k < FLOW; k += SEG) {
                size_t n = FLOW - k < SEG ? FLOW - k : SEG;
                hs_scan_stream(st, (const char *)buf + off + k, (unsigned)n, 0, hs, bare_cb,
                               &bare_hits);
            }
            hs_close_stream(st, hs, bare_cb, &bare_hits);
            done += FLOW;
        }
        double t1 = bench_now();
        for (size_t done = 0; done < total;) {
            size_t off = done % buflen / FLOW * FLOW;
            matcher_stream_t *st = matcher_stream_open(m, "tcp.payload");
            if (!st)
                goto out;
            for (size_t k = 0; k < FLOW; k += SEG) {
                size_t n = FLOW - k < SEG ? FLOW - k : SEG;
                matcher_stream_scan(st, s, buf + off + k, n, on_hit, NULL);
            }
            matcher_stream_close(st, s, on_hit, NULL);
            done += FLOW;
        }
        double t2 = bench_now();
        if (t1 - t0 < best_b)
            best_b = t1 - t0;
        if (t2 - t1 < best_m)
            best_m = t2 - t1;
    }
    double gb = (double)total / 1e9;
    printf("scan %.2f GB in %d-byte segments, %d KB flows (best of 3):\n", gb, SEG, FLOW / 1024);
    printf("  bare hs_scan_stream:  %.2f GB/s (%.1f Gbit/s), raw pattern hits %zu\n",
           gb / best_b, 8 * gb / best_b, bare_hits);
    printf("  matcher_stream_scan:  %.2f GB/s (%.1f Gbit/s), reported hits %zu\n",
           gb / best_m, 8 * gb / best_m, nhits);
    printf("  ratio matcher/bare:   %.3fx (target < 1.3x)\n", best_m / best_b);
    rc = nhits == 0 ? 0 : 1;
    hs_free_scratch(hs);
    matcher_scratch_free(s);
    free(buf);
out:
    matcher_free(m);
    profile_free(p);
    unlink(path);
    rmdir(dir);
    return rc;
}
