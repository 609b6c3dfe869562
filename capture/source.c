/* source.c - see source.h. */
#include "capture/source.h"

#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/pcapdroid.h"
#include "capture/pcapfile.h"
#include "common/lwerr.h"

struct source {
    const char *const *files;
    int nfiles, cur;                 /* cur: index of the open file, -1 before */
    char *filter;
    pcap_t *pc;
    struct bpf_program prog;
    int have_prog;
    int linktype;
    uint64_t pkt_no, file_pkt_no, filtered;
    uint64_t total_bytes, done_bytes; /* sizes of all files / of finished files */
    _Atomic uint64_t pos;             /* bytes read, published for progress */
    pcapdroid_apps_t *apps;           /* every app packets named, kept to the end */
    pcapdroid_ng_t *ng;               /* the open file's blocks, if it is pcapng */
    pcapfile_t *pf;                   /* the open file's records, if pcapfile takes it */
    char *iobuf;                      /* else the open file's stdio buffer (SOURCE_IOBUF) */
};

/* libpcap reads a file through stdio, whose buffer is one page: a read() per 4 KiB,
 * which on a virtual machine cost the reader thread more than decoding the packets. */
#define SOURCE_IOBUF (1u << 20)

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

int source_open(const char *const *files, int nfiles, const char *filter, source_t **out,
                char *err, size_t errlen)
{
    source_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    s->files = files;
    s->nfiles = nfiles;
    s->cur = -1;
    if (!(s->apps = pcapdroid_apps_new())) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    for (int i = 0; i < nfiles; i++)
        s->total_bytes += file_size(files[i]);
    if (filter && *filter) {
        s->filter = strdup(filter);
        pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
        struct bpf_program p;
        if (!s->filter || !dead || pcap_compile(dead, &p, filter, 1, PCAP_NETMASK_UNKNOWN)) {
            snprintf(err, errlen, "bad filter expression '%s': %s", filter,
                     dead ? pcap_geterr(dead) : "out of memory");
            if (dead)
                pcap_close(dead);
            source_free(s);
            return LW_ERR_INVAL;
        }
        pcap_freecode(&p);
        pcap_close(dead);
    }
    *out = s;
    return 0;
}

static void close_file(source_t *s)
{
    if (s->have_prog)
        pcap_freecode(&s->prog);
    s->have_prog = 0;
    if (s->pc)
        pcap_close(s->pc);   /* closes the FILE: its buffer can go after */
    s->pc = NULL;
    pcapfile_free(s->pf);
    s->pf = NULL;
    free(s->iobuf);
    s->iobuf = NULL;
    pcapdroid_ng_close(s->ng);
    s->ng = NULL;
    if (s->cur >= 0)
        s->done_bytes += file_size(s->files[s->cur]);
    atomic_store_explicit(&s->pos, s->done_bytes, memory_order_relaxed);
}

void source_free(source_t *s)
{
    if (!s)
        return;
    close_file(s);
    pcapdroid_apps_free(s->apps);
    free(s->filter);
    free(s);
}

/* A PCAPdroid trailer at the end of an Ethernet frame: the packet's app. */
static void app_trailer(source_t *s, struct source_pkt *p)
{
    int32_t uid;
    char name[PCAPDROID_TRAILER_NAME];
    if (!p->app && s->linktype == DLT_EN10MB &&
        (p->trailer_len = (uint32_t)pcapdroid_trailer(p->data, p->caplen, &uid, name)))
        p->app = pcapdroid_apps_get(s->apps, uid, NULL, name);
}

