/* dump.c - see dump.h. libpcap writes the file (pcap_dump), so it is what tcpdump and
 * Wireshark read; the link type is only known with the first packet, hence the file is
 * opened early with stdio and handed to libpcap then. */
#include "capture/dump.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lwerr.h"

#define DUMP_SNAPLEN 262144

struct dump {
    char *path;
    FILE *fp;              /* until the first packet: then owned by dumper */
    pcap_t *dead;
    pcap_dumper_t *dumper;
    int linktype;
    int failed;
    uint64_t skipped;
};

int dump_open(const char *path, dump_t **out, char *err, size_t errlen)
{
    dump_t *d = calloc(1, sizeof *d);
    *out = NULL;
    if (!d || !(d->path = strdup(path))) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    if (!(d->fp = fopen(path, "wb"))) {
        snprintf(err, errlen, "-w %s: %s", path, strerror(errno));
        free(d->path);
        free(d);
        return LW_ERR_IO;
    }
    *out = d;
    return 0;
}

/* Hand the file to libpcap with the link type of the first packet. */
static int start(dump_t *d, int linktype, char *err, size_t errlen)
{
    d->dead = pcap_open_dead_with_tstamp_precision(linktype, DUMP_SNAPLEN,
                                                   PCAP_TSTAMP_PRECISION_MICRO);
    if (!d->dead || !(d->dumper = pcap_dump_fopen(d->dead, d->fp))) {
        snprintf(err, errlen, "-w %s: %s", d->path,
                 d->dead ? pcap_geterr(d->dead) : "out of memory");
        d->failed = 1;
        return LW_ERR_IO;
    }
    d->fp = NULL;
    d->linktype = linktype;
    return 0;
}

int dump_packet(dump_t *d, const struct source_pkt *p, char *err, size_t errlen)
{
    if (d->failed)
        return 0;
    if (!d->dumper && start(d, p->linktype, err, errlen) < 0)
        return LW_ERR_IO;
    if (p->linktype != d->linktype) {
        d->skipped++;
        return 1;
    }
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(p->ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(p->ts_us % 1000000u);
    h.caplen = p->caplen;
    h.len = p->wirelen;
    pcap_dump((u_char *)d->dumper, &h, p->data);
    if (ferror(pcap_dump_file(d->dumper))) {
        snprintf(err, errlen, "-w %s: write failed: %s", d->path, strerror(errno));
        d->failed = 1;
        return LW_ERR_IO;
    }
    return 0;
}

void dump_flush(dump_t *d)
{
    if (d && d->dumper)
        pcap_dump_flush(d->dumper);
}

uint64_t dump_skipped(const dump_t *d)
{
    return d ? d->skipped : 0;
}

int dump_close(dump_t *d, char *err, size_t errlen)
{
    int rc = 0;
    if (!d)
        return 0;
    if (!d->dumper && !d->failed && start(d, DLT_EN10MB, err, errlen) < 0)
        rc = LW_ERR_IO;
    if (d->dumper) {
        FILE *f = pcap_dump_file(d->dumper);
        if (fflush(f) == EOF || ferror(f)) {
            snprintf(err, errlen, "-w %s: write failed: %s", d->path, strerror(errno));
            rc = LW_ERR_IO;
        }
        pcap_dump_close(d->dumper);
    } else if (d->fp) {
        fclose(d->fp);
    }
    if (d->dead)
        pcap_close(d->dead);
    free(d->path);
    free(d);
    return rc;
}
