/* bench_dissectors_http.c - throughput of HTTP-heavy streams through the dissectors,
 * against a plain memchr pass over the same segments in the same run.
 *
 * The stream is built in memory: keep-alive requests with query strings and cookies,
 * form and JSON uploads, and responses that are gzip+chunked JSON, plain JSON and
 * plain HTML. It is fed in 1448-byte segments (a typical MSS), one flow per pass, and
 * the field callback only counts, so the figure is the dissectors' own cost (the
 * matcher's is measured by the rules/ benchmarks).
 *
 * Usage: bench_dissectors_http [MiB per pass, default 64] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "bench/benchutil.h"
#include "dissectors/dissect.h"

#define SEG 1448

static void putf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct sbuf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    put(b, tmp, (size_t)n);
}

struct counts {
    size_t fields, bytes, names;
};

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v,
                     size_t len)
{
    struct counts *c = ctx;
    (void)where;
    (void)key;
    (void)v;
    c->fields++;
    c->bytes += len;
}

static void on_name(void *ctx, const char *kind, const char *name)
{
    (void)kind;
    (void)name;
    ((struct counts *)ctx)->names++;
}

/* One round of traffic: client bytes into c, server bytes into s. */
static void round_trip(struct sbuf *c, struct sbuf *s, unsigned i)
{
    static const char json[] =
        "{\"imei\":\"869012045678912\",\"oaid\":\"1f2e3d4c-aaaa-bbbb-cccc-0123456789ab\","
        "\"app\":{\"pkg\":\"com.weipai.xiaoyingkankan\",\"ver\":\"3.2.1\"},"
        "\"events\":[{\"id\":1,\"name\":\"launch\",\"ts\":1732400000},"
        "{\"id\":2,\"name\":\"view\",\"ts\":1732400001}],"
        "\"blob\":\"eyJpbWVpIjoiODY5MDEyMDQ1Njc4OTEyIn0=\"}";
    putf(c,
         "GET /v2/config?appkey=5f2e%d&imei=869012045678912&mac=3c%%3A28%%3A6d%%3A11"
         "%%3A22%%3A33&os=android&osv=13&model=Pixel+6&ts=%u HTTP/1.1\r\n"
         "Host: ulogs.umeng.com\r\nUser-Agent: Dalvik/2.1.0 (Linux; U; Android 13)\r\n"
         "Cookie: sid=abcdef0123456789; uid=42; oaid=1f2e3d4c%%2Daaaa\r\n"
         "Accept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n",
         i, i);
    putf(c,
         "POST /upload HTTP/1.1\r\nHost: alog.umeng.com\r\n"
         "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
         sizeof json - 1, json);
    const char *form = "imei=869012045678912&ssid=LabNet-5G&bssid=a0%3Ab1%3Ac2%3Ad3%3Ae4"
                       "%3Af5&lat=22.5431&lon=114.0579&channel=huawei";
    putf(c,
         "POST /track HTTP/1.1\r\nHost: t.example.com\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
         strlen(form), form);

    /* Response 1: gzip JSON, chunked in two. */
    static uint8_t gz[2048];
    static size_t gzl;
    if (!gzl) {
        z_stream z = {0};
        deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (Bytef *)(uintptr_t)json;
        z.avail_in = sizeof json - 1;
        z.next_out = gz;
        z.avail_out = sizeof gz;
        deflate(&z, Z_FINISH);
        gzl = z.total_out;
        deflateEnd(&z);
    }
    putf(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
    putf(s, "%zx\r\n", gzl / 2);
    put(s, gz, gzl / 2);
    putf(s, "\r\n%zx\r\n", gzl - gzl / 2);
    put(s, gz + gzl / 2, gzl - gzl / 2);
    putf(s, "\r\n0\r\n\r\n");
    /* Response 2: plain JSON. Response 3: an HTML page (not parsed, only framed). */
    putf(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
         sizeof json - 1, json);
    char html[6000];
    memset(html, 'x', sizeof html);
    memcpy(html, "<html><body>", 12);
    putf(s, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n\r\n",
         sizeof html);
    put(s, html, sizeof html);
}

static void feed(dissect_flow_t *f, int dir, const struct sbuf *b, struct counts *cnt)
{
    static const struct dissect_cb cb = {on_field, on_name, NULL, NULL, NULL};
    for (size_t o = 0; o < b->n; o += SEG) {
        size_t k = b->n - o < SEG ? b->n - o : SEG;
        dissect_flow_data(f, dir, b->p + o, k, &cb, cnt);
    }
}

static size_t plain(const struct sbuf *b)
{
    size_t lines = 0;
    for (size_t o = 0; o < b->n; o += SEG) {
        size_t k = b->n - o < SEG ? b->n - o : SEG;
        const uint8_t *p = b->p + o, *e = p + k;
        while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
            lines++;
            p++;
        }
    }
    return lines;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    struct sbuf c = {0}, s = {0};
    for (unsigned i = 0; c.n + s.n < mib << 20; i++)
        round_trip(&c, &s, i);
    double total = (double)(c.n + s.n);
    int reps = 5;

    struct dissect_env env = {0};
    struct counts cnt = {0};
    double best_d = 1e9, best_p = 1e9;
    size_t lines = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        lines += plain(&c) + plain(&s);
        double t1 = bench_now();
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
        feed(f, 0, &c, &cnt);
        feed(f, 1, &s, &cnt);
        dissect_flow_close(f, NULL, NULL);
        dissect_flow_free(f);
        double t2 = bench_now();
        if (t1 - t0 < best_p)
            best_p = t1 - t0;
        if (t2 - t1 < best_d)
            best_d = t2 - t1;
    }
    double gd = total * 8 / best_d / 1e9, gp = total * 8 / best_p / 1e9;
    printf("stream: %.1f MiB per pass (%.1f MiB client, %.1f MiB server), %d passes, "
           "segments of %d B\n",
           total / 1048576, c.n / 1048576.0, s.n / 1048576.0, reps, SEG);
    printf("plain memchr pass : %8.2f Gbit/s (%zu lines)\n", gp, lines / (size_t)reps);
    printf("dissectors        : %8.2f Gbit/s (%zu fields, %zu MiB of values, %zu names "
           "per pass; %llu messages)\n",
           gd, cnt.fields / (size_t)reps, cnt.bytes / (size_t)reps / 1048576,
           cnt.names / (size_t)reps, (unsigned long long)env.stats.http_msgs / (unsigned)reps);
    printf("ratio dissectors/plain: %.3f (plain is %.1fx faster)\n", gd / gp, gp / gd);
    unsigned long long bad = env.stats.http_bad_start + env.stats.http_bad_chunk +
                             env.stats.zlib_errors + env.stats.http_hdr_too_long;
    if (bad)
        printf("unexpected anomalies: %llu\n", bad);
    free(c.p);
    free(s.p);
    return bad ? 1 : 0;
}
