/* pcapfile.c - see pcapfile.h. */
#include "capture/pcapfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCAPFILE_HDR 24u
#define PCAPFILE_REC_HDR 16u
#define PCAPFILE_MAGIC_US 0xa1b2c3d4u
#define PCAPFILE_MAGIC_NS 0xa1b23c4du
/* libpcap's MAXIMUM_SNAPLEN: the largest record it reads for the link types taken here */
#define PCAPFILE_SNAP_MAX 262144u
/* One pread() moves a block; the buffer also holds the unread tail of the previous one,
 * which is less than one whole record. */
#define PCAPFILE_BLOCK (1u << 20)
#define PCAPFILE_BUF (PCAPFILE_BLOCK + PCAPFILE_REC_HDR + PCAPFILE_SNAP_MAX)

struct pcapfile {
    int fd;
    int swapped, nsec;
    int spent;             /* ended or failed: nothing more to hand out */
    uint32_t snapshot;     /* libpcap's, for the file's link type */
    uint64_t read_off;     /* file offset of the next pread() */
    size_t pos, have;      /* buf[pos, have): read, not yet handed out */
    uint8_t *buf;
};

static uint32_t load32(const pcapfile_t *f, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return f->swapped ? __builtin_bswap32(v) : v;
}

/* Whether libpcap hands out this link type's records exactly as the file holds them:
 * it byte-swaps some pseudo-headers of files written on a host of the other byte order,
 * fixes up memory-mapped USB lengths, and lets some types exceed PCAPFILE_SNAP_MAX. */
static int plain_linktype(int dlt, int swapped)
{
    switch (dlt) {
    case DLT_USB_LINUX_MMAPPED:
    case DLT_DBUS:
    case DLT_EBHSCR:
    case DLT_USBPCAP:
        return 0;
    case DLT_PFLOG:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_USB_LINUX:
    case DLT_NFLOG:
        return !swapped;
    default:
        return 1;
    }
}

/* The file header's byte order and time unit into probe; 0 when not taken. */
static int read_header(int fd, pcapfile_t *probe)
{
    uint8_t hdr[PCAPFILE_HDR];
    if (pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
        return 0;
    *probe = (pcapfile_t){.fd = fd};
    uint32_t magic;
    memcpy(&magic, hdr, 4);
    if (magic != PCAPFILE_MAGIC_US && magic != PCAPFILE_MAGIC_NS) {
        magic = __builtin_bswap32(magic);
        if (magic != PCAPFILE_MAGIC_US && magic != PCAPFILE_MAGIC_NS)
            return 0;
        probe->swapped = 1;
    }
    probe->nsec = magic == PCAPFILE_MAGIC_NS;
    uint16_t major, minor;
    memcpy(&major, hdr + 4, 2);
    memcpy(&minor, hdr + 6, 2);
    if (probe->swapped) {
        major = __builtin_bswap16(major);
        minor = __builtin_bswap16(minor);
    }
    return major == 2 && minor == 4;
}

int pcapfile_probe(int fd)
{
    pcapfile_t probe;
    return read_header(fd, &probe);
}

pcapfile_t *pcapfile_open(int fd, pcap_t *pc)
{
    pcapfile_t probe;
    if (!read_header(fd, &probe))
        return NULL;
    int dlt = pcap_datalink(pc);
    /* pcap_is_swapped() agreeing is the sign that pc was opened on this same header. */
    if (pcap_is_swapped(pc) != probe.swapped || !plain_linktype(dlt, probe.swapped) ||
        pcap_snapshot(pc) <= 0)
        return NULL;
    pcapfile_t *f = malloc(sizeof *f);
    if (!f)
        return NULL;
    *f = probe;
    f->snapshot = (uint32_t)pcap_snapshot(pc);
    f->read_off = PCAPFILE_HDR;
    if (!(f->buf = malloc(PCAPFILE_BUF))) {
        free(f);
        return NULL;
    }
    return f;
}

void pcapfile_free(pcapfile_t *f)
{
    if (!f)
        return;
    free(f->buf);
    free(f);
}

/* Make at least need bytes available from buf[pos]. 0: they are; 1: the file ends
 * before; -1: a read error (errno). need is at most one whole record. */
static int fill(pcapfile_t *f, size_t need)
{
    if (f->have - f->pos >= need)
        return 0;
    memmove(f->buf, f->buf + f->pos, f->have - f->pos);
    f->have -= f->pos;
    f->pos = 0;
    while (f->have < need) {
        ssize_t n = pread(f->fd, f->buf + f->have, PCAPFILE_BUF - f->have, (off_t)f->read_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 1;
        f->have += (size_t)n;
        f->read_off += (uint64_t)n;
    }
    return 0;
}

static int fail(pcapfile_t *f, char *err, size_t errlen, int rc)
{
    f->spent = 1;
    if (rc < 0)
        snprintf(err, errlen, "error reading dump file: %s", strerror(errno));
    return -1;
}

int pcapfile_next(pcapfile_t *f, struct pcap_pkthdr *h, const uint8_t **data, char *err,
                  size_t errlen)
{
    if (f->spent)
        return 0;
    int rc = fill(f, PCAPFILE_REC_HDR);
    if (rc) {
        size_t got = f->have - f->pos;
        if (rc > 0 && !got) {
            f->spent = 1;
            return 0;
        }
        if (rc > 0)
            snprintf(err, errlen,
                     "truncated dump file; tried to read %u header bytes, only got %zu",
                     PCAPFILE_REC_HDR, got);
        return fail(f, err, errlen, rc);
    }
    const uint8_t *r = f->buf + f->pos;
    /* libpcap reads the time fields as signed from a file in our byte order, and as
     * unsigned from a byte-swapped one: what Debian's 1.10.3 was seen to do, and what
     * test_capture_pcapfile holds this reader to. */
    uint32_t sec = load32(f, r), frac = load32(f, r + 4);
    int64_t s = f->swapped ? (int64_t)sec : (int64_t)(int32_t)sec;
    int64_t us = f->swapped ? (int64_t)frac : (int64_t)(int32_t)frac;
    uint32_t caplen = load32(f, r + 8);
    h->ts.tv_sec = (time_t)s;
    h->ts.tv_usec = (suseconds_t)(f->nsec ? us / 1000 : us);
    h->len = load32(f, r + 12);
    if (caplen > PCAPFILE_SNAP_MAX) {
        if (caplen > f->snapshot)
            snprintf(err, errlen, "invalid packet capture length %u, bigger than snaplen of %u",
                     caplen, f->snapshot);
        else
            snprintf(err, errlen, "invalid packet capture length %u, bigger than maximum of %u",
                     caplen, PCAPFILE_SNAP_MAX);
        return fail(f, err, errlen, 1);
    }
    /* Beyond the snapshot length libpcap reads the record whole and keeps its head. */
    uint32_t keep = caplen > f->snapshot ? f->snapshot : caplen;
    if ((rc = fill(f, PCAPFILE_REC_HDR + (size_t)caplen))) {
        size_t got = f->have - f->pos - PCAPFILE_REC_HDR;
        if (rc > 0)
            snprintf(err, errlen,
                     "truncated dump file; tried to read %u captured bytes, only got %zu",
                     got < keep ? keep : caplen, got);
        return fail(f, err, errlen, rc);
    }
    h->caplen = keep;
    *data = f->buf + f->pos + PCAPFILE_REC_HDR;
    f->pos += PCAPFILE_REC_HDR + (size_t)caplen;
    return 1;
}

uint64_t pcapfile_offset(const pcapfile_t *f)
{
    return f->read_off - (f->have - f->pos);
}
