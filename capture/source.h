/* source.h - packets from capture files, in order, through an optional BPF filter.
 *
 * Reads pcap and pcapng with libpcap, one file after another; the records of a classic
 * pcap file come from capture/pcapfile.h, which reads them as libpcap would, at less
 * cost. A file that cannot be
 * opened, that is not a capture, or that ends in the middle of a record is reported
 * with its name and packet number; the packets before the damage have already been
 * returned and reading goes on with the next file. Live capture is capture/live.h.
 *
 * Captures made by PCAPdroid name the app of each packet (capture/pcapdroid.h): the
 * packet then carries it, and the length of its trailer for the decoder to leave out
 * (the bytes handed over are still those of the file, for -w). */
#ifndef LW_CAPTURE_SOURCE_H
#define LW_CAPTURE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct source source_t;

struct source_pkt {
    const uint8_t *data;     /* borrowed, valid until the next source_next() */
    uint32_t caplen, wirelen;
    uint64_t ts_us;
    int linktype;            /* LINKTYPE_ of the file */
    uint64_t pkt_no;         /* 1-based, across all files */
    uint64_t file_pkt_no;    /* 1-based, within the current file */
    const char *file;        /* borrowed */
    /* PCAPdroid: the app that sent or received it, or NULL; borrowed, valid until
     * source_free(). trailer_len: bytes at the end of data that are not the frame's. */
    const struct pcapdroid_app *app;
    uint32_t trailer_len;
};

/* files is borrowed and must outlive the source. filter may be NULL. The filter is
 * checked now (against Ethernet) so a typo fails before any work. Caller frees with
 * source_free(). */
int source_open(const char *const *files, int nfiles, const char *filter, source_t **out,
                char *err, size_t errlen);
void source_free(source_t *s);

/* 1: a packet in *p. 0: all input read. <0: the current file failed (message in err,
 * naming file and packet); call again to continue with the next file. */
int source_next(source_t *s, struct source_pkt *p, char *err, size_t errlen);

/* Fraction of the input bytes read so far, 0..1; callable from any thread. */
double source_progress(const source_t *s);

/* Packets the filter rejected. */
uint64_t source_filtered(const source_t *s);

#endif
