/* dump.h - `-w FILE`: the packets leakwatch read, written to a pcap file as they were
 * read (after the BPF filter), as tcpdump -w does; useful live, to keep the capture
 * behind the findings. One link type per file (pcap's rule): packets of another link
 * type than the first (mixed -r inputs) are skipped and counted. Reader thread only. */
#ifndef LW_CAPTURE_DUMP_H
#define LW_CAPTURE_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "capture/source.h"

typedef struct dump dump_t;

/* Create (or empty) path now, so a bad path fails before any work. 0, or a negative
 * lwerr.h code with the reason in err. Caller closes with dump_close(). */
int dump_open(const char *path, dump_t **out, char *err, size_t errlen);

/* Append one packet (its bytes and times as read). 0 written, 1 skipped (another
 * link type), or LW_ERR_IO when the write failed (err set; later calls do nothing). */
int dump_packet(dump_t *d, const struct source_pkt *p, char *err, size_t errlen);

/* Push what stdio buffered to the file (called about once a second, so a live -w
 * file grows while capture goes on). */
void dump_flush(dump_t *d);

/* Packets skipped for their link type. */
uint64_t dump_skipped(const dump_t *d);

/* Write the file header if no packet came (an empty but valid capture), flush and
 * close. 0, or LW_ERR_IO (err set). NULL: no-op. */
int dump_close(dump_t *d, char *err, size_t errlen);

#endif