/* Open the next file; <0 with a message if it cannot be used. */
static int open_next(source_t *s, char *err, size_t errlen)
{
    close_file(s);
    s->cur++;
    s->file_pkt_no = 0;
    const char *f = s->files[s->cur];
    char perr[PCAP_ERRBUF_SIZE] = "";
    FILE *fp = strcmp(f, "-") ? fopen(f, "rb") : NULL;
    if (fp) {
        /* libpcap checks the file header in any case; the records of a classic pcap
         * are then read by capture/pcapfile.c. The stdio buffer is for the files it
         * does not take, and must be set before libpcap's first read. */
        int own = pcapfile_probe(fileno(fp));
        if (!own && (s->iobuf = malloc(SOURCE_IOBUF)))
            setvbuf(fp, s->iobuf, _IOFBF, SOURCE_IOBUF);
        s->pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
        if (!s->pc)
            fclose(fp);   /* libpcap owns it only once it opened */
        else if (own)
            s->pf = pcapfile_open(fileno(fp), s->pc);
    } else {
        /* stdin, or a name fopen() refused: libpcap says why in its own words */
        s->pc = pcap_open_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, perr);
    }
    if (!s->pc) {
        snprintf(err, errlen, "%s: cannot read as pcap or pcapng: %s", f, perr);
        return LW_ERR_PARSE;
    }
    s->linktype = pcap_datalink(s->pc);
    /* The follower reads the file a second time: only a regular file can be (a pipe
     * would hand each reader part of the data). */
    struct stat st;
    if (fp && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
        s->ng = pcapdroid_ng_open(f);
    if (s->filter) {
        if (pcap_compile(s->pc, &s->prog, s->filter, 1, PCAP_NETMASK_UNKNOWN)) {
            snprintf(err, errlen, "%s: filter '%s' does not apply to link type %s: %s", f,
                     s->filter, pcap_datalink_val_to_name(s->linktype), pcap_geterr(s->pc));
            return LW_ERR_INVAL;
        }
        s->have_prog = 1;
    }
    return 0;
}

int source_next(source_t *s, struct source_pkt *p, char *err, size_t errlen)
{
    for (;;) {
        if (!s->pc) {
            if (s->cur + 1 >= s->nfiles)
                return 0;
            int rc = open_next(s, err, errlen);
            if (rc < 0) {
                close_file(s);
                return rc;
            }
        }
        struct pcap_pkthdr *h, own;
        const u_char *data;
        char why[PCAP_ERRBUF_SIZE];   /* set by pcapfile_next() when it fails */
        int rc;
        if (s->pf) {
            h = &own;
            rc = pcapfile_next(s->pf, h, &data, why, sizeof why);
            rc = rc < 0 ? PCAP_ERROR : rc ? 1 : PCAP_ERROR_BREAK;
        } else {
            rc = pcap_next_ex(s->pc, &h, &data);
        }
        if (rc == 1) {
            /* Numbers count records in the file, filtered or not, so that a message
             * about packet N points at record N in Wireshark. We filter here rather
             * than with pcap_setfilter() to count what the filter rejected. */
            s->pkt_no++;
            s->file_pkt_no++;
            /* Every record moves the pcapng follower, filtered or not. */
            p->app = s->ng ? pcapdroid_ng_next(s->ng, s->apps) : NULL;
            p->trailer_len = 0;
            if (s->have_prog && !pcap_offline_filter(&s->prog, h, data)) {
                s->filtered++;
                continue;
            }
            p->data = data;
            p->caplen = h->caplen;
            p->wirelen = h->len;
            p->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
            p->linktype = s->linktype;
            p->pkt_no = s->pkt_no;
            p->file_pkt_no = s->file_pkt_no;
            p->file = s->files[s->cur];
            app_trailer(s, p);
            if ((s->file_pkt_no & 1023) == 0) {
                long off = s->pf ? (long)pcapfile_offset(s->pf) : ftell(pcap_file(s->pc));
                if (off > 0)
                    atomic_store_explicit(&s->pos, s->done_bytes + (uint64_t)off,
                                          memory_order_relaxed);
            }
            return 1;
        }
        if (rc == PCAP_ERROR_BREAK) { /* end of file */
            close_file(s);
            continue;
        }
        snprintf(err, errlen, "%s: packet %llu: %s", s->files[s->cur],
                 (unsigned long long)s->file_pkt_no + 1, s->pf ? why : pcap_geterr(s->pc));
        close_file(s);
        return LW_ERR_PARSE;
    }
}

double source_progress(const source_t *s)
{
    if (!s->total_bytes)
        return 0;
    double f = (double)atomic_load_explicit(&s->pos, memory_order_relaxed) /
               (double)s->total_bytes;
    return f > 1 ? 1 : f;
}

uint64_t source_filtered(const source_t *s) { return s->filtered; }
