/* test_capture_pcapfile.c - capture/pcapfile.c against libpcap as the oracle.
 *
 * Every file here is written by the test itself (either byte order, micro- and
 * nanosecond magic, snapshot lengths libpcap adjusts, records beyond the snapshot
 * length and beyond its maximum, records across the 1 MiB read blocks), then read both
 * by libpcap's pcap_next_ex() and by pcapfile_next(): each record's header and bytes,
 * the end, and the message of a damaged file must be the same. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcapfile.h"
#include "tests/testutil.h"

struct gen {
    uint8_t *b;
    size_t n, cap;
    int swap;   /* written in the other byte order */
};

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static void put(struct gen *g, const void *p, size_t n)
{
    if (g->n + n > g->cap) {
        g->cap = (g->n + n) * 2;
        g->b = realloc(g->b, g->cap);
    }
    memcpy(g->b + g->n, p, n);
    g->n += n;
}

static void put16(struct gen *g, uint16_t v)
{
    v = g->swap ? __builtin_bswap16(v) : v;
    put(g, &v, 2);
}

static void put32(struct gen *g, uint32_t v)
{
    v = g->swap ? __builtin_bswap32(v) : v;
    put(g, &v, 4);
}

static void file_header(struct gen *g, uint32_t magic, uint16_t major, uint16_t minor,
                        uint32_t snaplen, uint32_t linktype)
{
    g->n = 0;
    put32(g, magic);
    put16(g, major);
    put16(g, minor);
    put32(g, 0);
    put32(g, 0);
    put32(g, snaplen);
    put32(g, linktype);
}

static void record(struct gen *g, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len)
{
    put32(g, sec);
    put32(g, frac);
    put32(g, caplen);
    put32(g, len);
    for (uint32_t i = 0; i < caplen; i++) {
        uint8_t c = (uint8_t)rnd();
        put(g, &c, 1);
    }
}

/* A record length: mostly packet-sized, sometimes jumbo or past the snapshot length. */
static uint32_t some_caplen(void)
{
    switch (rnd() % 16) {
    case 0:
        return 0;
    case 1:
        return 60000 + rnd() % 20000;
    case 2:
        return 262144 - rnd() % 3;
    default:
        return rnd() % 1600;
    }
}

/* Read path both ways and compare; returns the records both handed out, or -1 at the
 * first difference (printed). expect_taken: whether pcapfile should take the file. */
static long compare(const char *path, int expect_taken)
{
    char e1[PCAP_ERRBUF_SIZE] = "", e2[PCAP_ERRBUF_SIZE] = "";
    pcap_t *ref = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, e1);
    FILE *fp = fopen(path, "rb");
    pcap_t *pc = fp ? pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, e2)
                    : NULL;
    if (!pc && fp)
        fclose(fp);
    long n = 0;
    pcapfile_t *f = NULL;
    if (!ref || !pc) {
        CU_ASSERT_EQUAL(!ref, !pc);   /* the header is libpcap's to judge, both times */
        goto out;
    }
    f = pcapfile_open(fileno(fp), pc);
    CU_ASSERT_EQUAL(f != NULL, expect_taken);
    if (expect_taken)   /* what the source asks before libpcap opens the file */
        CU_ASSERT_EQUAL(pcapfile_probe(fileno(fp)), 1);
    if (!f)
        goto out;
    for (;;) {
        struct pcap_pkthdr *rh, h;
        const u_char *rd;
        const uint8_t *d;
        char err[PCAP_ERRBUF_SIZE] = "";
        int rr = pcap_next_ex(ref, &rh, &rd);
        int r = pcapfile_next(f, &h, &d, err, sizeof err);
        int want = rr == 1 ? 1 : rr == PCAP_ERROR_BREAK ? 0 : -1;
        if (r != want || (r < 0 && strcmp(err, pcap_geterr(ref))) ||
            (r == 1 && (h.ts.tv_sec != rh->ts.tv_sec || h.ts.tv_usec != rh->ts.tv_usec ||
                        h.caplen != rh->caplen || h.len != rh->len ||
                        memcmp(d, rd, h.caplen)))) {
            fprintf(stderr, "%s: record %ld: pcapfile %d '%s', libpcap %d '%s'\n", path, n + 1,
                    r, err, rr, rr == PCAP_ERROR ? pcap_geterr(ref) : "");
            if (r == 1 && rr == 1)
                fprintf(stderr, "  ts %lld.%lld / %lld.%lld, caplen %u / %u, len %u / %u\n",
                        (long long)h.ts.tv_sec, (long long)h.ts.tv_usec,
                        (long long)rh->ts.tv_sec, (long long)rh->ts.tv_usec, h.caplen,
                        rh->caplen, h.len, rh->len);
            CU_FAIL("pcapfile differs from libpcap");
            n = -1;
            goto out;
        }
        if (r != 1)
            break;
        n++;
    }
    /* Spent: it stays at the end. */
    struct pcap_pkthdr h;
    const uint8_t *d;
    char err[PCAP_ERRBUF_SIZE];
    CU_ASSERT_EQUAL(pcapfile_next(f, &h, &d, err, sizeof err), 0);
