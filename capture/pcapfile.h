/* pcapfile.h - the records of a classic pcap file, read in large blocks.
 *
 * libpcap reads a savefile through stdio: two fread() calls per record, and one more
 * copy of each packet out of the stdio buffer into its own. On the 200 MB
 * download-heavy bench capture that cost the reader thread about as much CPU as the
 * worker spent inspecting (issue 16). This reader pulls the file in 1 MiB pread()
 * blocks and hands out each record where it lies in its buffer.
 *
 * It follows libpcap 1.10's sf-pcap.c record for record: the header fields, the
 * nanosecond-to-microsecond scaling, a record cut to the file's snapshot length, the
 * limit on a record's size, and libpcap's own messages for a damaged file.
 * tests/test_capture_pcapfile.c and tests/fuzz/fuzz_pcapfile.c hold it to libpcap on
 * generated and damaged files.
 *
 * Deliberately not handled (pcapfile_open() declines, and capture/source.c lets
 * libpcap read the file): pcapng; versions other than 2.4 (older ones may have swapped
 * length fields); Kuznetzov's patched headers; link types whose records libpcap alters
 * or lets grow past 256 KiB (memory-mapped USB, D-Bus, EBHSCR, USBPcap); and
 * byte-swapped files of link types whose pseudo-header libpcap byte-swaps (pflog, SLL,
 * SLL2, USB, NFLOG). Reading is by pread() from the file's start, so pipes are
 * declined as well. */
#ifndef LW_CAPTURE_PCAPFILE_H
#define LW_CAPTURE_PCAPFILE_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pcapfile pcapfile_t;

/* Whether fd holds, from its start, a file header this reader takes (a classic pcap,
 * version 2.4, that pread() can read again). Asked before libpcap opens the file:
 * a stdio buffer for libpcap can only be set before its first read. */
int pcapfile_probe(int fd);

/* A reader for the records of fd, whose file header libpcap has already accepted as pc
 * (pcap_fopen_offline() with microsecond precision): its link type and snapshot length
 * are taken from pc. NULL when this reader does not take the file (see above) or is out
 * of memory; the caller then reads it with libpcap. fd stays the caller's and must
 * outlive the reader; its file position is not used. Caller frees with pcapfile_free(). */
pcapfile_t *pcapfile_open(int fd, pcap_t *pc);
void pcapfile_free(pcapfile_t *f);

/* 1: the next record in *h and *data (borrowed, valid until the next call). 0: the file
 * ended where a record would begin. -1: a damaged file or a read error, with libpcap's
 * message in err; the reader is then spent. */
int pcapfile_next(pcapfile_t *f, struct pcap_pkthdr *h, const uint8_t **data, char *err,
                  size_t errlen);

/* Bytes of the file consumed so far (file header and records handed out). */
uint64_t pcapfile_offset(const pcapfile_t *f);

#endif
