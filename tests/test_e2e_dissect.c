/* End to end through the binary: identifiers that only the dissectors can see.
 * - an IMEI fully percent-encoded in a query string (invisible to the raw scan);
 * - the IMEI base64-encoded inside a JSON body, gzip-compressed, sent chunked and cut
 *   across several TCP segments;
 * - the server is an IP literal in Host: only the earlier DNS answer names it
 *   (alog.umeng.com -> umeng, sdk_match "dns"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tests/gen/pcapw.h"
#include "tests/testutil.h"

#define IMEI "869012045678914"
/* printf %s 'imei=869012045678914' | base64 */
#define IMEI_B64 "aW1laT04NjkwMTIwNDU2Nzg5MTQ="

static size_t gzip_buf(const char *in, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)strlen(in);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

static size_t dns_answer(uint8_t *b)
{
    static const uint8_t hdr[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
    static const uint8_t qname[] = "\x04" "alog" "\x05" "umeng" "\x03" "com";
    size_t n = 0;
    memcpy(b, hdr, sizeof hdr);
    n += sizeof hdr;
    memcpy(b + n, qname, sizeof qname); /* includes the final 0 label */
    n += sizeof qname;
    static const uint8_t q[] = {0, 1, 0, 1};
    memcpy(b + n, q, 4);
    n += 4;
    /* Answer: pointer to the question name, A, IN, TTL 300, 198.51.100.7. */
    static const uint8_t a[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 198, 51, 100, 7};
    memcpy(b + n, a, sizeof a);
    return n + sizeof a;
}

static void write_capture(const char *path)
{
    char err[256];
    pcapw_t *w = pcapw_open(path, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct pcapw_ep dev, dns, srv;
    pcapw_ep(&dev, "10.0.0.2", 40000, "02:00:0a:00:00:02");
    pcapw_ep(&dns, "10.0.0.1", 53, NULL);
    pcapw_ep(&srv, "198.51.100.7", 80, NULL);
    uint8_t b[2048];
    size_t n = dns_answer(b);
    uint64_t t = 1767225600000000ull;
    CU_ASSERT_EQUAL(pcapw_udp(w, t, &dns, &dev, b, n), 0);

    /* Flow 1: percent-encoded IMEI in the query. */
    char req[1024] = "GET /u?v=1&imei=";
    for (const char *p = IMEI; *p; p++)
        snprintf(req + strlen(req), sizeof req - strlen(req), "%%%02X", *p);
    strcat(req, " HTTP/1.1\r\nHost: 198.51.100.7\r\n\r\n");
    dev.port = 40001;
    pcapw_tcp_t *c = pcapw_tcp_new(w, &dev, &srv, 1000, 5000);
    pcapw_tcp_handshake(c, t + 1000);
    CU_ASSERT_EQUAL(pcapw_tcp_send(c, t + 2000, 1, req, strlen(req), 0), 0);
    pcapw_tcp_close(c, t + 3000, 1);
    pcapw_tcp_free(c);

    /* Flow 2: gzip JSON with the base64 IMEI, chunked, cut into 4 segments. */
    uint8_t gz[512];
    size_t gzn = gzip_buf("{\"app\":\"demo\",\"payload\":\"" IMEI_B64 "\"}", gz, sizeof gz);
    char head[256];
    snprintf(head, sizeof head,
             "POST /upload HTTP/1.1\r\nHost: 198.51.100.7\r\nContent-Type: application/json\r\n"
             "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");
    uint8_t msg[2048];
    size_t m = strlen(head), half = gzn / 2;
    memcpy(msg, head, m);
    m += (size_t)sprintf((char *)msg + m, "%zx\r\n", half);
    memcpy(msg + m, gz, half);
    m += half;
    m += (size_t)sprintf((char *)msg + m, "\r\n%zx\r\n", gzn - half);
    memcpy(msg + m, gz + half, gzn - half);
    m += gzn - half;
    m += (size_t)sprintf((char *)msg + m, "\r\n0\r\n\r\n");
    size_t cuts[3] = {strlen(head) + 3, strlen(head) + 20, m - 9};
    dev.port = 40002;
    c = pcapw_tcp_new(w, &dev, &srv, 777, 9000);
    pcapw_tcp_handshake(c, t + 10000);
    CU_ASSERT_EQUAL(pcapw_tcp_send_cuts(c, t + 11000, 1, msg, m, cuts, 3, NULL, 0), 0);
    pcapw_tcp_close(c, t + 12000, 1);
    pcapw_tcp_free(c);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);
}

static void test_dissected_identifiers(void)
{
    const char *cap = strdup(tu_path("e2e.pcap"));
    const char *prof = strdup(tu_path("lab.yaml"));
    write_capture(cap);
    FILE *f = fopen(prof, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "devices:\n  - id: phone\n    mac: \"02:00:0a:00:00:02\"\n"
               "    policy: xiaoying-kankan\n    identifiers:\n      imei: \"%s\"\n", IMEI);
    fclose(f);
    char *out = NULL;
    int rc = tu_sh(&out, "%s -q -r %s --profile %s", LW_BINARY, cap, prof);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    /* The percent-encoded IMEI, found in the decoded query and attributed via DNS. */
    CU_ASSERT(strstr(out, "\"sdk\":\"umeng\",\"sdk_match\":\"dns\",\"identifier\":{\"type\":\"imei\","
                          "\"category\":\"device_identifier\",\"form\":\"plain\","
                          "\"where\":\"http.uri\",\"key\":\"imei\"") != NULL);
    /* The base64 "imei=<IMEI>" inside the gunzipped, de-chunked body: decoded (issue
     * 13), it is the form field imei, and the finding names the layers; the base64 form
     * of the same bytes is the same leak and not reported twice. */
    CU_ASSERT(strstr(out, "\"form\":\"plain\",\"where\":\"http.body\",\"key\":\"imei\"") != NULL);
    CU_ASSERT(strstr(out, "\"encoding\":[\"base64\",\"form\"]") != NULL);
    CU_ASSERT(strstr(out, "\"form\":\"base64\"") == NULL);
    CU_ASSERT(tu_count(out, "\"host\":\"alog.umeng.com\"") >= 2);
    /* Umeng is declared for imei in seed 002. */
    CU_ASSERT_EQUAL(tu_count(out, "\"event_type\":\"privacy_leak\""),
                    tu_count(out, "\"verdict\":\"declared\""));
    if (CU_get_number_of_failures())
        fprintf(stderr, "%s\n", out);
    free(out);
    free((void *)cap);
    free((void *)prof);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"URL-encoded, gzip+chunked+base64, DNS-named", test_dissected_identifiers},
        {NULL, NULL},
    };
    return tu_run("e2e/dissectors", cases);
}