out:
    pcapfile_free(f);
    if (ref)
        pcap_close(ref);
    if (pc)
        pcap_close(pc);
    return n;
}

static void write_gen(const char *path, const struct gen *g, size_t len)
{
    CU_ASSERT_FATAL(tu_write(path, g->b, len) == 0);
}

/* Random well-formed and damaged files of the layouts pcapfile takes. */
static void random_files(void)
{
    static const uint32_t links[] = {1, 101, 113, 276, 228, 229};
    static const uint32_t snaps[] = {0, 64, 1514, 65535, 262144, 400000};
    struct gen g = {0};
    long total = 0;
    for (int i = 0; i < 300; i++) {
        g.swap = (int)(rnd() & 1);
        uint32_t link = links[rnd() % 6];
        file_header(&g, rnd() & 1 ? 0xa1b23c4du : 0xa1b2c3d4u, 2, 4, snaps[rnd() % 6], link);
        int nrec = (int)(rnd() % 60);
        for (int k = 0; k < nrec; k++) {
            uint32_t caplen = some_caplen();
            uint32_t len = rnd() & 1 ? caplen + rnd() % 100 : rnd() % 2000;
            record(&g, rnd(), rnd() & 3 ? rnd() % 1000000000u : rnd(), caplen, len);
        }
        if (rnd() % 8 == 0) { /* libpcap refuses a record this large */
            put32(&g, 5);
            put32(&g, 5);
            put32(&g, 262145 + rnd() % 1000000);
            put32(&g, 100);
        }
        /* Cut one in three somewhere, possibly in a record header. */
        size_t len = rnd() % 3 ? g.n : 24 + rnd() % (g.n - 23);
        write_gen(tu_path("r.pcap"), &g, len);
        int declined = g.swap && (link == 113 || link == 276);
        long n = compare(tu_path("r.pcap"), !declined);
        CU_ASSERT(n >= 0);
        if (n < 0)
            break;
        total += n;
    }
    CU_ASSERT(total > 3000);   /* the comparison saw records, not only ends */
    free(g.b);
}

/* One file, cut at every length. */
static void truncated_everywhere(void)
{
    struct gen g = {0};
    file_header(&g, 0xa1b2c3d4u, 2, 4, 200, 1);
    record(&g, 1, 2, 60, 60);
    record(&g, 3, 4, 0, 0);
    record(&g, 5, 6, 300, 300);   /* beyond the snapshot length: its head is kept */
    record(&g, 7, 8, 200, 1500);
    for (size_t len = 24; len <= g.n; len++) {
        write_gen(tu_path("t.pcap"), &g, len);
        long n = compare(tu_path("t.pcap"), 1);
        CU_ASSERT(n >= 0);
        if (n < 0)
            break;
        if (len == g.n)
            CU_ASSERT_EQUAL(n, 4);
    }
    free(g.b);
}

