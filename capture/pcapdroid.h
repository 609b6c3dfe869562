/* pcapdroid.h - the Android app of each packet, in captures made by PCAPdroid.
 *
 * PCAPdroid (github.com/emanuele-f/PCAPdroid) captures on the phone without root, so
 * it knows which app (Linux UID) sent each connection. With its "dump extensions"
 * option it writes that into the capture; the layout below is what
 * app/src/main/jni/core/pcap_dump.c and pcap_dump.h write (read at commit c735049):
 *
 * pcap (LINKTYPE_ETHERNET, dump_packet_pcap()): each IP packet behind a bogus Ethernet
 * header (both MACs zero, type IPv4 or IPv6), then 0-3 zero bytes so that the trailer
 * is 4-byte aligned, then a 28-byte trailer (pcapdroid_trailer_t):
 *     magic    4  big-endian 0x01072021
 *     uid      4  big-endian signed, the app's UID (-1: unknown)
 *     appname 20  the app's label (getApplicationByUid(): not its package name),
 *                 NUL-terminated, cut to 19 bytes
 *     fcs      4  CRC-32 (zlib's) of every frame byte before it, in the phone's byte
 *                 order (little-endian: written without htonl)
 *
 * pcapng (LINKTYPE_RAW, dump_packet_pcapng()): before the first packet of each UID a
 * Custom Block (type 0x00000BAD) holding, in the section's byte order,
 *     pen 4 (62652), version 2 (1), type 1 (1: UID map), padding 1,
 *     uid 4, package_name_len 1, app_name_len 1, package_name, app_name
 * and every Enhanced Packet Block carries the comment option "u-<uid>".
 *
 * This module parses both; capture/source.c cuts the trailer so the frame decodes as
 * any other, and the engine carries the app to flows, attribution and events.
 * Deliberately not handled: PCAPdroid's own JSON/CSV exports, and the trailer on
 * link types other than Ethernet (PCAPdroid writes it on no other). */
#ifndef LW_CAPTURE_PCAPDROID_H
#define LW_CAPTURE_PCAPDROID_H

#include <stddef.h>
#include <stdint.h>

#define PCAPDROID_TRAILER_MAGIC 0x01072021u
#define PCAPDROID_TRAILER_LEN 28u
#define PCAPDROID_TRAILER_NAME 20u
#define PCAPDROID_PEN 62652u
/* Longer names are cut: the UID map writes at most 63 bytes of each (char[64]). */
#define PCAPDROID_NAME_MAX 64

/* An app as the capture names it. */
struct pcapdroid_app {
    int32_t uid;
    char package[PCAPDROID_NAME_MAX];   /* "" when unknown (pcap trailers carry none) */
    char name[PCAPDROID_NAME_MAX];      /* its label, "" when unknown */
};

/* The trailer of frame[0..caplen) (an Ethernet frame): PCAPDROID_TRAILER_LEN, the
 * bytes to cut from its end, with *uid and name (NUL-terminated) filled; 0 when it
 * has none, or one whose CRC does not match (a frame that merely ends in the magic). */
size_t pcapdroid_trailer(const uint8_t *frame, size_t caplen, int32_t *uid,
                         char name[PCAPDROID_TRAILER_NAME]);

/* Every app met in a run, one entry per distinct (uid, package, name). Entries never
 * move or change, so packets and flows point at them until pcapdroid_apps_free():
 * the reader adds them, workers only read entries a packet record handed over. */
typedef struct pcapdroid_apps pcapdroid_apps_t;

/* Caller frees with pcapdroid_apps_free(); NULL out of memory. */
pcapdroid_apps_t *pcapdroid_apps_new(void);
void pcapdroid_apps_free(pcapdroid_apps_t *a);
/* The entry for this app (package, name: NULL or "" when unknown), added if new.
 * Borrowed, valid until pcapdroid_apps_free(); NULL out of memory or past
 * PCAPDROID_APPS_MAX (a damaged capture cannot grow the table without bound). */
#define PCAPDROID_APPS_MAX 65536
const struct pcapdroid_app *pcapdroid_apps_get(pcapdroid_apps_t *a, int32_t uid,
                                               const char *package, const char *name);

/* pcapng: the blocks of one file, followed alongside libpcap (which skips custom
 * blocks and hides packet options). */
typedef struct pcapdroid_ng pcapdroid_ng_t;

/* A follower for path, or NULL when it is not a pcapng file or cannot be read.
 * Caller frees with pcapdroid_ng_close(). */
pcapdroid_ng_t *pcapdroid_ng_open(const char *path);
void pcapdroid_ng_close(pcapdroid_ng_t *ng);
/* Move to the next packet block (the one libpcap has just returned), reading
 * PCAPdroid's UID map blocks on the way: the app of that packet (borrowed from apps),
 * or NULL when it names none. After damage it stays NULL to the end of the file. */
const struct pcapdroid_app *pcapdroid_ng_next(pcapdroid_ng_t *ng, pcapdroid_apps_t *apps);

/* The block parser behind pcapdroid_ng_next(), for files and fuzzing: state of one
 * file, then each whole block b[0..len) in order. Returns 1 for a packet block (its
 * app in *app, NULL when none), 0 for any other block, -1 for a malformed one. */
#define PCAPDROID_NG_MAPS 256
struct pcapdroid_ng_state {
    int swapped;                        /* the section's byte order is not ours */
    int in_section;                     /* a Section Header Block was read */
    /* The section's latest UID maps, a ring: a packet whose UID fell out of it (more
     * than PCAPDROID_NG_MAPS apps) keeps its UID, without names. */
    const struct pcapdroid_app *maps[PCAPDROID_NG_MAPS];
    unsigned nmaps;
};
int pcapdroid_ng_block(struct pcapdroid_ng_state *st, pcapdroid_apps_t *apps,
                       const uint8_t *b, size_t len, const struct pcapdroid_app **app);

#endif