/* Records across the 1 MiB blocks, and the offset at the end. */
static void across_blocks(void)
{
    struct gen g = {0};
    file_header(&g, 0xa1b2c3d4u, 2, 4, 262144, 1);
    int nrec = 0;
    while (g.n < (7u << 20)) {
        record(&g, (uint32_t)nrec, 0, rnd() % 4 ? rnd() % 1600 : 100000 + rnd() % 162144, 0);
        nrec++;
    }
    write_gen(tu_path("b.pcap"), &g, g.n);
    CU_ASSERT_EQUAL(compare(tu_path("b.pcap"), 1), nrec);

    char e[PCAP_ERRBUF_SIZE];
    FILE *fp = fopen(tu_path("b.pcap"), "rb");
    pcap_t *pc = pcap_fopen_offline(fp, e);
    CU_ASSERT_FATAL(pc != NULL);
    pcapfile_t *f = pcapfile_open(fileno(fp), pc);
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(pcapfile_offset(f), 24);
    struct pcap_pkthdr h;
    const uint8_t *d;
    while (pcapfile_next(f, &h, &d, e, sizeof e) == 1)
        ;
    CU_ASSERT_EQUAL(pcapfile_offset(f), g.n);
    pcapfile_free(f);
    pcap_close(pc);
    free(g.b);
}

/* What libpcap must go on reading itself. */
static void declined(void)
{
    struct gen g = {0};
    file_header(&g, 0xa1b2c3d4u, 2, 3, 65535, 1);   /* 2.3: lengths maybe swapped */
    record(&g, 1, 1, 10, 20);
    write_gen(tu_path("d.pcap"), &g, g.n);
    CU_ASSERT(compare(tu_path("d.pcap"), 0) == 0);
    FILE *v = fopen(tu_path("d.pcap"), "rb");
    CU_ASSERT_FATAL(v != NULL);
    CU_ASSERT_EQUAL(pcapfile_probe(fileno(v)), 0);
    fclose(v);
    file_header(&g, 0xa1b2cd34u, 2, 4, 65535, 1);   /* Kuznetzov's patched headers */
    write_gen(tu_path("d.pcap"), &g, g.n);
    CU_ASSERT(compare(tu_path("d.pcap"), 0) == 0);
    file_header(&g, 0xa1b2c3d4u, 2, 4, 65535, 220);   /* USB, memory-mapped */
    write_gen(tu_path("d.pcap"), &g, g.n);
    CU_ASSERT(compare(tu_path("d.pcap"), 0) == 0);
    g.swap = 1;   /* SLL from a host of the other byte order: libpcap swaps its header */
    file_header(&g, 0xa1b2c3d4u, 2, 4, 65535, 113);
    write_gen(tu_path("d.pcap"), &g, g.n);
    CU_ASSERT(compare(tu_path("d.pcap"), 0) == 0);

    /* pcapng: a section header block and an interface block */
    static const uint8_t ng[] = {
        0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
        1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0};
    write_gen(tu_path("d.pcap"), &(struct gen){.b = (uint8_t *)ng, .n = sizeof ng}, sizeof ng);
    CU_ASSERT(compare(tu_path("d.pcap"), 0) == 0);

    /* A pipe cannot be read from its start again. */
    g.swap = 0;
    file_header(&g, 0xa1b2c3d4u, 2, 4, 65535, 1);
    record(&g, 1, 1, 10, 10);
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    CU_ASSERT_FATAL(write(fds[1], g.b, g.n) == (ssize_t)g.n);
    close(fds[1]);
    char e[PCAP_ERRBUF_SIZE];
    FILE *fp = fdopen(fds[0], "rb");
    pcap_t *pc = pcap_fopen_offline(fp, e);
    CU_ASSERT_FATAL(pc != NULL);
    CU_ASSERT_EQUAL(pcapfile_probe(fds[0]), 0);
    CU_ASSERT_PTR_NULL(pcapfile_open(fds[0], pc));
    pcap_close(pc);
    free(g.b);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"random files, whole and cut, as libpcap reads them", random_files},
        {"one file cut at every length", truncated_everywhere},
        {"records across the read blocks; offset", across_blocks},
        {"files libpcap keeps reading itself", declined},
        {NULL, NULL},
    };
    return tu_run("capture/pcapfile", cases);
}
